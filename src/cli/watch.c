// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: live ncurses view (src/tui/). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
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
	struct vtd_source *src;

	if (check_usage(argc, argv))
		return EXIT_FATAL;
	/* in the shell, the shell's own connection */
	src = target_kept_source();
	if (!src)
		src = watch_open(err, sizeof(err));
	if (!src) {
		report_error("%s", err[0] ? err : "cannot open the target");
		return EXIT_FATAL;
	}
	if (watch_no_match(src))
		return EXIT_FATAL;
	/* a dump or a snapshot does not change: one walk, no refresh */
	conf.still = !strcmp(src->ops->kind, "core") ||
		     !strcmp(src->ops->kind, "snapshot");
	snprintf(target, sizeof(target), "%s:%s", src->ops->kind, src->target);
	conf.target = target;
	if (tui_run(&conf, src, err, sizeof(err))) {
		report_error("watch: %s", err);
		return EXIT_FATAL;
	}
	return EXIT_OK;
}
