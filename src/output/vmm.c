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

/*
 * The short line shows every option QEMU reports but those known not to
 * change the translation the guest may program (-v shows them all). The list
 * names what to leave out, not what to show: an option QEMU adds or renames
 * (11.1: x-scalable-mode -> scalable-mode, x-flts -> fsts, x-pasid-mode ->
 * pasid-bits, new svm) is shown under its new name without a change here.
 */
static bool prop_is_key(const char *name)
{
	static const char *const quiet[] = {
		"version", "eim", "x-buggy-eim", "snoop-control", "dma-drain",
		"pt", "stale-tm", "fs1gp",
	};

	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (!strcmp(name, quiet[i]))
			return false;
	return true;
}

/* "vmm: QEMU 7.2.22 (package), intel-iommu a=b ...", wrapped at TEXT_WIDTH */
void vtd_vmm_text(FILE *f, const struct vtd_vmm *v, int verbose)
{
	char a[4 * sizeof(v->package)], b[4 * sizeof(v->props[0].value)];
	char c[4 * sizeof(v->version)];
	struct wrap w;

	if (!v->known)
		return;
	fputs("vmm:", f);
	wrap_start(&w, f, 4, 5);
	/* a VM that does not run: its tables stand still (paused, ...) */
	bool stopped = v->run_state[0] && strcmp(v->run_state, "running");

	/* QEMU's strings with no line breaks or escapes of their own */
	wrap_word(&w, " ", "QEMU %s%s%s%s%s", text_escape(c, sizeof(c), v->version),
		  v->package[0] ? " (" : "", text_escape(a, sizeof(a), v->package),
		  v->package[0] ? ")" : "", stopped || v->iommu_found ? "," : "");
	if (stopped)
		wrap_word(&w, " ", "VM %s%s", text_escape(b, sizeof(b), v->run_state),
			  v->iommu_found ? "," : "");
	if (v->iommu_found)
		wrap_word(&w, " ", "intel-iommu");
	for (unsigned i = 0; i < v->nr_props; i++)
		if (verbose || prop_is_key(v->props[i].name))
			wrap_word(&w, " ", "%s=%s", v->props[i].name,
				  text_escape(b, sizeof(b), v->props[i].value));
	wrap_end(&w);
}
