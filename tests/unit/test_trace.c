// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: trace unit tests: the file format (docs/trace-format.md) written
 * and read back, the state at each time against the snapshots written, a
 * torn last line, rotation, hostile lines, and user times. Expected values
 * come from the snapshots built here and from the format document.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace.h"
#include "unit.h"

static char tmpdir[] = "/tmp/vtdctl-trace-XXXXXX";

/* A state: RAM 0..64 KiB, page 0x1000 with words [0]=a, [5]=b, page
 * 0x3000 when with3, IQT = iqt, one monitor reply */
static void make_state(struct vtd_snapshot *s, uint64_t a, uint64_t b,
		       bool with3, uint64_t iqt, const char *reply)
{
	uint64_t q[SNAP_PAGE_QWORDS] = { 0 };
	struct json_object *r = json_object_new_string(reply);

	memset(s, 0, sizeof(*s));
	snprintf(s->kind, sizeof(s->kind), "qmp");
	snprintf(s->target, sizeof(s->target), "/tmp/x.sock");
	snprintf(s->access, sizeof(s->access), "xp");
	snprintf(s->created, sizeof(s->created), "2026-12-03T04:31:48Z");
	s->mmio_base = 0xfed90000;
	s->ram = calloc(1, sizeof(*s->ram));
	s->ram[0].start = 0;
	s->ram[0].size = 64u << 10;
	s->nr_ram = 1;
	s->have_regs = true;
	s->regs[0x88 / 8] = iqt;
	s->reg_valid[0x88 / 8] = 1;
	s->regs[0] = 0x10;
	s->reg_valid[0] = 1;
	q[0] = a;
	q[5] = b;
	CHECK(snapshot_add_page(s, 0x1000, q) == 0);
	if (with3) {
		q[7] = 0x77;
		CHECK(snapshot_add_page(s, 0x3000, q) == 0);
	}
	CHECK(snapshot_add_monitor(s, "query-version", "null", r, 0, NULL) == 0);
	json_object_put(r);
}

static bool same_state(const struct vtd_snapshot *x, const struct vtd_snapshot *y)
{
	if (x->nr_pages != y->nr_pages || x->nr_mon != y->nr_mon ||
	    memcmp(x->reg_valid, y->reg_valid, sizeof(x->reg_valid)))
		return false;
	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++)
		if (x->reg_valid[i] && x->regs[i] != y->regs[i])
			return false;
	for (size_t i = 0; i < x->nr_pages; i++) {
		const struct snap_page *p = snapshot_find_page(y, x->pages[i].gpa);

		if (!p || !snapshot_same_page(&x->pages[i], p))
			return false;
	}
	for (size_t i = 0; i < x->nr_mon; i++) {
		const struct snap_monitor *m = snapshot_find_monitor(y, x->mon[i].cmd,
								     x->mon[i].args);
		if (!m || !snapshot_same_monitor(&x->mon[i], m))
			return false;
	}
	return true;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

#define T0 1796272308250LL

/* keyframe at T0, delta +1 s (word changed, page 0x3000 removed, IQT and
 * the reply changed, one event), nothing at +2 s, end at +3 s */
static void write_three(const char *path, struct vtd_snapshot *s)
{
	struct trace_writer_opts o = { .path = path, .kind = "qmp",
				       .target = "/tmp/x.sock", .interval_ms = 1000 };
	struct trace_writer *w;
	struct trace_events ev = { 0 };
	struct trace_event *e;
	char err[300];

	make_state(&s[0], 0x11, 0x22, true, 0x20, "7.2");
	make_state(&s[1], 0x11, 0x23, false, 0x40, "7.3");
	make_state(&s[2], 0x11, 0x23, false, 0x40, "7.3");
	CHECK(trace_writer_open(&o, &w, err, sizeof(err)) == 0);
	e = trace_events_add(&ev, T0, TEV_START);
	snprintf(e->text, sizeof(e->text), "start");
	CHECK(trace_write_keyframe(w, T0, "start", &s[0], &ev, err, sizeof(err)) == 0);
	trace_events_free(&ev);
	e = trace_events_add(&ev, T0 + 1000, TEV_PASID_CHANGE);
	e->bus = 0;
	e->devfn = 0x18;
	e->pasid = 77;
	e->pasid_case = 'b';
	e->nr_words = 4;
	e->old[0] = 0x1012085;
	e->new_[0] = 0x1013085;
	e->new_[1] = 0xffffffffffffffffULL;
	snprintf(e->code, sizeof(e->code), "x");
	snprintf(e->text, sizeof(e->text), "pasid \"77\"\tchanged");
	CHECK(trace_write_delta(w, T0 + 1000, &s[0], &s[1], &ev, err, sizeof(err)) == 1);
	trace_events_free(&ev);
	CHECK(trace_write_delta(w, T0 + 2000, &s[1], &s[2], &ev, err, sizeof(err)) == 0);
	CHECK(trace_write_end(w, T0 + 3000, err, sizeof(err)) == 0);
	trace_writer_close(w);
}

static void test_write_read(void)
{
	struct vtd_snapshot s[3], got;
	struct trace *tr;
	struct trace_iter *it;
	struct trace_event ev;
	char path[300], err[300];
	int64_t at;

	path_of(path, sizeof(path), "three.trace");
	write_three(path, s);
	CHECK(trace_open(path, &tr, err, sizeof(err)) == 0);
	CHECK_STR(trace_note(tr), "");
	CHECK_STR(trace_target(tr), "/tmp/x.sock");
	CHECK_STR(trace_kind(tr), "qmp");
	CHECK(trace_interval_ms(tr) == 1000);
	CHECK(trace_nr_samples(tr) == 2);
	CHECK(trace_sample_ms(tr, 0) == T0);
	CHECK(trace_sample_ms(tr, 1) == T0 + 1000);
	CHECK(trace_first_ms(tr) == T0);
	CHECK(trace_last_ms(tr) == T0 + 3000);
	CHECK(trace_state_at(tr, T0 - 1, &got, &at, err, sizeof(err)) == -ENOENT);
	CHECK(trace_state_at(tr, T0 + 999, &got, &at, err, sizeof(err)) == 0);
	CHECK(at == T0);
	CHECK(same_state(&s[0], &got));
	CHECK(!same_state(&s[1], &got));
	snapshot_free(&got);
	CHECK(trace_state_at(tr, T0 + 2500, &got, &at, err, sizeof(err)) == 0);
	CHECK(at == T0 + 1000);
	CHECK(same_state(&s[1], &got));
	CHECK(snapshot_find_page(&got, 0x3000) == NULL);	/* removed */
	CHECK_STR(got.created, "2026-12-03T04:31:49.250Z");
	snapshot_free(&got);

	it = trace_iter_new(tr, INT64_MIN);
	CHECK(trace_iter_next(it, &ev) == 1);
	CHECK(ev.kind == TEV_START && ev.t_ms == T0);
	CHECK(trace_iter_next(it, &ev) == 1);
	CHECK(ev.kind == TEV_PASID_CHANGE && ev.t_ms == T0 + 1000);
	CHECK(ev.bus == 0 && ev.devfn == 0x18 && ev.pasid == 77 && ev.pasid_case == 'b');
	CHECK(ev.nr_words == 4 && ev.old[0] == 0x1012085 && ev.new_[0] == 0x1013085);
	CHECK(ev.new_[1] == 0xffffffffffffffffULL);
	CHECK_STR(ev.text, "pasid \"77\"\tchanged");
	CHECK(trace_iter_next(it, &ev) == 0);
	trace_iter_free(it);
	it = trace_iter_new(tr, T0 + 1);	/* from a time: the start is before */
	CHECK(trace_iter_next(it, &ev) == 1 && ev.kind == TEV_PASID_CHANGE);
	trace_iter_free(it);
	trace_close(tr);
	for (int i = 0; i < 3; i++)
		snapshot_free(&s[i]);
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* Cut the last line at several offsets: the prefix reads, a note says so */
static void test_torn(void)
{
	struct vtd_snapshot s[3], got;
	struct trace *tr;
	char path[300], err[300];
	off_t full;
	int64_t at;

	path_of(path, sizeof(path), "torn.trace");
	write_three(path, s);
	full = size_of(path);
	/* without the end line (43 bytes here), then into the delta */
	for (off_t cut = 1; cut < 200; cut += 37) {
		CHECK(truncate(path, full - cut) == 0);
		CHECK(trace_open(path, &tr, err, sizeof(err)) == 0);
		if (!tr)
			continue;
		CHECK(strstr(trace_note(tr), "cut short") != NULL);
		CHECK(trace_state_at(tr, T0 + 5000, &got, &at, err, sizeof(err)) == 0);
		CHECK(same_state(at == T0 ? &s[0] : &s[1], &got));
		snapshot_free(&got);
		trace_close(tr);
	}
	/* zeros after the last whole line (a crash on some file systems) */
	for (int i = 0; i < 3; i++)
		snapshot_free(&s[i]);
	write_three(path, s);
	{
		FILE *f = fopen(path, "a");

		for (int i = 0; i < 100; i++)
			fputc(0, f);
		fputc('\n', f);
		fclose(f);
	}
	CHECK(trace_open(path, &tr, err, sizeof(err)) == 0);
	CHECK(tr && strstr(trace_note(tr), "not JSON") != NULL);
	trace_close(tr);
	for (int i = 0; i < 3; i++)
		snapshot_free(&s[i]);
}

static int open_text(const char *name, const char *text, char *err, size_t len)
{
	char path[300];
	struct trace *tr = NULL;
	FILE *f;
	int rc;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	rc = trace_open(path, &tr, err, len);
	trace_close(tr);
	return rc;
}

#define HDR "{\"magic\":\"vtdctl-trace\",\"version\":1,\"created\":\"x\",\"created_ms\":1,\"vtdctl_version\":\"0\",\"source\":{\"kind\":\"qmp\",\"target\":\"t\"},\"interval_ms\":1000,\"part\":0}\n"
#define SNAP "{\"magic\":\"vtdctl-snapshot\",\"version\":2,\"created\":\"2026-01-01T00:00:00Z\",\"created_unix\":1,\"vtdctl_version\":\"0\",\"source\":{\"kind\":\"qmp\",\"target\":\"t\",\"access\":\"xp\"},\"qemu\":null,\"mmio_base\":\"0xfed90000\",\"page_size\":4096,\"ram\":[{\"start\":\"0x0\",\"size\":\"0x10000\"}],\"registers\":{\"0x0\":\"0x10\"},\"monitor\":[],\"pages\":[]}"
#define KEY "{\"t\":1000,\"type\":\"keyframe\",\"reason\":\"start\",\"events\":[],\"snapshot\":" SNAP "}\n"

static void test_hostile(void)
{
	char err[400];

	CHECK(open_text("ok.trace", HDR KEY, err, sizeof(err)) == 0);
	CHECK(open_text("empty.trace", "", err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a vtdctl trace") != NULL);
	CHECK(open_text("magic.trace", "{\"magic\":\"vtdctl-snapshot\"}\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a vtdctl trace") != NULL || !fprintf(stderr, "%s\n", err));
	CHECK(open_text("ver.trace", "{\"magic\":\"vtdctl-trace\",\"version\":2}\n" KEY,
			err, sizeof(err)) == -1);
	CHECK(strstr(err, "version 2") != NULL);
	CHECK(open_text("nokey.trace", HDR "{\"t\":1000,\"type\":\"delta\"}\n", err,
			sizeof(err)) == -1);
	CHECK(strstr(err, "line 2: a delta before any keyframe") != NULL);
	CHECK(open_text("outside.trace", HDR KEY
			"{\"t\":2000,\"type\":\"delta\",\"pages\":[{\"gpa\":\"0x100000\",\"nz\":\"AQ==\",\"data\":\"AQAAAAAAAAA=\"}]}\n",
			err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 3") && strstr(err, "not in the snapshot's RAM"));
	CHECK(open_text("removed.trace", HDR KEY
			"{\"t\":2000,\"type\":\"delta\",\"removed\":[\"0xfffffffffffff000\"]}\n",
			err, sizeof(err)) == -1);
	CHECK(strstr(err, "not in the keyframe's RAM") != NULL);
	CHECK(open_text("back.trace", HDR KEY "{\"t\":999,\"type\":\"end\"}\n", err,
			sizeof(err)) == -1);
	CHECK(strstr(err, "before the line above") != NULL);
	CHECK(open_text("kind.trace", HDR KEY
			"{\"t\":2000,\"type\":\"delta\",\"events\":[{\"kind\":\"boom\"}]}\n",
			err, sizeof(err)) == -1);
	CHECK(strstr(err, "events[0]") != NULL);
	CHECK(open_text("bus.trace", HDR KEY
			"{\"t\":2000,\"type\":\"delta\",\"events\":[{\"kind\":\"fault\",\"bus\":256,\"devfn\":0}]}\n",
			err, sizeof(err)) == -1);
	CHECK(open_text("type.trace", HDR KEY "{\"t\":2000,\"type\":\"what\"}\n", err,
			sizeof(err)) == -1);
	CHECK(open_text("nosample.trace", HDR, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no sample") != NULL);
}

/* A line longer than TRACE_MAX_LINE is refused, not read into memory */
static void test_long_line(void)
{
	char path[300], err[300];
	struct trace *tr = NULL;
	FILE *f;

	path_of(path, sizeof(path), "long.trace");
	f = fopen(path, "w");
	fputs(HDR KEY, f);
	for (unsigned i = 0; i <= TRACE_MAX_LINE / 4096; i++)
		fprintf(f, "%4096s", " ");
	fputc('\n', f);
	fclose(f);
	CHECK(trace_open(path, &tr, err, sizeof(err)) == -1);
	CHECK(strstr(err, "longer than 64 MiB") != NULL);
	unlink(path);
}

static void test_rotation(void)
{
	struct trace_writer_opts o = { .kind = "qmp", .target = "t",
				       .max_size = 65536, .keep = 2 };
	struct vtd_snapshot a, b;
	struct trace_writer *w;
	struct trace *tr;
	char path[300], old[320], err[300];
	int rotations = 0;

	path_of(path, sizeof(path), "rot.trace");
	o.path = path;
	make_state(&a, 1, 2, false, 0x20, "a");
	CHECK(trace_writer_open(&o, &w, err, sizeof(err)) == 0);
	CHECK(trace_write_keyframe(w, T0, "start", &a, NULL, err, sizeof(err)) == 0);
	for (int i = 1; i < 1500; i++) {
		int rc;

		make_state(&b, (uint64_t)i * 3 + 1, (uint64_t)i, true, 0x20, "a");
		rc = trace_write_delta(w, T0 + i, &a, &b, NULL, err, sizeof(err));
		if (rc == -EAGAIN) {
			rotations++;
			CHECK(trace_write_keyframe(w, T0 + i, "rotation", &b, NULL, err,
						   sizeof(err)) == 0);
		}
		CHECK(size_of(path) <= 65536);
		snapshot_free(&a);
		a = b;
	}
	trace_writer_close(w);
	snapshot_free(&a);
	CHECK(rotations >= 2);
	snprintf(old, sizeof(old), "%s.2", path);
	CHECK(size_of(old) > 0);
	snprintf(old, sizeof(old), "%s.3", path);
	CHECK(size_of(old) < 0);	/* --keep=2 */
	CHECK(trace_open(path, &tr, err, sizeof(err)) == 0);
	trace_close(tr);
	snprintf(old, sizeof(old), "%s.1", path);
	CHECK(trace_open(old, &tr, err, sizeof(err)) == 0);
	trace_close(tr);
}

static void test_times(void)
{
	int64_t t;
	char buf[40];

	CHECK(trace_parse_time("2026-12-03T04:31:48.250Z", 0, &t) == 0 && t == T0);
	CHECK(trace_parse_time("2026-12-03T04:31:48.25", 0, &t) == 0 && t == T0);
	CHECK(trace_parse_time("2026-12-03T04:31:48Z", 0, &t) == 0 && t == T0 - 250);
	CHECK(trace_parse_time("2000-01-01T00:00:00Z", 0, &t) == 0 && t == 946684800000LL);
	CHECK(trace_parse_time("946684800", 0, &t) == 0 && t == 946684800000LL);
	CHECK(trace_parse_time("946684800.5", 0, &t) == 0 && t == 946684800500LL);
	CHECK(trace_parse_time("+12.5", 1000, &t) == 0 && t == 13500);
	CHECK(trace_parse_time("+12.5s", 1000, &t) == 0 && t == 13500);
	CHECK(trace_parse_time("+250ms", 1000, &t) == 0 && t == 1250);
	CHECK(trace_parse_time("-2m", 200000, &t) == 0 && t == 80000);
	CHECK(trace_parse_time("+1h", 0, &t) == 0 && t == 3600000);
	CHECK(trace_parse_time("", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("+", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("+-3", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("12x", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("12s", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("2026-13-03T04:31:48Z", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("2026-12-03T04:31:48.Z", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("2026-12-03T04:31:48+01:00", 0, &t) == -EINVAL);
	CHECK(trace_parse_time("+1e300", 0, &t) == -EINVAL);
	CHECK_STR(trace_format_time(T0, buf, sizeof(buf)), "2026-12-03T04:31:48.250Z");
	CHECK_STR(trace_format_time(946684800000LL, buf, sizeof(buf)), "2000-01-01T00:00:00.000Z");
	CHECK_STR(trace_event_kind_name(TEV_PASID_ADD), "pasid-add");
	CHECK_STR(trace_event_kind_name(TEV_IQ_LOST), "iq-lost");
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_times();
	test_write_read();
	test_torn();
	test_hostile();
	test_long_line();
	test_rotation();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return unit_summary();
}
