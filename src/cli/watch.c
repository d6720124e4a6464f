// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: live ncurses view (src/tui/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "replay/replay.h"
#include "trace/trace.h"
#include "tui/tui.h"

/* A dead peer must not freeze the screen for the CLI's 10 s */
#define WATCH_TIMEOUT_MS	3000
#define WATCH_IQ_COUNT		64

/* Like open_target(), without printing: the view re-opens the target after
 * the connection drops, while it owns the terminal. */
/* Quiet (the screen is up while reconnecting), with a shorter QMP timeout
 * unless --timeout was given. */
static struct vtd_source *watch_open(char *err, size_t errlen)
{
	struct qmp_open_opts qo = g.qmp_opts;

	/* the view closed the shell's connection after it dropped (a no-op
	 * on a kept source): close it for good before a new one */
	target_drop_kept();

	if (!qo.timeout_ms)
		qo.timeout_ms = WATCH_TIMEOUT_MS;
	return open_target_quiet(&qo, err, errlen);
}

/* Key S: what `snapshot -o PATH` would write, without --pages */
static int watch_save_snapshot(struct vtd_source *src, const char *path,
			       char *err, size_t errlen)
{
	return snapshot_save(src, path, false, err, errlen);
}

static int check_usage(int argc, char **argv)
{
	if (no_args("watch", argc, argv))
		return -1;
	if (g.out.json) {
		report_error("watch: no JSON output (use 'dump -j' for one picture)");
		return -1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		report_error("watch: needs a terminal (stdin and stdout must be a TTY)");
		return -1;
	}
	return 0;
}

/* A filter that matches nothing: said once, before the screen is taken;
 * true after report_error() (src closed). */
static bool watch_no_match(struct vtd_source *src)
{
	struct vtd_model m;
	bool none;

	if (!vtd_filter_has_slot(&g.walk.filter) && g.walk.filter.pasid < 0 &&
	    g.walk.filter.did < 0)
		return false;
	if (inspect_target(src, 0, &m)) {
		source_close(src);
		return true;
	}
	none = report_no_match(src, &m);
	vtd_model_free(&m);
	if (none)
		source_close(src);
	return none;
}

/* --- watch --trace=FILE: the recording replayed ---------------------------- */

/* At most this many faults and findings to jump between (the rest: by
 * stepping) */
#define REPLAY_MAX_MARKS	(1u << 20)

struct replay_ctx {
	struct trace *tr;
	int64_t *times, *marks;
	struct tui_replay r;
};

static struct vtd_source *replay_open_at(void *ctx, size_t i, char *err,
					 size_t errlen)
{
	struct replay_ctx *c = ctx;
	int64_t at;

	return cli_trace_source_at(c->tr, c->times[i], &at, err, errlen);
}

/* The samples' times and the times faults and findings appeared */
static int replay_times(struct replay_ctx *c)
{
	size_t n = trace_nr_samples(c->tr), nm = 0, cap = 0;
	struct trace_iter *it;
	struct trace_event ev;

	c->times = calloc(n ? n : 1, sizeof(*c->times));
	if (!n || !c->times)
		return n ? -ENOMEM : -ENOENT;
	for (size_t i = 0; i < n; i++)
		c->times[i] = trace_sample_ms(c->tr, i);
	it = trace_iter_new(c->tr, INT64_MIN);
	while (it && trace_iter_next(it, &ev) > 0) {
		if (ev.kind != TEV_FAULT && ev.kind != TEV_FINDING_ADD)
			continue;
		if ((nm && c->marks[nm - 1] == ev.t_ms) || nm == REPLAY_MAX_MARKS)
			continue;
		if (nm == cap) {
			int64_t *m = realloc(c->marks, (cap ? cap * 2 : 64) * sizeof(*m));

			if (!m)
				break;
			c->marks = m;
			cap = cap ? cap * 2 : 64;
		}
		c->marks[nm++] = ev.t_ms;
	}
	trace_iter_free(it);
	c->r = (struct tui_replay){ .times = c->times, .nr_times = n, .marks = c->marks,
				    .nr_marks = nm, .open_at = replay_open_at, .ctx = c };
	return 0;
}

static void replay_free(struct replay_ctx *c)
{
	free(c->times);
	free(c->marks);
	if (c->tr)
		trace_close(c->tr);
}

/* The trace opened, its times read, the source of the first sample shown;
 * NULL after report_error() */
static struct vtd_source *replay_start(struct replay_ctx *c, struct tui_conf *conf)
{
	char err[600] = "";
	struct vtd_source *src;
	int rc;

	c->tr = cli_open_trace("watch");
	if (!c->tr)
		return NULL;
	rc = replay_times(c);
	if (rc) {
		report_error("watch: %s: %s", cli_trace_path(),
			     rc == -ENOENT ? "no sample recorded" : strerror(-rc));
		return NULL;
	}
	/* --at: the sample at or before that time (the first if before it) */
	if (g.at) {
		int64_t t;

		if (cli_trace_time(c->tr, "--at", g.at, &t))
			return NULL;
		c->r.start = replay_index_at(c->times, c->r.nr_times, t);
	}
	src = replay_open_at(c, c->r.start, err, sizeof(err));
	if (!src) {
		report_error("watch: %s", err);
		return NULL;
	}
	conf->replay = &c->r;
	conf->reopen = NULL;
	return src;
}

int do_watch(int argc, char **argv)
{
	struct tui_conf conf = {
		.interval_ms = g.interval_ms > 0 ? g.interval_ms : 1000,
		.walk = g.walk,
		.iq_count = g.count > 0 ? (unsigned)g.count : WATCH_IQ_COUNT,
		.reopen = watch_open,
		.save_snapshot = watch_save_snapshot,
		.colour = g.color == COLOR_ALWAYS ? 1 : g.color == COLOR_NEVER ? 0 : -1,
	};
	char err[512] = "", target[600];
	struct replay_ctx rc = { 0 };
	struct vtd_source *src;
	int status = EXIT_FATAL;

	if (check_usage(argc, argv))
		return EXIT_FATAL;
	if (cli_trace_path()) {
		src = replay_start(&rc, &conf);
	} else {
		/* in the shell, the shell's own connection */
		src = target_kept_source();
		if (!src)
			src = watch_open(err, sizeof(err));
		if (!src)
			report_error("%s", err[0] ? err : "cannot open the target");
	}
	if (!src || watch_no_match(src))
		goto out;
	/* a dump or a snapshot does not change: one walk, no refresh */
	conf.still = !strcmp(src->ops->kind, "core") ||
		     !strcmp(src->ops->kind, "snapshot");
	snprintf(target, sizeof(target), "%s:%s", conf.replay ? "trace" : src->ops->kind,
		 conf.replay ? cli_trace_path() : src->target);
	conf.target = target;
	if (tui_run(&conf, src, err, sizeof(err)))
		report_error("watch: %s", err);
	else
		status = EXIT_OK;
out:
	replay_free(&rc);
	return status;
}
