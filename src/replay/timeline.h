/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl timeline: a recording as a picture (cairo: SVG or PNG). Events go
 * in one by one, in time order, and land in a fixed number of time bins per
 * lane: the picture's size is bounded whatever the trace holds.
 */
#ifndef VTDCTL_REPLAY_TIMELINE_H
#define VTDCTL_REPLAY_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

#define TL_BINS		500	/* time bins across the plot (2 px each) */
#define TL_MAX_LANES	32	/* device lanes drawn; more are counted */
#define TL_MAX_ROWS	6	/* PASID rows in a lane; more are counted */
#define TL_MAX_MARKS	256	/* gaps and restarts drawn; more are counted */
#define TL_MAX_HIDDEN	64
#define TL_MAX_TIME	(1LL << 50)	/* unix ms the span is kept within */	/* PASIDs not drawn that a lane tells apart */

/* What a row shows in a bin (any time within it) */
enum {
	TF_PRESENT = 1,		/* the entry is present */
	TF_AS = 2,		/* QEMU has its address space */
	TF_BOUND = 4,		/* bound on the host */
	TF_CHANGED = 8,		/* changed in place (case b) */
};

struct tl_row {
	int64_t pasid;		/* TRACE_NO_PASID: the context entry */
	uint8_t state;		/* TF_* now */
	unsigned filled;	/* bins up to here hold their state */
	uint8_t bins[TL_BINS];
};

struct tl_lane {
	int bus, devfn;		/* TRACE_NO_BDF: the unit itself */
	struct tl_row rows[1 + TL_MAX_ROWS];	/* [0]: the context entry */
	unsigned nr_rows;
	unsigned long pasids_not_drawn;	/* distinct, counted up to TL_MAX_HIDDEN */
	int64_t hidden[TL_MAX_HIDDEN];
	uint32_t faults[TL_BINS], invs[TL_BINS], findings[TL_BINS];
	uint32_t regs[TL_BINS], lost[TL_BINS];
};

struct timeline_mark {
	int64_t t_ms, end_ms;
	int kind;		/* TEV_GAP or TEV_RESTART */
};

struct timeline {
	int64_t t0, t1;		/* the span drawn */
	char title[256];	/* the target, printable ASCII */
	size_t samples;
	struct tl_lane unit;	/* what is about no device */
	struct tl_lane *lanes;	/* by bdf */
	unsigned nr_lanes;
	unsigned long lanes_not_drawn, events;	/* devices past TL_MAX_LANES */
	uint8_t not_drawn[65536 / 8];	/* which devices those are, by bdf */
	struct timeline_mark marks[TL_MAX_MARKS];
	unsigned nr_marks;
	unsigned long marks_not_drawn;
};

/* A timeline over [t0, t1]: 0 or -ENOMEM. */
int timeline_init(struct timeline *tl, int64_t t0, int64_t t1,
		  const char *title, size_t samples);
void timeline_free(struct timeline *tl);
/* What was there before the first event: a device's context entry (pasid
 * TRACE_NO_PASID) or a PASID with TF_* flags. */
void timeline_seed(struct timeline *tl, int bus, int devfn, int64_t pasid,
		   unsigned flags);
/* One event, in time order */
void timeline_add(struct timeline *tl, const struct trace_event *ev);
/* Close the rows (call once, after the last event) */
void timeline_finish(struct timeline *tl);
/* The lane of a device, NULL when it has none */
const struct tl_lane *timeline_lane(const struct timeline *tl, int bus, int devfn);

/* Draw it into path: ".png" writes a PNG, anything else SVG; written to a
 * temporary file beside path and renamed (never a partial file). 0, or -1
 * with a message in err. */
int timeline_write(const struct timeline *tl, const char *path, char *err,
		   size_t errlen);
/* Give back what cairo and fontconfig keep for text once no picture is
 * drawn any more (their caches live until the process ends otherwise). */
void timeline_fonts_release(void);
/* The picture's size in points for this timeline */
void timeline_size(const struct timeline *tl, double *w, double *h);

#endif
