// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: model bookkeeping: findings, devices, freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "model/host.h"
#include "model/model.h"

const char *vtd_severity_name(enum vtd_severity s)
{
	switch (s) {
	case VTD_SEV_ERROR:   return "error";
	case VTD_SEV_WARNING: return "warning";
	default:	      return "info";
	}
}

struct vtd_finding *vtd_add_finding(struct vtd_model *m, enum vtd_severity sev,
				    const char *code, int bus, int devfn,
				    int64_t pasid, uint64_t gpa,
				    const char *fmt, ...)
{
	struct vtd_finding *f;
	va_list ap;

	f = array_push(&m->findings, &m->nr_findings, &m->cap_findings,
		       sizeof(*f));
	if (!f)
		return NULL;
	f->sev = sev;
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->bus = bus;
	f->devfn = devfn;
	f->pasid = pasid;
	f->gpa = gpa;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return f;
}

bool vtd_filter_bdf(const struct vtd_filter *f, int bus, int devfn)
{
	return f->domain <= 0 && (f->bus < 0 || f->bus == bus) &&
	       (f->slot < 0 || f->slot == devfn >> 3) &&
	       (f->func < 0 || f->func == (devfn & 7));
}

bool vtd_filter_has_slot(const struct vtd_filter *f)
{
	return f->domain >= 0 || f->bus >= 0 || f->slot >= 0 || f->func >= 0;
}

bool vtd_filter_names_function(const struct vtd_filter *f)
{
	return f->slot >= 0 && f->func >= 0;
}

struct vtd_device *vtd_add_device(struct vtd_model *m)
{
	struct vtd_device *d = array_push(&m->devices, &m->nr_devices,
					  &m->cap_devices, sizeof(*d));

	if (d)
		d->dir_shared_with = -1;
	return d;
}

struct vtd_pasid_rec *vtd_add_pasid(struct vtd_device *d)
{
	return array_push(&d->pasids, &d->nr_pasids, &d->cap_pasids,
			  sizeof(struct vtd_pasid_rec));
}

const struct vtd_pasid_rec *vtd_model_pasid(const struct vtd_device *d,
					    uint32_t pasid)
{
	size_t lo = 0, hi = d->nr_pasids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->pasids[mid].pasid < pasid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nr_pasids && d->pasids[lo].pasid == pasid ?
	       &d->pasids[lo] : NULL;
}

static int bdf_vs_device(const void *key, const void *elem)
{
	const int *a = key;
	const struct vtd_device *d = elem;
	int b = d->bus << 8 | d->devfn;

	return *a < b ? -1 : *a > b;
}

/* Devices are sorted by bus, devfn: bsearch them. */
struct vtd_device *vtd_model_device(struct vtd_model *m, int bus, int devfn)
{
	int key;

	if (!m->nr_devices || bus < 0 || devfn < 0)
		return NULL;
	key = bus << 8 | devfn;
	return bsearch(&key, m->devices, m->nr_devices, sizeof(*m->devices),
		       bdf_vs_device);
}

void vtd_recount_device_findings(struct vtd_model *m)
{
	for (size_t i = 0; i < m->nr_devices; i++)
		m->devices[i].nr_findings = 0;
	for (size_t i = 0; i < m->nr_findings; i++) {
		const struct vtd_finding *f = &m->findings[i];
		struct vtd_device *d = vtd_model_device(m, f->bus, f->devfn);

		if (d)
			d->nr_findings++;
	}
}

/* The worst severity seen; *any says whether there was a finding at all. */
unsigned vtd_worst_severity(const struct vtd_model *m, bool *any)
{
	unsigned worst = VTD_SEV_INFO;

	*any = m->nr_findings > 0;
	for (size_t i = 0; i < m->nr_findings; i++)
		if (m->findings[i].sev > worst)
			worst = m->findings[i].sev;
	return worst;
}

void vtd_model_free(struct vtd_model *m)
{
	for (size_t i = 0; i < m->nr_devices; i++)
		free(m->devices[i].pasids);
	free(m->devices);
	free(m->findings);
	vtd_host_free(m->host);
	memset(m, 0, sizeof(*m));
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ULL;
	return h;
}

uint64_t vtd_model_fingerprint(const struct vtd_model *m)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, m->rtaddr.raw);

	h = fnv(h, m->nr_devices);
	for (size_t i = 0; i < m->nr_devices; i++) {
		const struct vtd_device *d = &m->devices[i];
		const uint64_t *raw = d->scalable ? d->ctx.sm.raw : d->ctx.leg.raw;

		h = fnv(h, (uint64_t)d->bus << 8 | d->devfn);
		for (int k = 0; k < (d->scalable ? 4 : 2); k++)
			h = fnv(h, raw[k]);
		h = fnv(h, d->nr_pasids);
		for (size_t p = 0; p < d->nr_pasids; p++)
			for (int k = 0; k < 8; k++)
				h = fnv(h, d->pasids[p].e.raw[k]);
	}
	return h;
}
