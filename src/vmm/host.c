// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: host-side state from a live QEMU: the intel-iommu's address spaces
 * (`info mtree -o -D`), placed on (bus, devfn, PASID) through the PCI devices
 * that alias them (QOM, query-pci), and vfio-pci devices with their iommufd
 * or container binding (QOM, /proc/PID/fd, sysfs: src/vmm/vfio.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/host.h"
#include "base/array.h"
#include "vmm/qom.h"
#include "source/monitor.h"
#include "source/source.h"

static int add_as(struct vtd_host *h, int bus, uint8_t devfn, int64_t pasid,
		  enum host_xlate x, const char *owner)
{
	struct host_as *n = array_append(&h->as, &h->nr_as, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->bus = bus;
	n->devfn = devfn;
	n->pasid = pasid;
	n->xlate = x;
	snprintf(n->owner, sizeof(n->owner), "%s", owner ? owner : "");
	return 0;
}

static int add_pcidev(struct vtd_host *h, int bus, uint8_t devfn, const char *owner)
{
	struct host_pcidev *n = array_append(&h->pcidevs, &h->nr_pcidevs,
					     sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->bus = bus;
	n->devfn = devfn;
	snprintf(n->owner, sizeof(n->owner), "%s", owner);
	return 0;
}

/* The bus of every aliasing device (-1 when not resolved); pcidevs filled */
static int resolve_aliases(struct vtd_source *src, struct host_pci_topo *t,
			   const struct mtree_info *mi, struct vtd_host *h,
			   int *bus)
{
	for (size_t i = 0; i < mi->nr_aliases; i++) {
		int devfn, rc;

		bus[i] = HOST_NO_BUS;
		if (!mi->aliases[i].owner[0])
			continue;
		/* a slot.function on one bus only needs no QOM round trips */
		bus[i] = host_unique_bus(t, mi->aliases[i].devfn);
		if (bus[i] == HOST_NO_BUS) {
			rc = host_resolve_bus(src, t, mi->aliases[i].owner,
					      &bus[i], &devfn);
			if (rc)
				return rc;
			if (devfn != mi->aliases[i].devfn)
				bus[i] = HOST_NO_BUS;	/* QOM disagrees with the name */
		}
		if (bus[i] != HOST_NO_BUS &&
		    (rc = add_pcidev(h, bus[i], mi->aliases[i].devfn, mi->aliases[i].owner)))
			return rc;
	}
	return 0;
}

static size_t count_devfn(const struct mtree_vtd *v, size_t n, unsigned devfn)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += v[i].devfn == devfn && v[i].pasid == HOST_NO_PASID;
	return c;
}

/* One slot.function: place its vtd-SS.F address spaces on buses */
static int place_devfn(struct vtd_host *h, const struct mtree_info *mi,
		       const int *bus, unsigned devfn)
{
	size_t r = count_devfn(mi->as, mi->nr_as, devfn);
	size_t s = count_devfn(mi->sections, mi->nr_sections, devfn);
	size_t a = 0, placed = 0, k = 0;
	enum host_xlate same = HOST_XLATE_UNKNOWN;
	bool uniform = true;
	int rc;

	for (size_t i = 0; i < mi->nr_aliases; i++)
		a += mi->aliases[i].devfn == devfn;
	for (size_t i = 0, first = 1; i < mi->nr_as; i++) {
		if (mi->as[i].devfn != devfn || mi->as[i].pasid != HOST_NO_PASID)
			continue;
		if (first)
			same = mi->as[i].xlate;
		uniform &= mi->as[i].xlate == same;
		first = 0;
	}
	if (!r)
		return 0;
	for (size_t i = 0; i < mi->nr_aliases; i++) {
		const struct mtree_vtd *sec = NULL;

		if (mi->aliases[i].devfn != devfn)
			continue;
		/* k-th alias <-> k-th section when every region is aliased once */
		if (a == s && s == r) {
			for (size_t j = 0, n = 0; j < mi->nr_sections; j++)
				if (mi->sections[j].devfn == devfn &&
				    mi->sections[j].pasid == HOST_NO_PASID && n++ == k)
					sec = &mi->sections[j];
		}
		k++;
		if (bus[i] == HOST_NO_BUS || (!sec && !uniform))
			continue;
		rc = add_as(h, bus[i], (uint8_t)devfn, HOST_NO_PASID,
			    sec ? sec->xlate : same, mi->aliases[i].owner);
		if (rc)
			return rc;
		placed++;
	}
	if (placed < r)		/* some could not be placed: name them by devfn only */
		h->devfn_unresolved[devfn] = true;
	for (; placed < r; placed++)
		if ((rc = add_as(h, HOST_NO_BUS, (uint8_t)devfn, HOST_NO_PASID,
				 uniform ? same : HOST_XLATE_UNKNOWN, NULL)))
			return rc;
	return 0;
}

/* vtd-SS.F-pasid-P: exact only when one PCI device has that slot.function */
static int place_pasid_as(struct vtd_host *h, const struct mtree_vtd *v)
{
	int bus = HOST_NO_BUS;
	const char *owner = NULL;
	size_t n = 0;

	for (size_t i = 0; i < h->nr_pcidevs; i++)
		if (h->pcidevs[i].devfn == v->devfn) {
			n++;
			bus = h->pcidevs[i].bus;
			owner = h->pcidevs[i].owner;
		}
	if (n != 1 || h->devfn_unresolved[v->devfn]) {
		bus = HOST_NO_BUS;
		owner = NULL;
	}
	return add_as(h, bus, v->devfn, v->pasid, v->xlate, owner);
}

static int collect_mtree(struct vtd_source *src, struct host_pci_topo *t,
			 struct vtd_host *h)
{
	struct mtree_info mi;
	char *text = NULL, err[128];
	int *bus = NULL, rc;

	rc = monitor_hmp(src, source_monitor, "info mtree -o -D", &text);
	if (rc)
		return rc;
	rc = host_parse_mtree(text, &mi, err, sizeof(err));
	free(text);
	if (rc) {
		snprintf(h->note, sizeof(h->note), "%s", err);
		return rc == -ENOMEM ? rc : 0;
	}
	bus = calloc(mi.nr_aliases + 1, sizeof(*bus));
	rc = bus ? resolve_aliases(src, t, &mi, h, bus) : -ENOMEM;
	for (unsigned devfn = 0; devfn < 256 && !rc; devfn++)
		rc = place_devfn(h, &mi, bus, devfn);
	for (size_t i = 0; i < mi.nr_as && !rc; i++)
		if (mi.as[i].pasid != HOST_NO_PASID)
			rc = place_pasid_as(h, &mi.as[i]);
	h->mtree_ok = !rc;
	free(bus);
	host_mtree_free(&mi);
	return rc;
}

static void read_version(struct vtd_source *src, struct vtd_host *h)
{
	struct json_object *ret = NULL, *q;
	int64_t maj, min, mic;

	if (source_monitor(src, "query-version", NULL, &ret))
		return;
	if (json_object_object_get_ex(ret, "qemu", &q) &&
	    qmp_get_int(q, "major", &maj) && qmp_get_int(q, "minor", &min) &&
	    qmp_get_int(q, "micro", &mic))
		snprintf(h->qemu_version, sizeof(h->qemu_version),
			 "%" PRId64 ".%" PRId64 ".%" PRId64, maj, min, mic);
	json_object_put(ret);
}

static bool fatal(int rc)
{
	return rc < 0 && !host_rc_is_absent(rc) && rc != -EPROTO && rc != -E2BIG;
}

int vtd_host_collect_env(struct vtd_source *src, const struct host_env *env,
			 struct vtd_host **out)
{
	struct host_env def = { "/proc", "/sys", 0, NULL };
	struct host_pci_topo t;
	struct vtd_host *h;
	int rc;

	*out = NULL;
	if (!src->ops->monitor)
		return 0;	/* a dump, --no-monitor: unknown */
	if (env)
		def = *env;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->pid = def.pid;
	if (def.qemu_version && def.qemu_version[0])	/* one round trip less */
		snprintf(h->qemu_version, sizeof(h->qemu_version), "%s", def.qemu_version);
	else
		read_version(src, h);
	rc = host_read_topology(src, &t);
	if (rc == -ENOTSUP || rc == -EPERM) {	/* no monitor after all */
		free(h);
		return 0;
	}
	if (!rc)
		rc = collect_mtree(src, &t, h);
	if (!fatal(rc))
		rc = host_collect_vfio(src, &t, &def, h);
	host_topology_free(&t);
	if (fatal(rc)) {
		vtd_host_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int vtd_host_collect(struct vtd_source *src, const struct vtd_model *m,
		     struct vtd_host **out)
{
	struct host_env env = { "/proc", "/sys", src->pid, m ? m->vmm.version : NULL };

	return vtd_host_collect_env(src, &env, out);
}
