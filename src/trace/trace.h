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

/* Limits, on writing and reading alike (docs/trace-format.md) */
#define TRACE_MAX_FILE		(1ULL << 30)	/* bytes of one file */
#define TRACE_MAX_LINE		(64u << 20)	/* bytes of one line (a keyframe) */
#define TRACE_MAX_LINES		(1u << 20)	/* lines of one file */
#define TRACE_MAX_EVENTS	4096u		/* events of one line */
#define TRACE_MAX_KEEP		100u		/* rotated files kept */

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
 * from_ms (INT64_MIN: the beginning); a gap that began before from_ms and
 * ends after it is given too (its t_end_ms is past from_ms). */
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

/* The same, +SECS against the first sample and -SECS against the last */
int trace_parse_time_in(const struct trace *tr, const char *s, int64_t *out_ms);
/* "2026-12-03T04:31:48.250Z" into buf (at least 32 bytes) */
const char *trace_format_time(int64_t t_ms, char *buf, size_t len);
/* The header's source kind ("qmp", "libvirt") and the sample interval */
const char *trace_kind(const struct trace *tr);
long trace_interval_ms(const struct trace *tr);

/* --- writing (vtdctl record) ------------------------------------------ */

/* Events as the writer collects them */
struct trace_events {
	struct trace_event *ev;
	size_t n, cap;
	unsigned long dropped;	/* past TRACE_MAX_EVENTS: counted, not kept */
};
void trace_events_free(struct trace_events *e);
/* A new event of kind at t_ms (bdf and pasid "none"); NULL past the limit
 * (counted in dropped) or when out of memory. */
struct trace_event *trace_events_add(struct trace_events *e, int64_t t_ms,
				     enum trace_event_kind kind);

/* One sample as the recorder took it: its state and the model walked. */
struct trace_sample {
	int64_t t_ms;
	const struct vtd_snapshot *snap;
	const struct vtd_model *m;
	int pid;		/* QEMU's pid from the source, 0 if not known */
};
/* The events between two samples (src/trace/events.c); 0 or -ENOMEM. */
int trace_derive_events(const struct trace_sample *a,
			const struct trace_sample *b, struct trace_events *out);
/* Whether b looks like a VM that restarted since a: QEMU's pid changed, or
 * the unit came back to its reset state (translation off, no root table)
 * from a programmed one. why gets the reason. */
bool trace_restarted(const struct trace_sample *a, const struct trace_sample *b,
		     char *why, size_t len);

struct trace_writer_opts {
	const char *path;
	uint64_t max_size;	/* rotate past this (0: TRACE_MAX_FILE) */
	unsigned keep;		/* rotated files kept: FILE.1 .. FILE.keep */
	const char *kind, *target;	/* the header's source */
	long interval_ms;
};
struct trace_writer;
/* Create (truncate) the file and write its header: 0, or -1 with err. */
int trace_writer_open(const struct trace_writer_opts *o,
		      struct trace_writer **out, char *err, size_t errlen);
/* Each writes one whole line (fsync'd data may lag; a failed write is cut
 * off the file again): 0, or -1 with err (ENOSPC, EFBIG: the file keeps
 * every line before). A keyframe holds snapshot s whole. */
int trace_write_keyframe(struct trace_writer *w, int64_t t_ms,
			 const char *reason, const struct vtd_snapshot *s,
			 const struct trace_events *ev, char *err, size_t errlen);
/*
 * What changed from a to b as a delta line: 1 written, 0 nothing changed
 * and no events (nothing written), -EAGAIN when a keyframe must be written
 * instead (a register or monitor entry disappeared, the RAM changed, or the
 * file rotated: nothing written), -1 with err.
 */
int trace_write_delta(struct trace_writer *w, int64_t t_ms,
		      const struct vtd_snapshot *a, const struct vtd_snapshot *b,
		      const struct trace_events *ev, char *err, size_t errlen);
/* The target was unreachable from t_ms to t_end_ms (why: the error) */
int trace_write_gap(struct trace_writer *w, int64_t t_ms, int64_t t_end_ms,
		    const char *why, char *err, size_t errlen);
/* The recording ended cleanly at t_ms */
int trace_write_end(struct trace_writer *w, int64_t t_ms, char *err,
		    size_t errlen);
/* Bytes written to the current file, and delta bytes since its keyframe */
uint64_t trace_writer_size(const struct trace_writer *w);
uint64_t trace_writer_delta_bytes(const struct trace_writer *w);
void trace_writer_close(struct trace_writer *w);

#endif
