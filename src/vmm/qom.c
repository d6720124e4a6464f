// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: QOM and query-pci through the source's monitor: device -> bus. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "vmm/qom.h"
#include "source/source.h"

#define MAX_BRIDGE_DEPTH 8
#define MAX_BRIDGES 1024

bool host_rc_is_absent(int rc)
{
	return rc == -EIO || rc == -ENODEV || rc == -ENOSYS || rc == -ENOENT;
}

static int qom_call(struct vtd_source *src, const char *cmd, const char *path,
		    const char *prop, struct json_object **ret)
{
	struct json_object *args = json_object_new_object();
	int rc;

	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "path", json_object_new_string(path));
	if (prop)
		json_object_object_add(args, "property", json_object_new_string(prop));
	rc = source_monitor(src, cmd, args, ret);
	json_object_put(args);
	return rc;
}

int host_qom_get(struct vtd_source *src, const char *path, const char *prop,
		 struct json_object **ret)
{
	return qom_call(src, "qom-get", path, prop, ret);
}

int host_qom_list(struct vtd_source *src, const char *path,
		  struct json_object **ret)
{
	int rc = qom_call(src, "qom-list", path, NULL, ret);

	if (!rc && !json_object_is_type(*ret, json_type_array)) {
		json_object_put(*ret);
		*ret = NULL;
		return -ENOENT;
	}
	return rc;
}

int host_qom_get_str(struct vtd_source *src, const char *path,
		     const char *prop, char *buf, size_t len)
{
	struct json_object *v = NULL;
	int rc = host_qom_get(src, path, prop, &v);

	buf[0] = 0;
	if (rc)
		return rc;
	if (!json_object_is_type(v, json_type_string)) {
		json_object_put(v);
		return -ENOENT;
	}
	snprintf(buf, len, "%s", json_object_get_string(v));
	json_object_put(v);
	return 0;
}

static int qom_get_int(struct vtd_source *src, const char *path,
		       const char *prop, int *out)
{
	struct json_object *v = NULL;
	int rc = host_qom_get(src, path, prop, &v);

	if (rc)
		return rc;
	if (!json_object_is_type(v, json_type_int)) {
		json_object_put(v);
		return -ENOENT;
	}
	*out = json_object_get_int(v);
	json_object_put(v);
	return 0;
}

/* ---- query-pci ---------------------------------------------------------- */

static int json_int(struct json_object *o, const char *key, int *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int(v);
	return 0;
}

static int add_devices(struct host_pci_topo *t, struct json_object *devs,
		       unsigned depth);

static int note_device(struct host_pci_topo *t, int bus, int devfn)
{
	struct topo_dev *d;

	if (t->nr_devs >= 65536)
		return -E2BIG;
	d = array_append(&t->devs, &t->nr_devs, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bus = bus;
	d->devfn = devfn;
	return 0;
}

int host_unique_bus(const struct host_pci_topo *t, int devfn)
{
	int bus = HOST_NO_BUS;

	for (size_t i = 0; i < t->nr_devs; i++) {
		if (t->devs[i].devfn != devfn)
			continue;
		if (bus != HOST_NO_BUS)
			return HOST_NO_BUS;
		bus = t->devs[i].bus;
	}
	return bus;
}

/* A device entry: noted; a bridge adds (bus, devfn) -> secondary, then
 * recurses */
static int add_device(struct host_pci_topo *t, struct json_object *dev,
		      unsigned depth)
{
	struct json_object *br, *brbus, *brdevs;
	int bus, slot, fn, sec, rc;
	struct topo_bridge *b;

	if (json_int(dev, "bus", &bus) || json_int(dev, "slot", &slot) ||
	    json_int(dev, "function", &fn))
		return 0;
	rc = note_device(t, bus, (slot & 0x1f) << 3 | (fn & 7));
	if (rc)
		return rc;
	if (!json_object_object_get_ex(dev, "pci_bridge", &br))
		return 0;
	if (!json_object_object_get_ex(br, "bus", &brbus) ||
	    json_int(brbus, "secondary", &sec))
		return 0;
	if (t->nr_bridges >= MAX_BRIDGES)
		return -E2BIG;
	b = array_append(&t->bridges, &t->nr_bridges, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->bus = bus;
	b->devfn = (slot & 0x1f) << 3 | (fn & 7);
	b->secondary = sec;
	if (json_object_object_get_ex(br, "devices", &brdevs))
		return add_devices(t, brdevs, depth + 1);
	return 0;
}

static int add_devices(struct host_pci_topo *t, struct json_object *devs,
		       unsigned depth)
{
	int rc = 0;

	if (depth > MAX_BRIDGE_DEPTH * 4 || !json_object_is_type(devs, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(devs) && !rc; i++)
		rc = add_device(t, json_object_array_get_idx(devs, i), depth);
	return rc;
}

int host_read_topology(struct vtd_source *src, struct host_pci_topo *t)
{
	struct json_object *ret = NULL, *devs;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = source_monitor(src, "query-pci", NULL, &ret);
	if (rc)
		return rc;
	if (!json_object_is_type(ret, json_type_array)) {
		json_object_put(ret);
		return -EPROTO;
	}
	for (size_t i = 0; i < json_object_array_length(ret) && !rc; i++) {
		struct json_object *b = json_object_array_get_idx(ret, i);
		int nr;

		if (!json_int(b, "bus", &nr) && t->nr_root < 8)
			t->root_bus[t->nr_root++] = nr;
		if (json_object_object_get_ex(b, "devices", &devs))
			rc = add_devices(t, devs, 0);
	}
	json_object_put(ret);
	return rc;
}

void host_topology_free(struct host_pci_topo *t)
{
	free(t->bridges);
	free(t->devs);
	free(t->memo);
	memset(t, 0, sizeof(*t));
}

/* ---- QOM path -> bus ---------------------------------------------------- */

static int secondary_of(const struct host_pci_topo *t, int bus, int devfn)
{
	for (size_t i = 0; i < t->nr_bridges; i++)
		if (t->bridges[i].bus == bus && t->bridges[i].devfn == devfn)
			return t->bridges[i].secondary;
	return HOST_NO_BUS;
}

static int resolve(struct vtd_source *src, struct host_pci_topo *t,
		   const char *path, int *bus, int *devfn, unsigned depth);

/* Devices behind one bridge share its resolution: each QOM path is asked
 * about once per collection. */
static int resolve_memo(struct vtd_source *src, struct host_pci_topo *t,
			const char *path, int *bus, int *devfn, unsigned depth)
{
	struct topo_memo *m;
	int rc;

	for (size_t i = 0; i < t->nr_memo; i++) {
		if (!strcmp(t->memo[i].path, path)) {
			*bus = t->memo[i].bus;
			*devfn = t->memo[i].devfn;
			return 0;
		}
	}
	rc = resolve(src, t, path, bus, devfn, depth);
	if (rc || strlen(path) >= sizeof(t->memo[0].path) || t->nr_memo >= 4096)
		return rc;
	m = array_append(&t->memo, &t->nr_memo, sizeof(*m));
	if (!m)
		return 0;	/* only a cache */
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->bus = *bus;
	m->devfn = *devfn;
	return 0;
}

static int resolve(struct vtd_source *src, struct host_pci_topo *t,
		   const char *path, int *bus, int *devfn, unsigned depth)
{
	char busp[256], parent[256], *slash;
	int rc, pbus, pdevfn;

	*bus = HOST_NO_BUS;
	*devfn = -1;
	if (depth > MAX_BRIDGE_DEPTH)
		return 0;
	rc = qom_get_int(src, path, "addr", devfn);
	if (!rc)
		rc = host_qom_get_str(src, path, "parent_bus", busp, sizeof(busp));
	if (rc)
		return host_rc_is_absent(rc) ? 0 : rc;
	if (*devfn < 0 || *devfn > 255) {
		*devfn = -1;
		return 0;
	}
	/* the bus object is a child of the bridge (or host bridge) above it */
	snprintf(parent, sizeof(parent), "%s", busp);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0;
	*slash = 0;
	rc = resolve_memo(src, t, parent, &pbus, &pdevfn, depth + 1);
	if (rc)
		return rc;
	if (pdevfn >= 0) {	/* a PCI device: a bridge whose secondary bus it is */
		if (pbus != HOST_NO_BUS)
			*bus = secondary_of(t, pbus, pdevfn);
		return 0;
	}
	/* not a PCI device: the host bridge; exact only with one root bus */
	if (t->nr_root == 1)
		*bus = t->root_bus[0];
	return 0;
}

int host_resolve_bus(struct vtd_source *src, struct host_pci_topo *t,
		     const char *path, int *bus, int *devfn)
{
	return resolve_memo(src, t, path, bus, devfn, 0);
}
