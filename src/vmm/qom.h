/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: monitor helpers shared by src/vmm/ (internal). */
#ifndef VTDCTL_HOST_QOM_H
#define VTDCTL_HOST_QOM_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/host.h"

struct json_object;
struct vtd_source;

/* A reply that only says "not here" (no such property/path/command), as
 * opposed to a transport failure, which is fatal. */
bool host_rc_is_absent(int rc);

/* qom-get PATH PROPERTY; *ret is a new reference (caller puts). */
int host_qom_get(struct vtd_source *src, const char *path, const char *prop,
		 struct json_object **ret);
/* qom-get of a string (or link) property into buf; -ENOENT if absent. */
int host_qom_get_str(struct vtd_source *src, const char *path,
		     const char *prop, char *buf, size_t len);
/* qom-list PATH; *ret is the array (caller puts). */
int host_qom_list(struct vtd_source *src, const char *path,
		  struct json_object **ret);

/* PCI topology from query-pci: which bus a bridge (bus, devfn) leads to. */
struct topo_bridge { int bus, devfn, secondary; };
struct topo_dev { int bus, devfn; };
struct topo_memo { char path[160]; int bus, devfn; };
struct host_pci_topo {
	struct topo_bridge *bridges;
	size_t nr_bridges;
	struct topo_dev *devs;		/* every device query-pci lists */
	size_t nr_devs;
	struct topo_memo *memo;		/* resolved paths */
	size_t nr_memo;
	int root_bus[8];
	size_t nr_root;
};
int host_read_topology(struct vtd_source *src, struct host_pci_topo *t);
void host_topology_free(struct host_pci_topo *t);
/* The one bus holding a device at devfn, or HOST_NO_BUS when none or
 * several buses have one (then only QOM can tell). */
int host_unique_bus(const struct host_pci_topo *t, int devfn);

/* The guest bus number of a PCI device by QOM path (parent_bus, the bridge
 * above, query-pci); *devfn from its "addr". HOST_NO_BUS when unresolved;
 * < 0 only for transport failures. */
int host_resolve_bus(struct vtd_source *src, struct host_pci_topo *t,
		     const char *path, int *bus, int *devfn);

/* src/vmm/vfio.c */
int host_collect_vfio(struct vtd_source *src, struct host_pci_topo *t,
		      const struct host_env *env, struct vtd_host *h);
void host_check_binding(const struct host_env *env, struct host_vfio *v);

#endif
