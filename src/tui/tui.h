/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the live ncurses view (`vtdctl watch`). */
#ifndef VTDCTL_TUI_H
#define VTDCTL_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/source.h"
#include "model/model.h"

/*
 * How the view is started. The caller (src/cli/watch.c) has checked that
 * stdin and stdout are a terminal and opened the target once; tui_run() owns
 * the source from then on: it closes it when the connection drops and gets
 * a new one from reopen() (with backoff) until the user quits.
 */
/*
 * watch --trace: a recording replayed. The view shows one sample at a time
 * (the state recorded then, as a source); keys step through the samples,
 * jump to the next or previous mark (a fault or a finding appeared) and
 * play at the recorded pace or faster.
 */
struct tui_replay {
	const int64_t *times;		/* the samples' times (unix ms), sorted */
	size_t nr_times;		/* at least 1 */
	size_t start;			/* the sample shown first */
	const int64_t *marks;		/* faults and findings (unix ms), sorted */
	size_t nr_marks;
	/* The source of sample i, or NULL with err filled; must not print. */
	struct vtd_source *(*open_at)(void *ctx, size_t i, char *err,
				      size_t errlen);
	void *ctx;
};

struct tui_conf {
	const char *target;		/* for the header: "qmp:/run/vm.qmp" */
	long interval_ms;		/* refresh period; 0 = 1000 */
	bool still;			/* a dump or snapshot: walk once, never refresh */
	struct vtd_walk_opts walk;	/* the CLI's filters and --rtaddr */
	unsigned iq_count;		/* descriptors of the queue to decode */
	int colour;			/* --color: 1 always, 0 never, -1 auto (NO_COLOR) */
	/* A new source for the same target, or NULL with err filled. Must not
	 * print: the terminal belongs to the view. */
	struct vtd_source *(*reopen)(char *err, size_t errlen);
	/* Key S: record a snapshot of src (left open) into path; 0, or -1
	 * with err filled. Must not print. NULL: no such key. */
	int (*save_snapshot)(struct vtd_source *src, const char *path,
			     char *err, size_t errlen);
	/* NULL: a live target; else the recording replayed (src is the
	 * source of its sample replay->start) */
	const struct tui_replay *replay;
};

/*
 * Run the view until 'q', SIGINT, SIGTERM or SIGHUP; the terminal is
 * restored on every way out. 0, or -1 with err filled when the terminal
 * could not be set up (nothing was drawn then).
 */
int tui_run(const struct tui_conf *conf, struct vtd_source *src, char *err,
	    size_t errlen);

#endif
