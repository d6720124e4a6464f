/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: recordings of a VM's VT-d state over time (docs/trace-format.md). */
#ifndef VTDCTL_TRACE_H
#define VTDCTL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "snapshot/snapshot.h"

/*
 * A trace is JSON Lines: a header line, then keyframes (a whole snapshot,
 * format v2, on one line) and deltas (what changed since the line before:
 * pages, registers, monitor replies) each with the events derived from the
 * change. Every line stands alone, so a torn last line (a crash, a full
 * disk) loses that line only: readers stop at the first line that does not
 * parse and say so.
 */
#define TRACE_MAGIC		"vtdctl-trace"
#define TRACE_VERSION		1

/* What happened between two samples, as `log` prints it. */
enum trace_event_kind {
	TEV_START,		/* the recording began (first keyframe) */
	TEV_GAP,		/* the target was unreachable from t to t_end */
	TEV_RESTART,		/* the VM restarted (new QEMU pid or uptime reset) */
	TEV_REG,		/* a register changed (old -> new) */
	TEV_CONTEXT_ADD, TEV_CONTEXT_CHANGE, TEV_CONTEXT_REMOVE,
	/* PASID entries; pasid_case names the seed patch's case:
	 * 'a' present -> not present, 'b' present -> present (changed),
	 * 'c' not present -> present */
	TEV_PASID_ADD, TEV_PASID_CHANGE, TEV_PASID_REMOVE,
	TEV_AS_ADD, TEV_AS_REMOVE,		/* QEMU's address spaces */
	TEV_BIND_ADD, TEV_BIND_REMOVE,		/* host bindings (iommufd, vfio) */
	TEV_INV_DESC,		/* an invalidation descriptor the queue took */
	TEV_IQ_LOST,		/* the ring wrapped between reads: count lost */
	TEV_FAULT,		/* a fault record appeared */
	TEV_FINDING_ADD, TEV_FINDING_REMOVE,
	TEV_KEYFRAME,		/* a full state (rotation, after a gap) */
	TEV_NR_KINDS
};

#define TRACE_NO_BDF	(-1)
#define TRACE_NO_PASID	(-1)

struct trace_event {
	int64_t t_ms;		/* unix time in ms */
	int64_t t_end_ms;	/* TEV_GAP: when it ended; else = t_ms */
	enum trace_event_kind kind;
	int bus, devfn;		/* TRACE_NO_BDF when not about a device */
	int64_t pasid;		/* TRACE_NO_PASID when not about a PASID */
	char pasid_case;	/* 'a' 'b' 'c', or 0 */
	uint64_t old[4], new_[4];	/* raw words (entry, register, descriptor) */
	unsigned nr_words;
	unsigned long count;	/* TEV_IQ_LOST: descriptors not seen */
	char code[40];		/* register name, finding code, descriptor type */
	char text[240];		/* one line, for humans */
};

/* The file open for reading: its header and an index of its lines. */
struct trace;

/* Open and index a trace (bounded: TRACE_MAX_FILE, TRACE_MAX_LINES); 0 or
 * -1 with a message in err. A torn or bad line ends the usable prefix:
 * trace_note() says where. */
int trace_open(const char *path, struct trace **out, char *err, size_t errlen);
void trace_close(struct trace *tr);
/* "" or what the reader left out (a torn last line, ...) */
const char *trace_note(const struct trace *tr);
/* Times covered: the first and last sample, in unix ms */
int64_t trace_first_ms(const struct trace *tr);
int64_t trace_last_ms(const struct trace *tr);
/* The header's facts: target, kind, vtdctl version */
const char *trace_target(const struct trace *tr);

/* Events in time order, one by one: 1 with *ev filled, 0 at the end, or a
 * negative errno. The iterator starts at the first event at or after
 * from_ms (INT64_MIN: the beginning). */
struct trace_iter;
struct trace_iter *trace_iter_new(struct trace *tr, int64_t from_ms);
int trace_iter_next(struct trace_iter *it, struct trace_event *ev);
void trace_iter_free(struct trace_iter *it);

/* The state at time t_ms (the last sample at or before it), as a snapshot
 * that snapshot_source-style replay can read: 0, -ENOENT before the first
 * sample, or a negative errno with a message in err. *at_ms gets the
 * sample's own time. */
int trace_state_at(struct trace *tr, int64_t t_ms, struct vtd_snapshot *out,
		   int64_t *at_ms, char *err, size_t errlen);
/* The sample times (for stepping in watch --trace) */
size_t trace_nr_samples(const struct trace *tr);
int64_t trace_sample_ms(const struct trace *tr, size_t i);

/* "2026-12-03T04:31:48.250Z", "+12.5s", "-30s", or unix seconds: a time
 * given by the user, relative ones against base_ms; 0 or -EINVAL. */
int trace_parse_time(const char *s, int64_t base_ms, int64_t *out_ms);
const char *trace_event_kind_name(enum trace_event_kind k);	/* "pasid-add" */

#endif
