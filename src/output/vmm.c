// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the VMM facts as JSON (source.vmm) and as the text `vmm:` line. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

struct json_object *vtd_vmm_json(const struct vtd_vmm *v)
{
	struct json_object *o, *props;

	if (!v->known)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string("QEMU"));
	json_object_object_add(o, "version", json_object_new_string(v->version));
	json_object_object_add(o, "package", json_object_new_string(v->package));
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

void vtd_vmm_text(FILE *f, const struct vtd_vmm *v, int verbose)
{
	char a[4 * sizeof(v->package)], b[4 * sizeof(v->props[0].value)];

	if (!v->known)
		return;
	/* one line: QEMU's strings with no line breaks of their own */
	fprintf(f, "vmm: QEMU %s%s%s%s", text_escape(b, sizeof(b), v->version),
		v->package[0] ? " (" : "", text_escape(a, sizeof(a), v->package),
		v->package[0] ? ")" : "");
	if (v->iommu_found)
		fprintf(f, ", intel-iommu");
	for (unsigned i = 0; i < v->nr_props; i++)
		if (verbose || prop_is_key(v->props[i].name))
			fprintf(f, " %s=%s", v->props[i].name,
				text_escape(b, sizeof(b), v->props[i].value));
	fputc('\n', f);
}
