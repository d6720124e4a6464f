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

/*
 * The index of findings by device and code: how many are kept, and where
 * the summary that counts the others is. Open addressing, doubling.
 */
struct agg_slot {
	uint64_t hash;		/* 0 = empty */
	int bus, devfn;
	char code[40];
	unsigned long kept;
	size_t summary;		/* index + 1 of the summary finding, 0 = none */
};

struct vtd_finding_index {
	struct agg_slot *slots;
	size_t cap, len;	/* cap a power of two */
	size_t truncated;	/* index + 1 of findings_truncated, 0 = none */
	size_t recent[4];	/* slots hit last, + 1: a walk adds the same few
				 * codes on one device in turn */
	unsigned next;
};

static uint64_t agg_hash(int bus, int devfn, const char *code)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(bus & 0xffff) << 16 ^
		     (uint64_t)(devfn & 0xffff);

	for (; *code; code++)
		h = (h ^ (unsigned char)*code) * 0x100000001b3ULL;
	return h ? h : 1;
}

static struct agg_slot *agg_probe(struct agg_slot *slots, size_t cap,
				  uint64_t h, int bus, int devfn,
				  const char *code)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct agg_slot *s = &slots[i];

		if (!s->hash || (s->hash == h && s->bus == bus &&
				 s->devfn == devfn && !strcmp(s->code, code)))
			return s;
	}
}

static int agg_grow(struct vtd_finding_index *x)
{
	size_t cap = x->cap ? 2 * x->cap : 64;
	struct agg_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return -1;
	for (size_t i = 0; i < x->cap; i++) {
		struct agg_slot *o = &x->slots[i];

		if (o->hash)
			*agg_probe(n, cap, o->hash, o->bus, o->devfn, o->code) = *o;
	}
	free(x->slots);
	x->slots = n;
	x->cap = cap;
	memset(x->recent, 0, sizeof(x->recent));
	return 0;
}

/* The slot of (bus, devfn, code), added when absent; NULL: no memory. */
static struct agg_slot *agg_slot(struct vtd_finding_index *x, int bus,
				 int devfn, const char *code)
{
	uint64_t h;
	struct agg_slot *s;

	for (unsigned i = 0; i < 4; i++) {
		s = x->recent[i] ? &x->slots[x->recent[i] - 1] : NULL;
		if (s && s->bus == bus && s->devfn == devfn && !strcmp(s->code, code))
			return s;
	}
	if (2 * (x->len + 1) > x->cap && agg_grow(x))
		return NULL;
	h = agg_hash(bus, devfn, code);
	s = agg_probe(x->slots, x->cap, h, bus, devfn, code);
	x->recent[x->next++ % 4] = s - x->slots + 1;
	if (!s->hash) {
		s->hash = h;
		s->bus = bus;
		s->devfn = devfn;
		snprintf(s->code, sizeof(s->code), "%s", code);
		x->len++;
	}
	return s;
}

static void agg_free(struct vtd_finding_index *x)
{
	if (x)
		free(x->slots);
	free(x);
}

/* The index of findings[0..nr) afresh (a caller cut the list short). */
static int agg_rebuild(struct vtd_model *m)
{
	struct vtd_finding_index *x = m->index;

	if (!x) {
		x = m->index = calloc(1, sizeof(*x));
		if (!x)
			return -1;
	}
	if (x->slots)
		memset(x->slots, 0, x->cap * sizeof(*x->slots));
	memset(x->recent, 0, sizeof(x->recent));
	x->len = 0;
	x->truncated = 0;
	for (size_t i = 0; i < m->nr_findings; i++) {
		const struct vtd_finding *f = &m->findings[i];
		struct agg_slot *s;

		if (f->more && !strcmp(f->code, "findings_truncated")) {
			x->truncated = i + 1;
			continue;
		}
		s = agg_slot(x, f->bus, f->devfn, f->code);
		if (!s)
			return -1;
		if (f->more)
			s->summary = i + 1;
		else
			s->kept++;
	}
	m->indexed = m->nr_findings;
	return 0;
}

static struct vtd_finding *push_finding(struct vtd_model *m,
					enum vtd_severity sev,
					const char *code, int bus, int devfn,
					int64_t pasid, uint64_t gpa)
{
	struct vtd_finding *f = array_push(&m->findings, &m->nr_findings,
					   &m->cap_findings, sizeof(*f));

	if (!f)
		return NULL;
	f->sev = sev;
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->bus = bus;
	f->devfn = devfn;
	f->pasid = pasid;
	f->gpa = gpa;
	m->indexed = m->nr_findings;
	return f;
}

/* One more finding that the per-device limit leaves out: counted in the
 * summary finding of its device and code. */
static struct vtd_finding *count_in_summary(struct vtd_model *m,
					    struct agg_slot *s,
					    enum vtd_severity sev)
{
	struct vtd_finding *f;

	if (!s->summary) {
		f = push_finding(m, sev, s->code, s->bus, s->devfn,
				 VTD_NO_PASID, 0);
		if (!f)
			return NULL;
		/* the count is f->more: renderers print it before this */
		snprintf(f->message, sizeof(f->message),
			 "more of this code here, not listed: the first %lu are (--all-findings lists every one)",
			 s->kept);
		s->summary = m->nr_findings;
	}
	f = &m->findings[s->summary - 1];
	if (sev > f->sev)
		f->sev = sev;
	f->more++;
	return f;
}

/* Past the limit in all: one findings_truncated finding counts the rest. */
static struct vtd_finding *count_dropped(struct vtd_model *m,
					 unsigned long max)
{
	struct vtd_finding_index *x = m->index;
	struct vtd_finding *f;

	if (!x->truncated) {
		f = push_finding(m, VTD_SEV_WARNING, "findings_truncated",
				 VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0);
		if (!f)
			return NULL;
		snprintf(f->message, sizeof(f->message),
			 "more findings dropped: %lu are kept at most (--max-findings raises it)",
			 max);
		x->truncated = m->nr_findings;
	}
	f = &m->findings[x->truncated - 1];
	f->more++;
	return f;
}

/* --all-findings streamed: counted, handed to the sink, not held. */
static struct vtd_finding *stream_finding(struct vtd_model *m,
					  struct vtd_finding *f)
{
	struct vtd_streamed *s = &m->streamed;

	if (f->bus >= 0 && f->devfn >= 0) {
		if (!s->by_device)
			s->by_device = calloc(1 << 16, sizeof(*s->by_device));
		if (!s->by_device)
			return NULL;
		s->by_device[(f->bus & 0xff) << 8 | (f->devfn & 0xff)]++;
	}
	s->sev[f->sev]++;
	m->limits.sink->emit(m->limits.sink->ctx, f);
	return f;
}

struct vtd_finding *vtd_add_finding(struct vtd_model *m, enum vtd_severity sev,
				    const char *code, int bus, int devfn,
				    int64_t pasid, uint64_t gpa,
				    const char *fmt, ...)
{
	unsigned long max = m->limits.max ? m->limits.max :
			    VTD_DEFAULT_MAX_FINDINGS;
	unsigned per = m->limits.per_code ? m->limits.per_code :
		       VTD_DEFAULT_PER_CODE;
	struct vtd_finding *f;
	struct agg_slot *s;
	va_list ap;

	if (m->limits.sink) {
		f = &m->streamed.last;
		memset(f, 0, sizeof(*f));
		f->sev = sev;
		snprintf(f->code, sizeof(f->code), "%s", code);
		f->bus = bus;
		f->devfn = devfn;
		f->pasid = pasid;
		f->gpa = gpa;
		va_start(ap, fmt);
		vsnprintf(f->message, sizeof(f->message), fmt, ap);
		va_end(ap);
		return stream_finding(m, f);
	}
	if ((!m->index || m->indexed != m->nr_findings) && agg_rebuild(m))
		return NULL;
	s = agg_slot(m->index, bus, devfn, code);
	if (!s)
		return NULL;
	if (!m->limits.all && s->kept >= per)
		return count_in_summary(m, s, sev);
	if (m->nr_findings - (m->index->truncated != 0) >= max)
		return count_dropped(m, max);
	f = push_finding(m, sev, code, bus, devfn, pasid, gpa);
	if (!f)
		return NULL;
	s->kept++;
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

const struct vtd_pasid_entry *vtd_pasid_decode(const struct vtd_pasid_rec *p,
					       struct vtd_pasid_entry *e)
{
	vtd_decode_pasid_entry(p->raw, e);
	return e;
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
	const unsigned *streamed = m->streamed.by_device;

	for (size_t i = 0; i < m->nr_devices; i++) {
		struct vtd_device *d = &m->devices[i];

		d->nr_findings = streamed ? streamed[d->bus << 8 | d->devfn] : 0;
	}
	for (size_t i = 0; i < m->nr_findings; i++) {
		const struct vtd_finding *f = &m->findings[i];
		struct vtd_device *d = vtd_model_device(m, f->bus, f->devfn);

		if (d)
			d->nr_findings++;
	}
}

void vtd_count_findings(const struct vtd_model *m, unsigned long c[3])
{
	for (int s = 0; s < 3; s++)
		c[s] = m->streamed.sev[s];
	for (size_t i = 0; i < m->nr_findings; i++)
		c[m->findings[i].sev]++;
}

unsigned vtd_worst_severity(const struct vtd_model *m, bool *any)
{
	unsigned long c[3];

	vtd_count_findings(m, c);
	*any = c[VTD_SEV_INFO] || c[VTD_SEV_WARNING] || c[VTD_SEV_ERROR];
	return c[VTD_SEV_ERROR] ? VTD_SEV_ERROR :
	       c[VTD_SEV_WARNING] ? VTD_SEV_WARNING : VTD_SEV_INFO;
}

void vtd_model_free(struct vtd_model *m)
{
	for (size_t i = 0; i < m->nr_devices; i++)
		free(m->devices[i].pasids);
	free(m->devices);
	free(m->findings);
	free(m->streamed.by_device);
	agg_free(m->index);
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
				h = fnv(h, d->pasids[p].raw[k]);
	}
	return h;
}
