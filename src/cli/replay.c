// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl --trace=FILE log | timeline: a recording (`vtdctl record`) read
 * back. log prints its events (src/replay/log.c), timeline draws them
 * (src/replay/timeline.h); both take -s, --pasid, --since and --until.
 * Also what diff and watch need of a trace: opening it, the state at a
 * time as a source, times given by the user.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/host.h"
#include "replay/replay.h"
#include "replay/timeline.h"
#include "snapshot/snapshot.h"

/* --- the trace ----------------------------------------------------------------- */

const char *cli_trace_path(void)
{
	return cli_target_arg(&g, "trace");
}

struct trace *cli_open_trace(const char *cmd)
{
	const char *path = cli_trace_path();
	struct trace *tr = NULL;
	char err[600] = "";

	if (!path) {
		report_error("%s: reads a recording: vtdctl --trace=FILE %s (take one with 'vtdctl record -o FILE')",
			     cmd, cmd);
		return NULL;
	}
	if (cli_targets_given(&g) > 1) {
		report_error("%s: give one target: --trace=FILE alone", cmd);
		return NULL;
	}
	if (trace_open(path, &tr, err, sizeof(err))) {
		report_error("%s", err[0] ? err : "cannot read the recording");
		return NULL;
	}
	return tr;
}

/* A time the user gave: absolute, or relative to the start ("+12s") or
 * to the end ("-30s"); -1 after report_error(). */
int cli_trace_time(struct trace *tr, const char *what, const char *s, int64_t *out)
{
	if (trace_parse_time_in(tr, s, out)) {
		report_error("%s '%s': not a time (2026-12-03T04:31:48.250Z, unix seconds, +12.5s from the start, -30s from the end)",
			     what, s);
		return -1;
	}
	return 0;
}

struct vtd_source *cli_trace_source_at(struct trace *tr, int64_t t_ms,
				       int64_t *at_ms, char *err, size_t errlen)
{
	struct vtd_snapshot *s = calloc(1, sizeof(*s));
	char target[600];
	int rc;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = trace_state_at(tr, t_ms, s, at_ms, err, errlen);
	if (rc) {
		if (rc == -ENOENT)
			snprintf(err, errlen, "%s: nothing recorded before that time (the recording begins at %" PRId64 ")",
				 cli_trace_path(), trace_first_ms(tr));
		snapshot_free(s);
		free(s);
		return NULL;
	}
	{
		char t[32];

		snprintf(target, sizeof(target), "%s@%s", cli_trace_path(),
			 replay_fmt_time(t, sizeof(t), *at_ms));
	}
	return snapshot_source_from(s, "trace", target, err, errlen);
}

/* --since and --until into rf (the recording's own span when not given) */
static int trace_span(struct trace *tr, struct replay_filter *rf)
{
	*rf = REPLAY_FILTER_ALL;
	rf->f = g.walk.filter;
	if (g.since && cli_trace_time(tr, "--since", g.since, &rf->since_ms))
		return -1;
	if (g.until && cli_trace_time(tr, "--until", g.until, &rf->until_ms))
		return -1;
	if (rf->since_ms > rf->until_ms) {
		report_error("--since %s is after --until %s", g.since, g.until);
		return -1;
	}
	return 0;
}

/* --- a filter that matches nothing ---------------------------------------- */

static bool filter_given(void)
{
	return vtd_filter_has_slot(&g.walk.filter) || g.walk.filter.pasid >= 0;
}

/* What the trace holds instead, for the message: "00:03.0 00:04.0" */
struct seen {
	uint8_t bdf[65536 / 8];
	char list[400];
};

static void seen_add(struct seen *s, const struct trace_event *ev)
{
	size_t n = strlen(s->list);
	char bdf[8];
	int k;

	if (ev->bus < 0 || ev->bus > 0xff || ev->devfn < 0 || ev->devfn > 0xff)
		return;
	k = ev->bus << 8 | ev->devfn;
	if (s->bdf[k / 8] & (1 << (k % 8)))
		return;
	s->bdf[k / 8] |= (uint8_t)(1 << (k % 8));
	fmt_bdf(bdf, ev->bus, ev->devfn);
	if (n + 12 < sizeof(s->list))
		snprintf(s->list + n, sizeof(s->list) - n, "%s%s", n ? " " : "", bdf);
	else if (n + 5 < sizeof(s->list) && !strstr(s->list, "..."))
		snprintf(s->list + n, sizeof(s->list) - n, " ...");
}

/* Whether the state at t holds a device (and PASID) the filter names */
static bool state_has_match(struct trace *tr, int64_t t)
{
	char err[600] = "";
	int64_t at;
	struct vtd_model m;
	struct vtd_inspect_opts o = cli_inspect_opts(0);
	struct vtd_source *src;
	bool found;

	if (t < trace_first_ms(tr))
		t = trace_first_ms(tr);
	src = cli_trace_source_at(tr, t, &at, err, sizeof(err));
	if (!src)
		return false;
	if (vtd_inspect(src, &o, &m) < 0) {
		source_close(src);
		return false;	/* the model is freed on error */
	}
	found = !filter_matched_nothing(&m);
	vtd_model_free(&m);
	source_close(src);
	return found;
}

/* true after report_error() when -s or --pasid matches no event (marks
 * aside) in the span and no device of the state at its start */
static bool no_event_matches(struct trace *tr, const struct replay_filter *rf)
{
	struct trace_iter *it;
	struct trace_event ev;
	struct seen *seen;
	bool any = false;

	if (!filter_given())
		return false;
	it = trace_iter_new(tr, rf->since_ms);
	seen = calloc(1, sizeof(*seen));
	while (it && seen && !any && trace_iter_next(it, &ev) > 0 && ev.t_ms <= rf->until_ms) {
		any = !replay_event_is_mark(&ev) && replay_event_matches(rf, &ev);
		seen_add(seen, &ev);
	}
	trace_iter_free(it);
	if (!any && !state_has_match(tr, rf->since_ms)) {
		report_error("the filter (%s%s%s%s) matches no device of the recording and no event%s; it has events about: %s",
			     g.slot_arg ? "-s " : "", g.slot_arg ? g.slot_arg : "",
			     g.slot_arg && g.walk.filter.pasid >= 0 ? ", " : "",
			     g.walk.filter.pasid >= 0 ? "--pasid" : "",
			     g.since || g.until ? " in that span" : "",
			     seen && seen->list[0] ? seen->list : "no device");
		free(seen);
		return true;
	}
	free(seen);
	return false;
}

/* --- log ----------------------------------------------------------------------- */

static void trace_info(struct trace *tr, struct replay_info *in)
{
	in->file = cli_trace_path();
	in->target = trace_target(tr);
	in->note = trace_note(tr);
	in->first_ms = trace_first_ms(tr);
	in->last_ms = trace_last_ms(tr);
	in->samples = trace_nr_samples(tr);
}

/* Every event between --since and --until that the filters keep, to fn */
static int for_each_event(struct trace *tr, const struct replay_filter *rf,
			  void (*fn)(void *ctx, const struct trace_event *ev),
			  void *ctx)
{
	struct trace_iter *it = trace_iter_new(tr, rf->since_ms);
	struct trace_event ev;
	int rc;

	if (!it)
		return -ENOMEM;
	while ((rc = trace_iter_next(it, &ev)) > 0 && ev.t_ms <= rf->until_ms)
		if (replay_event_matches(rf, &ev))
			fn(ctx, &ev);
	trace_iter_free(it);
	return rc < 0 ? rc : 0;
}

static void log_one(void *lg, const struct trace_event *ev)
{
	replay_log_event(lg, ev);
}

static int log_events(struct trace *tr, const struct replay_filter *rf,
		      struct replay_log *lg)
{
	return for_each_event(tr, rf, log_one, lg);
}

int do_log(int argc, char **argv)
{
	struct replay_log lg = {
		.json = g.out.json, .pretty = g.out.pretty, .verbose = g.out.verbose,
		.max_output = g.out.max_output,
	};
	struct replay_filter rf;
	struct replay_info in;
	struct trace *tr;
	unsigned long not_listed;
	int rc = EXIT_FATAL, err;

	if (no_args("log", argc, argv) || !(tr = cli_open_trace("log")))
		return EXIT_FATAL;
	if (trace_span(tr, &rf) || no_event_matches(tr, &rf))
		goto out;
	trace_info(tr, &in);
	lg.f = g.out.json ? stdout : text_stdout();
	lg.base_ms = in.first_ms;
	if (replay_log_begin(&lg, &in)) {
		report_error("log: out of memory");
		goto out;
	}
	err = log_events(tr, &rf, &lg);
	not_listed = replay_log_end(&lg);
	if (err < 0) {
		report_error("log: %s: %s", in.file, strerror(-err));
		goto out;
	}
	rc = not_listed ? EXIT_FINDINGS : EXIT_OK;
out:
	trace_close(tr);
	return rc;
}

/* --- timeline -------------------------------------------------------------------- */

/* What was there at the start: the state then, walked, as the rows' first
 * state (the events only say what changed) */
static void seed_device(struct timeline *tl, const struct vtd_model *m,
			const struct vtd_device *d)
{
	unsigned as = host_has_as(m->host, d->bus, d->devfn, HOST_NO_PASID) == HOST_YES ?
		      TF_AS : 0;
	const struct host_vfio *v = host_find_vfio(m->host, d->bus, d->devfn);
	unsigned bound = v && v->binding == HOST_YES ? TF_BOUND : 0;

	timeline_seed(tl, d->bus, d->devfn, TRACE_NO_PASID, TF_PRESENT | as | bound);
	for (size_t i = 0; i < d->nr_pasids; i++) {
		const struct vtd_pasid_rec *p = &d->pasids[i];
		int64_t asp = host_as_pasid_for(d, p->pasid);

		if (g.walk.filter.pasid >= 0 && p->pasid != g.walk.filter.pasid)
			continue;
		as = host_has_as(m->host, d->bus, d->devfn, asp) == HOST_YES ? TF_AS : 0;
		timeline_seed(tl, d->bus, d->devfn, p->pasid, TF_PRESENT | as |
			      (asp == HOST_NO_PASID ? bound : 0));
	}
}

static int seed_timeline(struct trace *tr, struct timeline *tl, int64_t t0)
{
	char err[600] = "";
	int64_t at;
	struct vtd_model m;
	struct vtd_source *src = cli_trace_source_at(tr, t0, &at, err, sizeof(err));

	if (!src) {
		report_error("timeline: the state at the start: %s", err);
		return -1;
	}
	if (inspect_target(src, VTD_STAGE_HOST, &m)) {
		source_close(src);
		return -1;
	}
	for (size_t i = 0; i < m.nr_devices; i++)
		if (vtd_filter_bdf(&g.walk.filter, m.devices[i].bus, m.devices[i].devfn))
			seed_device(tl, &m, &m.devices[i]);
	vtd_model_free(&m);
	source_close(src);
	return 0;
}

static void timeline_one(void *tl, const struct trace_event *ev)
{
	if (ev->kind != TEV_START)
		timeline_add(tl, ev);
}

static int fill_timeline(struct trace *tr, const struct replay_filter *rf,
			 struct timeline *tl)
{
	int rc = for_each_event(tr, rf, timeline_one, tl);

	timeline_finish(tl);
	return rc;
}

static void report_timeline(const struct timeline *tl, const char *path)
{
	double w, h;
	char bdf[8];

	timeline_size(tl, &w, &h);
	if (g.out.json) {
		struct json_object *o = json_object_new_object(), *lanes = json_object_new_array();

		for (unsigned i = 0; i < tl->nr_lanes; i++) {
			fmt_bdf(bdf, tl->lanes[i].bus, tl->lanes[i].devfn);
			json_object_array_add(lanes, json_object_new_string(bdf));
		}
		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "width", json_object_new_double(w));
		json_object_object_add(o, "height", json_object_new_double(h));
		json_object_object_add(o, "lanes", lanes);
		json_object_object_add(o, "lanes_not_drawn",
				       json_object_new_int64((int64_t)tl->lanes_not_drawn));
		json_object_object_add(o, "events", json_object_new_int64((int64_t)tl->events));
		json_print(stdout, o, g.out.pretty);
		return;
	}
	fprintf(text_stdout(), "%s: %u device lane%s, %lu events, %.0fx%.0f%s\n", path,
		tl->nr_lanes, tl->nr_lanes == 1 ? "" : "s", tl->events, w, h,
		tl->lanes_not_drawn ? " (some devices not drawn: see the picture's header)" : "");
}

int do_timeline(int argc, char **argv)
{
	struct replay_filter rf;
	struct timeline tl = { 0 };
	struct trace *tr;
	char err[600] = "";
	int rc = EXIT_FATAL, e;

	if (no_args("timeline", argc, argv))
		return EXIT_FATAL;
	if (!g.output || !strcmp(g.output, "-")) {
		report_error("timeline: give the picture's file: -o FILE.svg (or FILE.png)");
		return EXIT_FATAL;
	}
	if (!(tr = cli_open_trace("timeline")))
		return EXIT_FATAL;
	if (trace_span(tr, &rf) || no_event_matches(tr, &rf))
		goto out;
	if (rf.since_ms == INT64_MIN)
		rf.since_ms = trace_first_ms(tr);
	if (rf.until_ms == INT64_MAX)
		rf.until_ms = trace_last_ms(tr);
	if (timeline_init(&tl, rf.since_ms, rf.until_ms, trace_target(tr),
			  trace_nr_samples(tr))) {
		report_error("timeline: out of memory");
		goto out;
	}
	if (seed_timeline(tr, &tl, rf.since_ms))
		goto out;
	e = fill_timeline(tr, &rf, &tl);
	if (e < 0) {
		report_error("timeline: %s: %s", cli_trace_path(), strerror(-e));
		goto out;
	}
	if (timeline_write(&tl, g.output, err, sizeof(err))) {
		report_error("timeline: %s", err);
		goto out;
	}
	report_timeline(&tl, g.output);
	rc = EXIT_OK;
out:
	timeline_fonts_release();
	timeline_free(&tl);
	trace_close(tr);
	return rc;
}
