/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the VMM's side: QEMU's IOMMU address spaces, vfio/iommufd bindings. */
#ifndef VTDCTL_HOST_H
#define VTDCTL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct json_object;
struct vtd_source;

/* Three-valued facts: unknown is never "no". */
enum host_tri { HOST_UNKNOWN = -1, HOST_NO = 0, HOST_YES = 1 };

/* Which region of a VTDAddressSpace is enabled (QEMU's vtd_switch_address_space) */
enum host_xlate { HOST_XLATE_UNKNOWN, HOST_XLATE_DMAR, HOST_XLATE_NODMAR };
const char *host_xlate_name(enum host_xlate x);	/* "dmar", "nodmar", NULL */

#define HOST_NO_PASID	(-1)
#define HOST_NO_BUS	(-1)

/*
 * One address space QEMU's intel-iommu built (`address-space: vtd-root` in
 * `info mtree`). QEMU names it vtd-SS.F (requests without PASID) or
 * vtd-SS.F-pasid-P (P hex), so the bus comes from the PCI device that owns
 * it; bus is HOST_NO_BUS when that could not be resolved exactly.
 */
struct host_as {
	int bus;		/* HOST_NO_BUS: ambiguous or unresolved */
	uint8_t devfn;
	int64_t pasid;		/* HOST_NO_PASID for vtd-SS.F */
	enum host_xlate xlate;
	char owner[160];	/* QOM path of the PCI device, "" if unknown */
};

/* A vfio-pci device found through QOM (/machine/peripheral{,-anon}). */
struct host_vfio {
	char qom_path[160];
	int bus;		/* guest bus, HOST_NO_BUS if unresolved */
	int devfn;		/* guest devfn, -1 if unknown */
	char host_bdf[32];	/* "0000:01:00.0"; "" if unknown */
	char sysfsdev[160];	/* property sysfsdev, "" if unset */
	char iommufd[160];	/* QOM path of the iommufd object, "" = none
				   (a VFIO container), see has_iommufd */
	enum host_tri has_iommufd;	/* unknown on QEMU < 9 (no property) */
	enum host_tri binding;	/* seen in /proc/PID/fd + sysfs */
	char binding_why[120];	/* how binding was decided */
};

struct host_env {
	const char *proc_root;	/* "/proc" */
	const char *sys_root;	/* "/sys" */
	int pid;		/* QEMU's pid, 0 = unknown (then binding unknown) */
};

struct vtd_host {
	bool mtree_ok;		/* `info mtree` parsed: address spaces known */
	char qemu_version[32];	/* "10.0.2", "" if unknown */
	int pid;
	struct host_as *as;
	size_t nr_as;
	/* devfns whose address spaces could not all be placed on a bus: for
	 * these, "no address space" is unknown rather than false */
	bool devfn_unresolved[256];
	/* PCI devices QEMU has (from the `bus master` owners), bus resolved */
	struct host_pcidev {
		int bus;
		uint8_t devfn;
		char owner[160];
	} *pcidevs;
	size_t nr_pcidevs;
	struct host_vfio *vfio;
	size_t nr_vfio;
	bool vfio_known;	/* QOM lists were read */
	char (*iommufd_objs)[160];	/* QOM paths of iommufd backend objects */
	size_t nr_iommufd_objs;
	char note[200];		/* why something is unknown, "" if nothing */
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
void vtd_host_free(struct vtd_host *h);

/* Lookups. h may be NULL (unknown). */
const struct host_as *host_find_as(const struct vtd_host *h, int bus,
				   int devfn, int64_t pasid);
/* Whether QEMU has the address space (bus, devfn, pasid): NO only when
 * every address space with that slot.function was placed on a bus. */
enum host_tri host_has_as(const struct vtd_host *h, int bus, int devfn,
			  int64_t pasid);
const struct host_vfio *host_find_vfio(const struct vtd_host *h, int bus,
				       int devfn);
/* Whether QEMU has a PCI device at (bus, devfn) */
enum host_tri host_has_pcidev(const struct vtd_host *h, int bus, int devfn);
/* The address space that carries a device's requests for PASID p: the
 * device's own (vtd-SS.F) for RID_PASID, else vtd-SS.F-pasid-P. */
int64_t host_as_pasid_for(const struct vtd_device *d, uint32_t pasid);

/* JSON "host" objects for a device and for one of its PASIDs (never NULL). */
struct json_object *host_json_device(const struct vtd_host *h,
				     const struct vtd_device *d);
struct json_object *host_json_pasid(const struct vtd_host *h,
				    const struct vtd_device *d,
				    const struct vtd_pasid_rec *p);
/* The whole host side: {"known", "qemu_version", "pid", "address_spaces":
 * [...], "vfio": [...], "iommufd_objects": [...]}; null-valued when h is NULL. */
struct json_object *host_json_summary(const struct vtd_host *h);
/* A short text column ("dmar", "nodmar", "none", "?"); buf holds len bytes. */
const char *host_text_device(const struct vtd_host *h,
			     const struct vtd_device *d, char *buf, size_t len);
const char *host_text_pasid(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len);

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
