/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the VMM's version and the vIOMMU's options (JSON source.vmm). */
#ifndef VTDCTL_VMM_H
#define VTDCTL_VMM_H

#include <stdbool.h>
#include <stdio.h>

struct json_object;
struct vtd_source;

#define VTD_VMM_MAX_PROPS 32

struct vtd_vmm_prop {
	char name[32];
	char value[64];
	bool is_bool, is_int;
};

struct vtd_vmm {
	bool known;		/* false: no monitor (a dump, --no-monitor) */
	char version[32];	/* "7.2.22" */
	char package[128];	/* distribution's package string */
	bool iommu_found;	/* an intel-iommu device in `info qtree` */
	struct vtd_vmm_prop props[VTD_VMM_MAX_PROPS];
	unsigned nr_props;
};

/* 0 (also when nothing can be known) or a negative errno (transport). */
int vtd_vmm_collect(struct vtd_source *src, struct vtd_vmm *v);
/* For tests: the intel-iommu options from `info qtree` text. */
void vtd_vmm_parse_qtree(const char *text, struct vtd_vmm *v);
/* NULL when not known. */
struct json_object *vtd_vmm_json(const struct vtd_vmm *v);
/* One header line; the key options, or all with verbose. */
void vtd_vmm_text(FILE *f, const struct vtd_vmm *v, int verbose);

#endif
