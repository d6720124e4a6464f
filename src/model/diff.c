// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the one comparison of two models (diff.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/diff.h"

static int bdf_key(const struct vtd_device *d)
{
	return d->bus << 8 | d->devfn;
}

static void diff_pasids(const struct vtd_model_diff_cb *cb,
			const struct vtd_device *da, const struct vtd_device *db)
{
	size_t i = 0, j = 0;

	/* both lists are sorted by PASID */
	while (i < da->nr_pasids || j < db->nr_pasids) {
		const struct vtd_pasid_rec *a = i < da->nr_pasids ? &da->pasids[i] : NULL;
		const struct vtd_pasid_rec *b = j < db->nr_pasids ? &db->pasids[j] : NULL;

		if (b && (!a || b->pasid < a->pasid))
			a = NULL, j++;
		else if (a && (!b || a->pasid < b->pasid))
			b = NULL, i++;
		else
			i++, j++;
		cb->pasid(cb->ctx, da, db, a, b);
	}
}

static void diff_devices(const struct vtd_model *ma, const struct vtd_model *mb,
			 const struct vtd_model_diff_cb *cb)
{
	size_t i = 0, j = 0;

	/* both lists are sorted by bus and devfn */
	while (i < ma->nr_devices || j < mb->nr_devices) {
		const struct vtd_device *a = i < ma->nr_devices ? &ma->devices[i] : NULL;
		const struct vtd_device *b = j < mb->nr_devices ? &mb->devices[j] : NULL;

		if (b && (!a || bdf_key(b) < bdf_key(a)))
			a = NULL, j++;
		else if (a && (!b || bdf_key(a) < bdf_key(b)))
			b = NULL, i++;
		else
			i++, j++;
		if (cb->device)
			cb->device(cb->ctx, a, b);
		if (a && b && cb->pasid)
			diff_pasids(cb, a, b);
	}
}

bool vtd_same_finding(const struct vtd_finding *a, const struct vtd_finding *b)
{
	return a->sev == b->sev && a->bus == b->bus && a->devfn == b->devfn &&
	       a->pasid == b->pasid && a->gpa == b->gpa && a->more == b->more &&
	       !strcmp(a->code, b->code) && !strcmp(a->message, b->message);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t finding_hash(const struct vtd_finding *f)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv(h, &f->pasid, sizeof(f->pasid));
	h = fnv(h, &f->bus, sizeof(f->bus));
	h = fnv(h, &f->devfn, sizeof(f->devfn));
	h = fnv(h, f->code, strlen(f->code));
	return fnv(h, f->message, strlen(f->message));
}

/* A model's findings as an open-addressing hash set. */
struct finding_set {
	const struct vtd_finding **slot;
	size_t mask;
};

static int set_build(struct finding_set *s, const struct vtd_model *m)
{
	size_t cap = 16;

	while (cap < 2 * m->nr_findings)
		cap *= 2;
	s->slot = calloc(cap, sizeof(*s->slot));
	if (!s->slot)
		return -ENOMEM;
	s->mask = cap - 1;
	for (size_t i = 0; i < m->nr_findings; i++) {
		size_t k = finding_hash(&m->findings[i]) & s->mask;

		while (s->slot[k])
			k = (k + 1) & s->mask;
		s->slot[k] = &m->findings[i];
	}
	return 0;
}

static bool set_has(const struct finding_set *s, const struct vtd_finding *f)
{
	for (size_t k = finding_hash(f) & s->mask; s->slot[k]; k = (k + 1) & s->mask)
		if (vtd_same_finding(s->slot[k], f))
			return true;
	return false;
}

/* The findings of m that other's set lacks. */
static void findings_not_in(const struct vtd_model *m,
			    const struct finding_set *other, bool added,
			    const struct vtd_model_diff_cb *cb)
{
	for (size_t i = 0; i < m->nr_findings; i++)
		if (!set_has(other, &m->findings[i]))
			cb->finding(cb->ctx, added, &m->findings[i], i);
}

static int diff_findings(const struct vtd_model *a, const struct vtd_model *b,
			 const struct vtd_model_diff_cb *cb)
{
	struct finding_set sa, sb;

	if (set_build(&sa, a))
		return -ENOMEM;
	if (set_build(&sb, b)) {
		free(sa.slot);
		return -ENOMEM;
	}
	findings_not_in(a, &sb, false, cb);
	findings_not_in(b, &sa, true, cb);
	free(sa.slot);
	free(sb.slot);
	return 0;
}

int vtd_model_diff(const struct vtd_model *a, const struct vtd_model *b,
		   const struct vtd_model_diff_cb *cb)
{
	diff_devices(a, b, cb);
	return cb->finding ? diff_findings(a, b, cb) : 0;
}
