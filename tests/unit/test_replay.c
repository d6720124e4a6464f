// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the replay side of recordings (src/replay/): the log's filter and
 * lines, its JSON, its output budget; the cursor watch --trace steps with;
 * the timeline's bins and its files. Events are built here by hand. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/color.h"
#include "replay/replay.h"
#include "replay/timeline.h"
#include "unit.h"

#define T0 1764736308250LL	/* 2025-12-03T04:31:48.250Z */

static struct trace_event ev(int64_t t, enum trace_event_kind k, int bus,
			     int devfn, int64_t pasid)
{
	struct trace_event e = { .t_ms = t, .t_end_ms = t, .kind = k, .bus = bus,
				 .devfn = devfn, .pasid = pasid };

	return e;
}

static struct replay_filter slot_filter(int bus, int slot, int func)
{
	struct replay_filter rf = REPLAY_FILTER_ALL;

	rf.f.bus = bus;
	rf.f.slot = slot;
	rf.f.func = func;
	return rf;
}

static void test_filter(void)
{
	struct replay_filter all = REPLAY_FILTER_ALL, s3 = slot_filter(0, 3, 0), p5 = all;
	struct trace_event a = ev(T0, TEV_PASID_ADD, 0, 0x18, 5);
	struct trace_event b = ev(T0, TEV_PASID_ADD, 1, 0x00, 5);
	struct trace_event r = ev(T0, TEV_REG, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	struct trace_event gap = ev(T0, TEV_GAP, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	struct trace_event c = ev(T0, TEV_CONTEXT_ADD, 0, 0x18, TRACE_NO_PASID);

	CHECK(replay_event_matches(&all, &a) && replay_event_matches(&all, &r));
	CHECK(replay_event_matches(&s3, &a));
	CHECK(!replay_event_matches(&s3, &b));		/* 01:00.0 */
	CHECK(!replay_event_matches(&s3, &r));		/* about no device */
	CHECK(replay_event_matches(&s3, &gap));		/* a mark: kept */
	p5.f.pasid = 5;
	CHECK(replay_event_matches(&p5, &a) && replay_event_matches(&p5, &b));
	CHECK(!replay_event_matches(&p5, &c));
	a.pasid = 6;
	CHECK(!replay_event_matches(&p5, &a));
	/* time: [since, until]; a gap counts while it lasts */
	all.since_ms = T0 + 1000;
	all.until_ms = T0 + 2000;
	CHECK(!replay_event_matches(&all, &r));
	r.t_ms = T0 + 2000;
	CHECK(replay_event_matches(&all, &r));
	r.t_ms = T0 + 2001;
	CHECK(!replay_event_matches(&all, &r));
	gap.t_end_ms = T0 + 1500;
	CHECK(replay_event_matches(&all, &gap));
	/* a bdf out of range is about no device */
	b.bus = 300;
	CHECK(!replay_event_matches(&s3, &b));
}

static void test_format(void)
{
	char buf[40];

	CHECK_STR(replay_fmt_time(buf, sizeof(buf), T0), "2025-12-03T04:31:48.250Z");
	CHECK_STR(replay_fmt_time(buf, sizeof(buf), 0), "1970-01-01T00:00:00.000Z");
	CHECK_STR(replay_fmt_rel(buf, sizeof(buf), 12250), "+12.250s");
	CHECK_STR(replay_fmt_rel(buf, sizeof(buf), -500), "-0.500s");
	CHECK_STR(replay_case_name('c'), "not present -> present");
	CHECK_STR(replay_case_name('a'), "present -> not present");
	CHECK(replay_case_name(0) == NULL && replay_case_name('d') == NULL);
}

/* Render events into a string with the log */
static char *render(const struct trace_event *evs, size_t n, bool json,
		    uint64_t max, unsigned long *not_listed)
{
	struct replay_info in = { .file = "t.trace", .target = "qmp:/tmp/x.qmp",
				  .first_ms = T0, .last_ms = T0 + 5000, .samples = 6 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct replay_log lg = { .f = f, .json = json, .max_output = max, .base_ms = T0 };

	replay_log_begin(&lg, &in);
	for (size_t i = 0; i < n; i++)
		replay_log_event(&lg, &evs[i]);
	*not_listed = replay_log_end(&lg);
	fclose(f);
	return buf;
}

static void sample_events(struct trace_event e[4])
{
	e[0] = ev(T0, TEV_START, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	snprintf(e[0].text, sizeof(e[0].text), "recording began");
	e[1] = ev(T0 + 1250, TEV_PASID_ADD, 0, 0x18, 5);
	e[1].pasid_case = 'c';
	e[1].nr_words = 2;
	e[1].new_[0] = 0x1234;
	snprintf(e[1].text, sizeof(e[1].text), "DID 1, second-stage");
	e[2] = ev(T0 + 2000, TEV_IQ_LOST, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	e[2].count = 300;
	e[3] = ev(T0 + 3000, TEV_GAP, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	e[3].t_end_ms = T0 + 4500;
}

/* The text with its wrapped lines joined again (a line break and the
 * blanks of the next line become one blank) */
static char *unwrapped(const char *s)
{
	char *u = malloc(strlen(s) + 1), *p = u;

	while (*s) {
		if (*s == '\n' && s[1] == ' ') {
			while (s[1] == ' ')
				s++;
			*p++ = ' ';
			s++;
			continue;
		}
		*p++ = *s++;
	}
	*p = 0;
	return u;
}

static void test_log_text(void)
{
	struct trace_event e[4];
	unsigned long nl;
	char *out, *line, *u;

	sample_events(e);
	out_color_set(false);
	out = render(e, 4, false, 0, &nl);
	CHECK(nl == 0);
	u = unwrapped(out);
	CHECK(strstr(u, "trace t.trace: qmp:/tmp/x.qmp, 2025-12-03T04:31:48.250Z .. "
		      "2025-12-03T04:31:53.250Z (+5.000s, 6 samples)\n") == u);
	CHECK(strstr(out, "\n2025-12-03 (UTC)\n04:31:48.250") != NULL);	/* the day, once */
	CHECK(strstr(strstr(out, "(UTC)") + 1, "(UTC)") == NULL);
	line = strstr(out, "\n04:31:49.500");
	CHECK(line != NULL);
	/* the columns: time, since, device, PASID, kind, what (from column 60) */
	if (line)
		CHECK(!strncmp(line + 1, "04:31:49.500     +1.250s  00:03.0  5        "
			       "pasid-add       case c (not present -> present): DID 1,\n"
			       "                                                            second-stage\n",
			       strlen("04:31:49.500     +1.250s  00:03.0  5        "
				      "pasid-add       case c (not present -> present): DID 1,\n"
				      "                                                            second-stage\n")));
	for (char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		CHECK(strcspn(l, "\n") <= 100);
	CHECK(strstr(u, "300 descriptors not seen (the queue wrapped between two reads)") != NULL);
	CHECK(strstr(u, "unreachable until 2025-12-03T04:31:52.750Z (+1.500s)") != NULL);
	free(u);
	free(out);
	/* colour: the kind in its colour, the rest plain */
	out_color_set(true);
	out = render(e, 2, false, 0, &nl);
	CHECK(strstr(out, out_sgr(OC_NEW)) != NULL);
	out_color_set(false);
	free(out);
}

static void test_log_json(void)
{
	struct trace_event e[4];
	struct json_object *o, *evs, *x, *v;
	unsigned long nl;
	char *out;

	sample_events(e);
	out = render(e, 4, true, 0, &nl);
	o = json_tokener_parse(out);
	CHECK(o != NULL);
	CHECK(json_object_object_get_ex(o, "events", &evs) &&
	      json_object_array_length(evs) == 4);
	x = json_object_array_get_idx(evs, 1);
	CHECK(json_object_object_get_ex(x, "kind", &v) &&
	      !strcmp(json_object_get_string(v), "pasid-add"));
	CHECK(json_object_object_get_ex(x, "bdf", &v) &&
	      !strcmp(json_object_get_string(v), "00:03.0"));
	CHECK(json_object_object_get_ex(x, "pasid", &v) && json_object_get_int(v) == 5);
	CHECK(json_object_object_get_ex(x, "case", &v) &&
	      !strcmp(json_object_get_string(v), "c"));
	CHECK(json_object_object_get_ex(x, "new", &v) && json_object_array_length(v) == 2 &&
	      !strcmp(json_object_get_string(json_object_array_get_idx(v, 0)), "0x1234"));
	CHECK(json_object_object_get_ex(x, "t_ms", &v) && json_object_get_int64(v) == T0 + 1250);
	x = json_object_array_get_idx(evs, 2);
	CHECK(json_object_object_get_ex(x, "count", &v) && json_object_get_int(v) == 300);
	CHECK(json_object_object_get_ex(x, "bdf", &v) && v == NULL);
	x = json_object_array_get_idx(evs, 3);
	CHECK(json_object_object_get_ex(x, "end_ms", &v) && json_object_get_int64(v) == T0 + 4500);
	CHECK(json_object_object_get_ex(o, "not_listed", &v) && json_object_get_int(v) == 0);
	json_object_put(o);
	free(out);
}

/* Past --max-output: counted, not listed, and said; JSON stays whole */
static void test_log_budget(void)
{
	struct trace_event *e = calloc(2000, sizeof(*e));
	struct json_object *o, *v;
	unsigned long nl;
	char *out;

	for (int i = 0; i < 2000; i++) {
		e[i] = ev(T0 + i, TEV_INV_DESC, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
		snprintf(e[i].text, sizeof(e[i].text), "iotlb global");
	}
	out = render(e, 2000, false, 4096, &nl);
	CHECK(nl > 1900 && nl < 2000);
	CHECK(strstr(out, "more events not listed (output past --max-output)") != NULL);
	CHECK(strlen(out) < 4096 + 400);
	free(out);
	out = render(e, 2000, true, 4096, &nl);
	o = json_tokener_parse(out);
	CHECK(o != NULL);
	CHECK(json_object_object_get_ex(o, "not_listed", &v) &&
	      (unsigned long)json_object_get_int64(v) == nl && nl > 0);
	json_object_put(o);
	free(out);
	free(e);
}

/* What a hostile file may put in an event: kinds and numbers out of range,
 * too many words, escapes in the text: rendered bounded, no crash */
static void test_log_hostile_event(void)
{
	struct trace_event e = ev(INT64_MIN, (enum trace_event_kind)999, -5, 1000,
				  (int64_t)1 << 40);
	struct json_object *o, *evs, *x, *v;
	struct timeline tl;
	unsigned long nl;
	char *out;

	e.nr_words = 100;
	e.count = ~0UL;
	e.pasid_case = 'z';
	memset(e.code, 'C', sizeof(e.code) - 1);
	snprintf(e.text, sizeof(e.text), "\x1b]0;title\x07 \"quoted\"");
	out = render(&e, 1, true, 0, &nl);
	o = json_tokener_parse(out);
	CHECK(o && json_object_object_get_ex(o, "events", &evs));
	x = o ? json_object_array_get_idx(evs, 0) : NULL;
	CHECK(x && json_object_object_get_ex(x, "bdf", &v) && v == NULL);
	CHECK(x && json_object_object_get_ex(x, "pasid", &v) && v == NULL);
	CHECK(x && json_object_object_get_ex(x, "case", &v) && v == NULL);
	CHECK(x && json_object_object_get_ex(x, "new", &v) && json_object_array_length(v) == 4);
	json_object_put(o);
	free(out);
	out = render(&e, 1, false, 0, &nl);
	CHECK(strstr(out, "  -        -        ") != NULL);	/* no device, no PASID */
	free(out);
	CHECK(timeline_init(&tl, INT64_MIN, INT64_MAX, "t", 1) == 0);
	CHECK(tl.t0 == 0 && tl.t1 == TL_MAX_TIME);
	timeline_add(&tl, &e);
	timeline_finish(&tl);
	CHECK(tl.nr_lanes == 0);
	{
		char path[] = "/tmp/vtdctl-unit-XXXXXX", err[256];
		int fd = mkstemp(path);

		close(fd);
		CHECK(timeline_write(&tl, path, err, sizeof(err)) == 0);	/* 2^50 ms wide */
		unlink(path);
	}
	timeline_free(&tl);
}

static void test_cursor(void)
{
	int64_t s[] = { 1000, 2000, 3000, 5000 };

	CHECK(replay_index_at(s, 4, 0) == 0);
	CHECK(replay_index_at(s, 4, 1000) == 0);
	CHECK(replay_index_at(s, 4, 2999) == 1);
	CHECK(replay_index_at(s, 4, 3000) == 2);
	CHECK(replay_index_at(s, 4, 99999) == 3);
	CHECK(replay_next_mark(s, 4, 2000) == 2);
	CHECK(replay_next_mark(s, 4, 500) == 0);
	CHECK(replay_next_mark(s, 4, 5000) == -1);
	CHECK(replay_prev_mark(s, 4, 3000) == 1);
	CHECK(replay_prev_mark(s, 4, 1000) == -1);
	CHECK(replay_prev_mark(s, 4, 9000) == 3);
	CHECK(replay_due_ms(1000, 3000, 1) == 2000);
	CHECK(replay_due_ms(1000, 3000, 10) == 200);
	CHECK(replay_due_ms(3000, 1000, 2) == 0);
	CHECK(replay_speed_step(1, 1) == 2 && replay_speed_step(2, -1) == 1);
	CHECK(replay_speed_step(1, -1) == 1 && replay_speed_step(300, 1) == 300);
	CHECK(replay_speed_step(10, 1) == 30);
}

static void test_bins(void)
{
	struct timeline tl;
	const struct tl_lane *l;
	struct trace_event e;

	CHECK(timeline_init(&tl, T0, T0 + 10000, "qmp:\x1b[31m", 11) == 0);
	CHECK(!strcmp(tl.title, "qmp:?[31m"));
	timeline_seed(&tl, 0, 0x18, TRACE_NO_PASID, TF_PRESENT);
	timeline_seed(&tl, 0, 0x18, 0, TF_PRESENT | TF_AS);
	e = ev(T0 + 5000, TEV_PASID_ADD, 0, 0x18, 5);
	timeline_add(&tl, &e);
	e = ev(T0 + 7500, TEV_PASID_REMOVE, 0, 0x18, 5);
	timeline_add(&tl, &e);
	e = ev(T0 + 2000, TEV_FAULT, 0, 0x08, TRACE_NO_PASID);	/* a new lane, before */
	timeline_add(&tl, &e);
	e = ev(T0 + 3000, TEV_INV_DESC, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	timeline_add(&tl, &e);
	e = ev(T0 + 4000, TEV_GAP, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	e.t_end_ms = T0 + 4500;
	timeline_add(&tl, &e);
	timeline_finish(&tl);
	CHECK(tl.nr_lanes == 2 && tl.lanes[0].devfn == 0x08 && tl.lanes[1].devfn == 0x18);
	l = timeline_lane(&tl, 0, 0x18);
	CHECK(l && l->nr_rows == 3);
	if (l) {
		CHECK(l->rows[0].bins[0] & TF_PRESENT && l->rows[0].bins[TL_BINS - 1] & TF_PRESENT);
		CHECK(l->rows[1].pasid == 0 && (l->rows[1].bins[100] & (TF_PRESENT | TF_AS)) ==
						       (TF_PRESENT | TF_AS));
		CHECK(l->rows[2].pasid == 5);
		CHECK(!(l->rows[2].bins[249] & TF_PRESENT) && l->rows[2].bins[250] & TF_PRESENT);
		CHECK(l->rows[2].bins[374] & TF_PRESENT && !(l->rows[2].bins[376] & TF_PRESENT));
	}
	CHECK(timeline_lane(&tl, 0, 0x08)->faults[100] == 1);
	CHECK(tl.unit.invs[150] == 1);
	CHECK(tl.nr_marks == 1 && tl.marks[0].end_ms == T0 + 4500);
	timeline_free(&tl);
}

/* More devices, PASIDs, marks than drawn: counted */
static void test_bins_bounded(void)
{
	struct timeline tl;
	struct trace_event e;

	CHECK(timeline_init(&tl, T0, T0, "x", 1) == 0);
	CHECK(tl.t1 == T0 + 1000);
	for (int i = 0; i < 40; i++) {
		e = ev(T0, TEV_CONTEXT_ADD, 0, i, TRACE_NO_PASID);
		timeline_add(&tl, &e);
		e.kind = TEV_FAULT;		/* the same devices again: counted once */
		timeline_add(&tl, &e);
	}
	for (int p = 0; p < 10; p++) {
		e = ev(T0, TEV_PASID_ADD, 0, 0, p);
		timeline_add(&tl, &e);
		e.kind = TEV_PASID_REMOVE;	/* the same PASIDs again: counted once */
		timeline_add(&tl, &e);
	}
	for (int i = 0; i < 300; i++) {
		e = ev(T0, TEV_RESTART, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
		timeline_add(&tl, &e);
	}
	e = ev(INT64_MAX, TEV_FAULT, 0, 0, TRACE_NO_PASID);	/* past the end: last bin */
	timeline_add(&tl, &e);
	e = ev(INT64_MIN, TEV_FAULT, 0, 0, TRACE_NO_PASID);
	timeline_add(&tl, &e);
	timeline_finish(&tl);
	CHECK(tl.nr_lanes == TL_MAX_LANES && tl.lanes_not_drawn == 8);
	CHECK(tl.lanes[0].nr_rows == 1 + TL_MAX_ROWS && tl.lanes[0].pasids_not_drawn == 4);
	CHECK(tl.nr_marks == TL_MAX_MARKS && tl.marks_not_drawn == 300 - TL_MAX_MARKS);
	CHECK(tl.lanes[0].faults[TL_BINS - 1] == 1 && tl.lanes[0].faults[0] == 2);
	timeline_free(&tl);
}

static bool file_starts(const char *path, const char *magic, size_t n, long *size)
{
	char buf[64] = "";
	FILE *f = fopen(path, "rb");
	bool ok;

	if (!f)
		return false;
	ok = fread(buf, 1, n, f) == n && !memcmp(buf, magic, n);
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	fclose(f);
	return ok;
}

static void test_write(void)
{
	char dir[] = "/tmp/vtdctl-unit-XXXXXX", svg[128], png[128], bad[160], err[256];
	struct timeline tl;
	struct trace_event e;
	long size;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(svg, sizeof(svg), "%s/t.svg", dir);
	snprintf(png, sizeof(png), "%s/t.png", dir);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/t.svg", dir);
	timeline_init(&tl, T0, T0 + 60000, "qmp:/tmp/x.qmp", 61);
	for (int i = 0; i < 60; i++) {
		e = ev(T0 + i * 1000, i % 2 ? TEV_PASID_ADD : TEV_PASID_REMOVE, 0, 0x18, 1);
		timeline_add(&tl, &e);
	}
	timeline_finish(&tl);
	CHECK(timeline_write(&tl, svg, err, sizeof(err)) == 0);
	CHECK(file_starts(svg, "<?xml", 5, &size) && size > 1000 && size < 4 << 20);
	CHECK(timeline_write(&tl, png, err, sizeof(err)) == 0);
	CHECK(file_starts(png, "\x89PNG", 4, &size));
	CHECK(timeline_write(&tl, bad, err, sizeof(err)) == -1 && strstr(err, bad));
	unlink(svg);
	unlink(png);
	rmdir(dir);
	timeline_free(&tl);
}

int main(void)
{
	test_filter();
	test_format();
	test_log_text();
	test_log_json();
	test_log_budget();
	test_log_hostile_event();
	test_cursor();
	test_bins();
	test_bins_bounded();
	test_write();
	timeline_fonts_release();
	return unit_summary();
}
