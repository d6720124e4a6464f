/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the host facts of the model: what QEMU built from the guest's
 * tables (address spaces, vfio-pci devices and their bindings). src/vmm/
 * fills them from a live VMM; check/ and output/ only read them. */
#ifndef VTDCTL_MODEL_HOST_H
#define VTDCTL_MODEL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_device;

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

#endif
