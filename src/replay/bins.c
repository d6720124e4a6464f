// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl timeline: events into time bins. One lane per device (by bdf, at
 * most TL_MAX_LANES), a row for its context entry and one per PASID (at
 * most TL_MAX_ROWS), each bin holding what was true at any time within it;
 * faults, invalidations, findings counted per bin. The unit's own lane takes
 * what is about no device (registers, global invalidations, lost
 * descriptors). Gaps and restarts are kept as marks across the lanes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay/timeline.h"

static void row_init(struct tl_row *r, int64_t pasid)
{
	memset(r, 0, sizeof(*r));
	r->pasid = pasid;
}

static void lane_init(struct tl_lane *l, int bus, int devfn)
{
	memset(l, 0, sizeof(*l));
	l->bus = bus;
	l->devfn = devfn;
	row_init(&l->rows[0], TRACE_NO_PASID);
	l->nr_rows = 1;
}

int timeline_init(struct timeline *tl, int64_t t0, int64_t t1,
		  const char *title, size_t samples)
{
	size_t n = 0;

	memset(tl, 0, sizeof(*tl));
	/* times come from a file: kept where their differences fit */
	t0 = t0 < 0 ? 0 : t0 > TL_MAX_TIME ? TL_MAX_TIME : t0;
	t1 = t1 < t0 ? t0 : t1 > TL_MAX_TIME ? TL_MAX_TIME : t1;
	tl->t0 = t0;
	tl->t1 = t1 > t0 ? t1 : t0 + 1000;	/* one sample: a second wide */
	tl->samples = samples;
	/* printable ASCII only: the title comes from the file */
	for (const char *s = title ? title : ""; *s && n + 1 < sizeof(tl->title); s++)
		tl->title[n++] = isprint((unsigned char)*s) ? *s : '?';
	tl->title[n] = 0;
	lane_init(&tl->unit, TRACE_NO_BDF, TRACE_NO_BDF);
	tl->lanes = calloc(TL_MAX_LANES, sizeof(*tl->lanes));
	return tl->lanes ? 0 : -ENOMEM;
}

void timeline_free(struct timeline *tl)
{
	free(tl->lanes);
	tl->lanes = NULL;
}

static unsigned bin_of(const struct timeline *tl, int64_t t)
{
	__int128 span = (__int128)tl->t1 - tl->t0, off = (__int128)t - tl->t0;

	if (off <= 0)
		return 0;
	if (off >= span)
		return TL_BINS - 1;
	return (unsigned)(off * TL_BINS / span);
}

const struct tl_lane *timeline_lane(const struct timeline *tl, int bus, int devfn)
{
	for (unsigned i = 0; i < tl->nr_lanes; i++)
		if (tl->lanes[i].bus == bus && tl->lanes[i].devfn == devfn)
			return &tl->lanes[i];
	return NULL;
}

/* The device's lane, made in bdf order; NULL past TL_MAX_LANES (counted) */
static struct tl_lane *lane_of(struct timeline *tl, int bus, int devfn)
{
	unsigned i = 0;
	int key;

	if (bus < 0 || bus > 0xff || devfn < 0 || devfn > 0xff)
		return &tl->unit;
	key = bus << 8 | devfn;
	while (i < tl->nr_lanes && (tl->lanes[i].bus << 8 | tl->lanes[i].devfn) < key)
		i++;
	if (i < tl->nr_lanes && tl->lanes[i].bus == bus && tl->lanes[i].devfn == devfn)
		return &tl->lanes[i];
	if (tl->nr_lanes == TL_MAX_LANES) {
		/* counted once per device */
		if (!(tl->not_drawn[key / 8] & (1 << (key % 8)))) {
			tl->not_drawn[key / 8] |= (uint8_t)(1 << (key % 8));
			tl->lanes_not_drawn++;
		}
		return NULL;
	}
	memmove(&tl->lanes[i + 1], &tl->lanes[i], (tl->nr_lanes - i) * sizeof(*tl->lanes));
	lane_init(&tl->lanes[i], bus, devfn);
	tl->nr_lanes++;
	return &tl->lanes[i];
}

/* A PASID past the rows: counted once (the first TL_MAX_HIDDEN told apart) */
static void hide_pasid(struct tl_lane *l, int64_t pasid)
{
	unsigned n = l->pasids_not_drawn < TL_MAX_HIDDEN ? (unsigned)l->pasids_not_drawn :
			 TL_MAX_HIDDEN;

	for (unsigned i = 0; i < n; i++)
		if (l->hidden[i] == pasid)
			return;
	if (n < TL_MAX_HIDDEN)
		l->hidden[n] = pasid;
	l->pasids_not_drawn++;
}

/* The PASID's row (made on first sight), or the context row; NULL past
 * TL_MAX_ROWS (counted) */
static struct tl_row *row_of(struct tl_lane *l, int64_t pasid)
{
	if (pasid < 0)
		return &l->rows[0];
	for (unsigned i = 1; i < l->nr_rows; i++)
		if (l->rows[i].pasid == pasid)
			return &l->rows[i];
	if (l->nr_rows == 1 + TL_MAX_ROWS) {
		hide_pasid(l, pasid);
		return NULL;
	}
	row_init(&l->rows[l->nr_rows], pasid);
	return &l->rows[l->nr_rows++];
}

/* Bins before b take the row's state as it was until now */
static void row_advance(struct tl_row *r, unsigned b)
{
	for (; r->filled < b && r->filled < TL_BINS; r->filled++)
		r->bins[r->filled] |= r->state;
}

/* The row's state becomes (state & ~clear) | set at bin b */
static void row_set(struct tl_row *r, unsigned b, unsigned clear, unsigned set)
{
	if (!r)
		return;
	row_advance(r, b);
	r->bins[b] |= r->state | (set & TF_CHANGED);
	r->state = (uint8_t)((r->state & ~clear) | (set & ~TF_CHANGED));
	r->bins[b] |= r->state;
}

void timeline_seed(struct timeline *tl, int bus, int devfn, int64_t pasid,
		   unsigned flags)
{
	struct tl_lane *l = lane_of(tl, bus, devfn);
	struct tl_row *r = l ? row_of(l, pasid) : NULL;

	if (r)
		r->state |= flags & (TF_PRESENT | TF_AS | TF_BOUND);
}

/* A removed context entry takes its PASIDs with it */
static void context_gone(struct tl_lane *l, unsigned b)
{
	for (unsigned i = 0; i < l->nr_rows; i++)
		row_set(&l->rows[i], b, TF_PRESENT, 0);
}

static void add_mark(struct timeline *tl, const struct trace_event *ev)
{
	struct timeline_mark *m;

	if (tl->nr_marks == TL_MAX_MARKS) {
		tl->marks_not_drawn++;
		return;
	}
	m = &tl->marks[tl->nr_marks++];
	m->t_ms = ev->t_ms;
	m->end_ms = ev->kind == TEV_GAP && ev->t_end_ms > ev->t_ms ? ev->t_end_ms : ev->t_ms;
	m->kind = ev->kind;
}

static void count(uint32_t *bins, unsigned b, unsigned long n)
{
	bins[b] = bins[b] + n < bins[b] ? UINT32_MAX : bins[b] + (uint32_t)n;
}

/* The rows' part of an event about a device */
static void add_to_rows(struct tl_lane *l, unsigned b, const struct trace_event *ev)
{
	int64_t p = ev->pasid >= 0 && ev->pasid < (1 << 20) ? ev->pasid : TRACE_NO_PASID;

	switch (ev->kind) {
	case TEV_CONTEXT_ADD: row_set(&l->rows[0], b, 0, TF_PRESENT); break;
	case TEV_CONTEXT_CHANGE: row_set(&l->rows[0], b, 0, TF_PRESENT | TF_CHANGED); break;
	case TEV_CONTEXT_REMOVE: context_gone(l, b); break;
	case TEV_PASID_ADD: row_set(row_of(l, p), b, 0, TF_PRESENT); break;
	case TEV_PASID_CHANGE: row_set(row_of(l, p), b, 0, TF_PRESENT | TF_CHANGED); break;
	case TEV_PASID_REMOVE: row_set(row_of(l, p), b, TF_PRESENT, 0); break;
	case TEV_AS_ADD: row_set(row_of(l, p), b, 0, TF_AS); break;
	case TEV_AS_REMOVE: row_set(row_of(l, p), b, TF_AS, 0); break;
	case TEV_BIND_ADD: row_set(row_of(l, p), b, 0, TF_BOUND); break;
	case TEV_BIND_REMOVE: row_set(row_of(l, p), b, TF_BOUND, 0); break;
	default: break;
	}
}

void timeline_add(struct timeline *tl, const struct trace_event *ev)
{
	unsigned b = bin_of(tl, ev->t_ms);
	struct tl_lane *l;

	tl->events++;
	if (ev->kind == TEV_GAP || ev->kind == TEV_RESTART) {
		add_mark(tl, ev);
		return;
	}
	l = lane_of(tl, ev->bus, ev->devfn);
	if (!l)
		return;
	switch (ev->kind) {
	case TEV_FAULT: count(l->faults, b, 1); break;
	case TEV_INV_DESC: count(l->invs, b, 1); break;
	case TEV_IQ_LOST: count(l->lost, b, ev->count ? ev->count : 1); break;
	case TEV_FINDING_ADD: count(l->findings, b, 1); break;
	case TEV_REG: count(l->regs, b, 1); break;
	default: add_to_rows(l, b, ev); break;
	}
}

static void lane_finish(struct tl_lane *l)
{
	for (unsigned i = 0; i < l->nr_rows; i++)
		row_advance(&l->rows[i], TL_BINS);
}

void timeline_finish(struct timeline *tl)
{
	lane_finish(&tl->unit);
	for (unsigned i = 0; i < tl->nr_lanes; i++)
		lane_finish(&tl->lanes[i]);
}
