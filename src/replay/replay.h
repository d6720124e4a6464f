/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: replaying a recording (src/trace/): the timeline as text and JSON
 * (`log`), the picture (`timeline`, timeline.c) and the cursor `watch
 * --trace` steps with (cursor.c). Everything here reads events and times
 * handed to it; the command layer opens the trace.
 */
#ifndef VTDCTL_REPLAY_H
#define VTDCTL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "output/output.h"
#include "trace/trace.h"

/* --- which events: -s, --pasid, --since, --until ------------------------- */

struct replay_filter {
	struct vtd_filter f;		/* -s and --pasid (the rest is not read) */
	int64_t since_ms, until_ms;	/* INT64_MIN / INT64_MAX: open */
};
#define REPLAY_FILTER_ALL ((struct replay_filter){ .f = VTD_FILTER_ALL, \
	.since_ms = INT64_MIN, .until_ms = INT64_MAX })

/* The recording's own marks (start, gap, restart, lost descriptors,
 * keyframe): they concern every device, so -s and --pasid keep them. */
bool replay_event_is_mark(const struct trace_event *ev);
/* Whether ev passes: in [since, until] (a gap: overlapping it), about a
 * device -s names (events about no device only when no -s is given),
 * about the PASID --pasid names (likewise), or a mark. */
bool replay_event_matches(const struct replay_filter *rf,
			  const struct trace_event *ev);

/* --- log: the timeline as text or JSON ----------------------------------- */

/* What the header says about the trace */
struct replay_info {
	const char *file, *target, *note;
	int64_t first_ms, last_ms;
	size_t samples;
};

struct replay_log {
	FILE *f;			/* the output (text: an escaping stream) */
	bool json, pretty;
	int verbose;			/* -v: the raw words */
	uint64_t max_output;		/* --max-output; 0: the default */
	int64_t base_ms;		/* relative times count from here */
	/* kept by the renderer */
	struct out_limits lim;		/* f, counted against max_output */
	FILE *out;
	unsigned long listed, not_listed;
	int64_t day;			/* of the last event listed (text) */
};

/* Begin the output (the header line / the JSON object's start): 0 or
 * -ENOMEM. */
int replay_log_begin(struct replay_log *lg, const struct replay_info *info);
/* One event (filtered already); past the budget it is counted, not
 * listed. */
void replay_log_event(struct replay_log *lg, const struct trace_event *ev);
/* The end: how many were listed, what the budget left out. Returns the
 * number of events not listed (0: everything). */
unsigned long replay_log_end(struct replay_log *lg);

/* "2026-12-03T04:31:48.250Z" (buf of 32) */
const char *replay_fmt_time(char *buf, size_t len, int64_t ms);
/* b - a, clamped to int64_t (times come from files) */
int64_t replay_ms_between(int64_t a, int64_t b);
/* "+12.250s", "-0.500s" */
const char *replay_fmt_rel(char *buf, size_t len, int64_t ms);
/* "not present -> present" for 'c', and so on; NULL for another char */
const char *replay_case_name(char pasid_case);

/* --- the cursor of watch --trace ------------------------------------------ */

/* Sorted times (unix ms); the index of the last at or before t (0 when t
 * is before the first); n > 0. */
size_t replay_index_at(const int64_t *times, size_t n, int64_t t);
/* The first mark strictly after t / the last strictly before t: its
 * index, or -1 when there is none. */
long replay_next_mark(const int64_t *marks, size_t n, int64_t t);
long replay_prev_mark(const int64_t *marks, size_t n, int64_t t);
/* Playing at speed x: when (ms after the play started at sample from) the
 * sample to is due; speed 0 is 1. */
int64_t replay_due_ms(int64_t from_ms, int64_t to_ms, unsigned speed);
/* The speeds the play keys step through */
unsigned replay_speed_step(unsigned speed, int dir);

#endif
