// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the VMM facts as JSON (source.vmm) and as the text `vmm:` line. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "output/wrap.h"

struct json_object *vtd_vmm_json(const struct vtd_vmm *v)
{
	struct json_object *o, *props;

	if (!v->known)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string("QEMU"));
	json_object_object_add(o, "version", json_object_new_string(v->version));
	json_object_object_add(o, "package", json_object_new_string(v->package));
	json_object_object_add(o, "status", v->run_state[0] ?
			       json_object_new_string(v->run_state) : NULL);
	if (!v->iommu_found) {
		json_object_object_add(o, "iommu", NULL);
		return o;
	}
	props = json_object_new_object();
	for (unsigned i = 0; i < v->nr_props; i++) {
		const struct vtd_vmm_prop *p = &v->props[i];
		struct json_object *val;

		if (p->is_bool)
			val = json_object_new_boolean(!strcmp(p->value, "true"));
		else if (p->is_int)
			val = json_object_new_int64(strtoll(p->value, NULL, 10));
		else
			val = json_object_new_string(p->value);
		json_object_object_add(props, p->name, val);
	}
	json_object_object_add(o, "iommu", props);
	return o;
}

/* The options that change what the guest may program; -v shows them all. */
static bool prop_is_key(const char *name)
{
	static const char *const keys[] = {
		"x-scalable-mode", "x-flts", "x-pasid-mode", "aw-bits",
		"caching-mode", "dma-translation", "intremap", "device-iotlb",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i]))
			return true;
	return false;
}

/* "vmm: QEMU 7.2.22 (package), intel-iommu a=b ...", wrapped at TEXT_WIDTH */
void vtd_vmm_text(FILE *f, const struct vtd_vmm *v, int verbose)
{
	struct wrap w;

	if (!v->known)
		return;
	fputs("vmm:", f);
	wrap_start(&w, f, 4, 5);
	/* a VM that does not run: its tables stand still (paused, ...) */
	bool stopped = v->run_state[0] && strcmp(v->run_state, "running");

	wrap_word(&w, " ", "QEMU %s%s%s%s%s", v->version, v->package[0] ? " (" : "",
		  v->package, v->package[0] ? ")" : "",
		  stopped || v->iommu_found ? "," : "");
	if (stopped)
		wrap_word(&w, " ", "VM %s%s", v->run_state, v->iommu_found ? "," : "");
	if (v->iommu_found)
		wrap_word(&w, " ", "intel-iommu");
	for (unsigned i = 0; i < v->nr_props; i++)
		if (verbose || prop_is_key(v->props[i].name))
			wrap_word(&w, " ", "%s=%s", v->props[i].name, v->props[i].value);
	wrap_end(&w);
}
