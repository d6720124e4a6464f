// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl record -o FILE: a live target's VT-d state over time
 * (docs/trace-format.md). A first keyframe, then one sample every -i MS: a
 * delta line when something changed, with the events derived from the two
 * samples; a keyframe every --keyframe SECS, after rotation and after a gap.
 * The target going away (the VM stopped, the socket closed) is a gap: the
 * recorder reconnects every interval and marks a restart when QEMU's pid
 * changed or the unit came back in its reset state. SIGINT, SIGTERM,
 * --duration end it with an "end" line. vtdctl reads only: nothing here
 * changes the VM. With --all, one child per libvirt domain records into
 * DIR/NAME.trace (-o DIR).
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "libvirt/lv.h"
#include "snapshot/snapshot.h"
#include "trace/trace.h"

_Static_assert(TRACE_MAX_FILE_BYTES == TRACE_MAX_FILE,
	       "cli.h's copy of the trace file limit");

#define DEFAULT_INTERVAL_MS	1000
#define DEFAULT_KEYFRAME_MS	(600 * 1000)
#define DEFAULT_KEEP		3
/* A whole sample (the walk, the host side, the queues) at least every this
 * many intervals; between them a sample that finds every register and
 * every guest page of the previous one unchanged stops there */
#define FULL_EVERY		5

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One state taken: what the next sample is compared with */
struct taken {
	int64_t t_ms;
	struct vtd_snapshot *snap;
	struct vtd_model m;
	int pid;	/* the source's QEMU pid */
};

static void taken_free(struct taken *t)
{
	if (!t->snap)
		return;
	snapshot_free(t->snap);
	free(t->snap);
	vtd_model_free(&t->m);
	memset(t, 0, sizeof(*t));
}

struct recording {
	const char *path;
	struct trace_writer *w;
	struct vtd_source *src;
	struct taken prev;
	int64_t keyframe_every, last_keyframe_mono;
	uint64_t keyframe_bytes;	/* the last keyframe's size */
	bool in_gap, after_gap;
	unsigned since_full;		/* samples since the last whole one */
	int64_t gap_start;
	char gap_why[600];
	/* what the summary says */
	unsigned long samples, keyframes, deltas, gaps, restarts, events;
};

static int write_keyframe(struct recording *r, const struct taken *now,
			  const char *reason, struct trace_events *ev,
			  char *err, size_t errlen)
{
	uint64_t before = trace_writer_size(r->w);
	struct trace_event *e;

	e = trace_events_add(ev, now->t_ms, strcmp(reason, "start") ? TEV_KEYFRAME : TEV_START);
	if (e)
		snprintf(e->text, sizeof(e->text), "%s %.200s", strcmp(reason, "start") ?
			 "keyframe:" : "recording started:", strcmp(reason, "start") ?
			 reason : now->snap->target);
	if (trace_write_keyframe(r->w, now->t_ms, reason, now->snap, ev, err, errlen))
		return -1;
	r->keyframe_bytes = trace_writer_size(r->w) > before ?
			    trace_writer_size(r->w) - before : trace_writer_size(r->w);
	r->last_keyframe_mono = mono_ms();
	r->keyframes++;
	r->events += ev->n;
	return 0;
}

/* A keyframe is due: periodically, or when the deltas since the last one
 * outweigh it (replaying them would cost more than reading one) */
static bool keyframe_due(const struct recording *r)
{
	return mono_ms() - r->last_keyframe_mono >= r->keyframe_every ||
	       trace_writer_delta_bytes(r->w) > r->keyframe_bytes;
}

static int write_sample(struct recording *r, struct taken *now, char *err,
			size_t errlen)
{
	struct trace_events ev = { 0 };
	struct trace_sample a = { r->prev.t_ms, r->prev.snap, &r->prev.m, r->prev.pid };
	struct trace_sample b = { now->t_ms, now->snap, &now->m, now->pid };
	const char *reason = NULL;
	char why[200];
	int rc = 0;

	if (r->prev.snap) {
		if (trace_restarted(&a, &b, why, sizeof(why))) {
			struct trace_event *e = trace_events_add(&ev, now->t_ms, TEV_RESTART);

			if (e)
				snprintf(e->text, sizeof(e->text), "the VM restarted: %s", why);
			r->restarts++;
			reason = "restart";
		}
		/* after a restart the state is another VM's: the keyframe says it */
		if (strcmp(reason ? reason : "", "restart") &&
		    trace_derive_events(&a, &b, &ev)) {
			trace_events_free(&ev);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (!r->prev.snap)
		reason = r->samples ? "gap" : "start";
	else if (!reason && r->after_gap)
		reason = "gap";
	else if (!reason && keyframe_due(r))
		reason = "periodic";
	if (!reason) {
		uint64_t before = trace_writer_size(r->w);

		rc = trace_write_delta(r->w, now->t_ms, r->prev.snap, now->snap, &ev,
				       err, errlen);
		if (rc == 1) {
			r->deltas++;
			r->events += ev.n;
		}
		if (rc == -EAGAIN)
			reason = trace_writer_size(r->w) < before ? "rotation" : "changed";
		rc = rc < 0 && rc != -EAGAIN ? -1 : 0;
	}
	if (reason && !rc)
		rc = write_keyframe(r, now, reason, &ev, err, errlen);
	trace_events_free(&ev);
	r->samples++;
	return rc;
}

static void start_gap(struct recording *r, int64_t t, const char *why)
{
	if (r->src)
		source_close(r->src);
	r->src = NULL;
	if (r->in_gap)
		return;
	r->in_gap = true;
	r->gap_start = t;
	snprintf(r->gap_why, sizeof(r->gap_why), "%s", why);
}

static int end_gap(struct recording *r, int64_t t, char *err, size_t errlen)
{
	if (!r->in_gap)
		return 0;
	r->in_gap = false;
	r->after_gap = true;
	r->gaps++;
	/* what came after the gap is compared with what was before it */
	return trace_write_gap(r->w, r->gap_start, t, r->gap_why, err, errlen);
}

/*
 * Whether the guest's side is as the previous sample saw it: every register
 * qword it read (one block read) and every guest page it read. The walk is a
 * function of those, so the same registers and pages give the same tables,
 * queue and faults. False on any difference or error (a whole sample says
 * what).
 */
static bool guest_unchanged(struct vtd_source *src, const struct vtd_snapshot *s)
{
	static uint64_t regs[SNAP_REG_QWORDS];
	static uint8_t buf[SNAP_PAGE_SIZE], want[SNAP_PAGE_SIZE];
	unsigned last = 0;

	if (!s->have_regs)
		return false;
	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++)
		if (s->reg_valid[i])
			last = i + 1;
	if (!last || source_read_regs(src, 0, last, regs))
		return false;
	for (unsigned i = 0; i < last; i++)
		if (s->reg_valid[i] && regs[i] != s->regs[i])
			return false;
	for (size_t i = 0; i < s->nr_pages; i++) {
		const struct snap_page *p = &s->pages[i];

		if (snapshot_read(s, p->gpa, want, sizeof(want), NULL) ||
		    source_read(src, p->gpa, buf, sizeof(buf)) ||
		    memcmp(buf, want, sizeof(buf)))
			return false;
	}
	return true;
}

/* One tick: take a sample (reconnecting after a gap); -1 on a write error */
static int tick(struct recording *r, char *err, size_t errlen)
{
	struct taken now = { .t_ms = wall_ms() };
	char why[600];
	int rc;

	if (!r->src)
		r->src = open_target_quiet(NULL, why, sizeof(why));
	if (!r->src) {
		start_gap(r, now.t_ms, why);
		return 0;
	}
	if (r->prev.snap && !r->in_gap && ++r->since_full < FULL_EVERY &&
	    guest_unchanged(r->src, r->prev.snap)) {
		r->samples++;
		return 0;
	}
	r->since_full = 0;
	rc = snapshot_take(r->src, &now.snap, &now.m, why, sizeof(why));
	if (rc && stop_signal)
		return 0;	/* the signal cut the sample short: not a gap */
	if (rc) {
		start_gap(r, now.t_ms, why);
		return 0;
	}
	now.pid = r->src->pid;
	rc = end_gap(r, now.t_ms, err, errlen);
	if (!rc)
		rc = write_sample(r, &now, err, errlen);
	r->after_gap = false;
	taken_free(&r->prev);
	r->prev = now;
	return rc;
}

/* Sleep until the monotonic time t, or a signal */
static void sleep_until(int64_t t)
{
	struct timespec ts = { (time_t)(t / 1000), (long)(t % 1000) * 1000000 };

	while (!stop_signal &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: sleeps end at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGXFSZ, SIG_IGN);	/* past RLIMIT_FSIZE write() fails instead */
	signal(SIGPIPE, SIG_IGN);
}

static void print_summary(const struct recording *r, int64_t t0, int64_t t1)
{
	if (g.out.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(r->path));
		json_object_object_add(o, "bytes", json_object_new_int64(
			(int64_t)trace_writer_size(r->w)));
		json_object_object_add(o, "seconds", json_object_new_double((double)(t1 - t0) / 1000));
		json_object_object_add(o, "samples", json_object_new_int64((int64_t)r->samples));
		json_object_object_add(o, "keyframes", json_object_new_int64((int64_t)r->keyframes));
		json_object_object_add(o, "deltas", json_object_new_int64((int64_t)r->deltas));
		json_object_object_add(o, "gaps", json_object_new_int64((int64_t)r->gaps));
		json_object_object_add(o, "restarts", json_object_new_int64((int64_t)r->restarts));
		json_object_object_add(o, "events", json_object_new_int64((int64_t)r->events));
		json_print(stdout, o, g.out.pretty);
		return;
	}
	printf("%s: %llu bytes, %.1f s: %lu samples (%lu keyframes, %lu deltas), %lu events, %lu gaps, %lu restarts\n",
	       r->path, (unsigned long long)trace_writer_size(r->w), (double)(t1 - t0) / 1000,
	       r->samples, r->keyframes, r->deltas, r->events, r->gaps, r->restarts);
}

static int record_loop(struct recording *r)
{
	int64_t interval = g.interval_ms > 0 ? g.interval_ms : DEFAULT_INTERVAL_MS;
	int64_t start = mono_ms(), t0 = wall_ms(), next = start;
	char err[700];
	int rc = EXIT_OK;

	while (!stop_signal) {
		if (tick(r, err, sizeof(err))) {
			report_error("record: %s", err);
			rc = EXIT_FATAL;
			break;
		}
		next += interval;
		if (mono_ms() > next)	/* a slow sample: skip the ticks it took */
			next = mono_ms() + interval - (mono_ms() - start) % interval;
		if (g.duration_ms && next - start > g.duration_ms)
			break;
		sleep_until(next);
	}
	if (r->in_gap && trace_write_gap(r->w, r->gap_start, wall_ms(), r->gap_why,
					 err, sizeof(err)) == 0)
		r->gaps++;
	if (rc == EXIT_OK && trace_write_end(r->w, wall_ms(), err, sizeof(err))) {
		report_error("record: %s", err);
		rc = EXIT_FATAL;
	}
	print_summary(r, t0, wall_ms());
	return rc;
}

static bool filtered(const struct vtd_filter *f)
{
	return vtd_filter_has_slot(f) || f->pasid >= 0 || f->did >= 0;
}

static int record_one(const char *path)
{
	struct recording r = { .path = path };
	struct trace_writer_opts wo = {
		.path = path, .max_size = g.max_size,
		.keep = g.keep >= 0 ? (unsigned)g.keep : DEFAULT_KEEP,
		.interval_ms = g.interval_ms > 0 ? g.interval_ms : DEFAULT_INTERVAL_MS,
	};
	char err[700];
	int rc;

	r.keyframe_every = g.keyframe_ms ? g.keyframe_ms : DEFAULT_KEYFRAME_MS;
	r.src = open_target();
	if (!r.src)
		return EXIT_FATAL;
	wo.kind = r.src->ops->kind;
	wo.target = r.src->target;
	if (trace_writer_open(&wo, &r.w, err, sizeof(err))) {
		report_error("record: %s", err);
		source_close(r.src);
		return EXIT_FATAL;
	}
	rc = record_loop(&r);
	taken_free(&r.prev);
	if (r.src)
		source_close(r.src);
	trace_writer_close(r.w);
	return rc;
}

/* --all: one child per running domain with an Intel IOMMU, each recording
 * into DIR/NAME.trace; a stop signal is passed on to them */
static int record_all(const char *dir)
{
	struct lv_dom_info *d = NULL;
	virConnectPtr conn;
	pid_t *pids;
	size_t n = 0;
	char err[512];
	int rc = EXIT_OK, st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		report_error("record: %s: %s", dir, strerror(errno));
		return EXIT_FATAL;
	}
	conn = lv_connect(lv_default_uri(g.virt_opts.uri), true, err, sizeof(err));
	if (!conn || lv_iommu_domains(conn, true, &d, &n, err, sizeof(err))) {
		report_error("record --all: %s", err);
		if (conn)
			LV(virConnectClose)(conn);
		return EXIT_FATAL;
	}
	LV(virConnectClose)(conn);
	pids = calloc(n ? n : 1, sizeof(*pids));
	for (size_t i = 0; pids && i < n; i++) {
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] == 0) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s.trace", dir, d[i].name);
			g.all = false;
			g.target[cli_target_index("vm")] = d[i].name;
			_exit(strchr(d[i].name, '/') ? EXIT_FATAL : record_one(path));
		}
	}
	for (size_t i = 0; pids && i < n; i++) {
		while (pids[i] > 0 && waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			if (stop_signal)
				kill(pids[i], SIGTERM);
		if (pids[i] <= 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = EXIT_FATAL;
	}
	if (!n)
		printf("no running domain with an Intel IOMMU\n");
	free(pids);
	free(d);
	return pids || !n ? rc : EXIT_FATAL;
}

int do_record(int argc, char **argv)
{
	if (no_args("record", argc, argv))
		return EXIT_FATAL;
	if (!g.output || !strcmp(g.output, "-")) {
		report_error("record: give -o FILE (with --all: -o DIR)");
		return EXIT_FATAL;
	}
	if (filtered(&g.walk.filter)) {
		report_error("record: a recording holds every device; give -s, --pasid and --did when reading it back");
		return EXIT_FATAL;
	}
	if (cli_target_arg(&g, "trace") || cli_target_arg(&g, "snapshot") ||
	    cli_target_arg(&g, "core")) {
		report_error("record: give a live target (--qmp, --vm or --all)");
		return EXIT_FATAL;
	}
	install_signals();
	/* every sample allocates and frees the same large blocks (monitor
	 * replies, the model): keep them in the heap instead of mapping fresh,
	 * zeroed pages from the kernel each time */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	return g.all ? record_all(g.output) : record_one(g.output);
}
