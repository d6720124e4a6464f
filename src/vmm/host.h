/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the VMM's side: QEMU's IOMMU address spaces, vfio/iommufd bindings. */
#ifndef VTDCTL_HOST_H
#define VTDCTL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/host.h"
#include "model/model.h"

struct json_object;
struct vtd_source;

struct host_env {
	const char *proc_root;	/* "/proc" */
	const char *sys_root;	/* "/sys" */
	int pid;		/* QEMU's pid, 0 = unknown (then binding unknown) */
	const char *qemu_version; /* from query-version already, or NULL: ask */
};

/*
 * Gather host-side state through the source's monitor. *out is NULL when the
 * source cannot tell (a dump, --no-monitor): every host field is then
 * "unknown" (JSON null), never "no". Returns 0 or a negative errno for a
 * transport failure (message in src->error).
 */
int vtd_host_collect(struct vtd_source *src, const struct vtd_model *m,
		     struct vtd_host **out);
/* The same with /proc, /sys and the pid given (tests; env NULL = defaults). */
int vtd_host_collect_env(struct vtd_source *src, const struct host_env *env,
			 struct vtd_host **out);

/* ---- Pure parsers (src/vmm/mtree.c), for unit tests and fuzzers ---- */

/* One `address-space: vtd-root` tree, one `memory-region: vtd-..` section,
 * or one device's `alias bus master @vtd-..` (in output order). */
struct mtree_vtd {
	uint8_t devfn;
	int64_t pasid;
	enum host_xlate xlate;
};
struct mtree_alias {
	char owner[160];	/* QOM path of the device ("" if no -o owner) */
	uint8_t devfn;		/* of the vtd-SS.F it aliases */
};
struct mtree_info {
	struct mtree_vtd *as;		/* address-space: vtd-root trees */
	size_t nr_as;
	struct mtree_vtd *sections;	/* memory-region: vtd-SS.F, in order */
	size_t nr_sections;
	struct mtree_alias *aliases;	/* bus master aliases, in order */
	size_t nr_aliases;
};
/* Parse `info mtree -o -D` (also plain `info mtree`). -EPROTO on text that
 * is not an mtree; -ENOMEM. */
int host_parse_mtree(const char *text, struct mtree_info *mi, char *err,
		     size_t errlen);
void host_mtree_free(struct mtree_info *mi);
/* "vtd-1f.2" -> devfn 0xfa, pasid -1; "vtd-03.0-pasid-1f" -> 0x18, 0x1f */
bool host_parse_vtd_name(const char *name, uint8_t *devfn, int64_t *pasid);

#endif
