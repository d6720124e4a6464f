// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the model's host facts: lookups, and freeing them. */
#include <stdlib.h>

#include "model/host.h"
#include "model/model.h"

const char *host_xlate_name(enum host_xlate x)
{
	return x == HOST_XLATE_DMAR ? "dmar" : x == HOST_XLATE_NODMAR ? "nodmar" : NULL;
}

void vtd_host_free(struct vtd_host *h)
{
	if (!h)
		return;
	free(h->as);
	free(h->pcidevs);
	free(h->vfio);
	free(h->iommufd_objs);
	free(h);
}

/* ---- lookups ------------------------------------------------------------ */

const struct host_as *host_find_as(const struct vtd_host *h, int bus,
				   int devfn, int64_t pasid)
{
	for (size_t i = 0; h && i < h->nr_as; i++)
		if (h->as[i].bus == bus && h->as[i].devfn == devfn &&
		    h->as[i].pasid == pasid)
			return &h->as[i];
	return NULL;
}

enum host_tri host_has_as(const struct vtd_host *h, int bus, int devfn,
			  int64_t pasid)
{
	if (!h || !h->mtree_ok || devfn < 0 || devfn > 255)
		return HOST_UNKNOWN;
	if (host_find_as(h, bus, devfn, pasid))
		return HOST_YES;
	if (host_find_as(h, HOST_NO_BUS, devfn, pasid))
		return HOST_UNKNOWN;
	if (pasid == HOST_NO_PASID && h->devfn_unresolved[devfn])
		return HOST_UNKNOWN;
	return HOST_NO;
}

enum host_tri host_has_pcidev(const struct vtd_host *h, int bus, int devfn)
{
	if (!h || !h->mtree_ok || devfn < 0 || devfn > 255)
		return HOST_UNKNOWN;
	for (size_t i = 0; i < h->nr_pcidevs; i++)
		if (h->pcidevs[i].bus == bus && h->pcidevs[i].devfn == devfn)
			return HOST_YES;
	return h->devfn_unresolved[devfn] ? HOST_UNKNOWN : HOST_NO;
}

const struct host_vfio *host_find_vfio(const struct vtd_host *h, int bus,
				       int devfn)
{
	for (size_t i = 0; h && i < h->nr_vfio; i++)
		if (h->vfio[i].bus == bus && h->vfio[i].devfn == devfn)
			return &h->vfio[i];
	return NULL;
}

int64_t host_as_pasid_for(const struct vtd_device *d, uint32_t pasid)
{
	if (!d->scalable || pasid == d->ctx.sm.rid_pasid)
		return HOST_NO_PASID;
	return pasid;
}
