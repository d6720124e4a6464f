// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: reading a trace (docs/trace-format.md). trace_open() reads the
 * file once, line by line, validates every line as untrusted input and
 * keeps an index (offset, time, type); later calls read the lines they
 * need again. A line cut short (no end of line) or not JSON at all ends the
 * usable prefix with a note; a line that is JSON but wrong is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "trace/trace.h"
#include "trace/trace_int.h"

enum line_type { L_KEYFRAME, L_DELTA, L_GAP, L_END };

struct tline {
	uint64_t off;
	uint32_t len;
	uint8_t type;
	int64_t t, t_end;
	size_t keyframe;	/* samples: the keyframe line they build on */
};

struct trace {
	char *path;
	int fd;
	char kind[32], target[512], version[32];
	long interval_ms;
	struct tline *lines;
	size_t nr_lines, cap_lines;
	size_t *samples;	/* lines that are keyframes or deltas */
	size_t nr_samples, cap_samples;
	char note[600];
};

static int trace_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int trace_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- reading lines ----------------------------------------------------- */

/* Line at off: its bytes (NUL-terminated, without the end of line) */
static char *read_line_at(const struct trace *tr, uint64_t off, uint32_t len)
{
	char *buf = malloc((size_t)len + 1);
	size_t done = 0;

	if (!buf)
		return NULL;
	while (done < len) {
		ssize_t n = pread(tr->fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return NULL;
		}
		done += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

/* Where the next line ends: its length in *len and 1, 0 at the end of the
 * file, 2 for a last line without an end of line, -E2BIG past the limit */
static int next_line(int fd, uint64_t off, uint64_t size, uint32_t *len)
{
	char buf[65536];
	uint64_t pos = off;

	while (pos < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)pos);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		nl = memchr(buf, '\n', (size_t)n);
		if (nl) {
			pos += (uint64_t)(nl - buf);
			if (pos - off > TRACE_MAX_LINE)
				return -E2BIG;
			*len = (uint32_t)(pos - off);
			return 1;
		}
		pos += (uint64_t)n;
		if (pos - off > TRACE_MAX_LINE)
			return -E2BIG;
	}
	*len = (uint32_t)(pos - off);
	return pos > off ? 2 : 0;
}

static struct json_object *parse_json(const char *buf, size_t len)
{
	struct json_object *o = NULL;
	char err[200];

	if (snapshot_parse_tree(buf, len, &o, err, sizeof(err)))
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* --- the header -------------------------------------------------------- */

static bool get_string(struct json_object *o, const char *k, char *buf,
		       size_t len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) >= len ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(v));
	return true;
}

static bool get_int(struct json_object *o, const char *k, int64_t lo,
		    int64_t hi, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return !errno && *out >= lo && *out <= hi;
}

static int read_header(struct trace *tr, struct json_object *o, char *err,
		       size_t errlen)
{
	struct json_object *src;
	char magic[32];
	int64_t v;

	if (!get_string(o, "magic", magic, sizeof(magic)) || strcmp(magic, TRACE_MAGIC))
		return trace_errf(err, errlen, "%s: not a vtdctl trace (no \"magic\": \"%s\" on its first line)",
			    tr->path, TRACE_MAGIC);
	if (!get_int(o, "version", 0, INT32_MAX, &v) || v != TRACE_VERSION)
		return trace_errf(err, errlen, "%s: trace format version %s; this vtdctl reads version %d",
			    tr->path, json_object_get_string(json_object_object_get(o, "version")),
			    TRACE_VERSION);
	if (!json_object_object_get_ex(o, "source", &src) ||
	    !json_object_is_type(src, json_type_object) ||
	    !get_string(src, "kind", tr->kind, sizeof(tr->kind)) ||
	    !get_string(src, "target", tr->target, sizeof(tr->target)))
		return trace_errf(err, errlen, "%s: header: \"source\" needs \"kind\" and \"target\" strings",
			    tr->path);
	if (!get_string(o, "vtdctl_version", tr->version, sizeof(tr->version)))
		return trace_errf(err, errlen, "%s: header: \"vtdctl_version\" missing", tr->path);
	if (!get_int(o, "interval_ms", 0, INT32_MAX, &v))
		return trace_errf(err, errlen, "%s: header: \"interval_ms\" missing or not 0..2^31", tr->path);
	tr->interval_ms = (long)v;
	return 0;
}

/* --- validating each line ---------------------------------------------- */

struct check {
	struct ram_range *ram;		/* the last keyframe's */
	size_t nr_ram;
	bool keyframe_seen;
	int64_t last_t;
};

static int check_removed(struct json_object *o, const struct check *c,
			 char *err, size_t errlen)
{
	struct json_object *a;
	uint64_t gpa;

	if (!json_object_object_get_ex(o, "removed", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > SNAP_MAX_PAGES)
		return trace_errf(err, errlen, "removed: not an array of page addresses");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		bool in = false;

		if (trace_parse_hex(json_object_array_get_idx(a, i), &gpa) ||
		    (gpa & (SNAP_PAGE_SIZE - 1)))
			return trace_errf(err, errlen, "removed[%zu]: not a 4 KiB aligned \"0x...\" address", i);
		for (size_t k = 0; k < c->nr_ram && !in; k++)
			in = gpa >= c->ram[k].start && gpa - c->ram[k].start < c->ram[k].size;
		if (!in)
			return trace_errf(err, errlen, "removed[%zu]: 0x%" PRIx64 " is not in the keyframe's RAM",
				    i, gpa);
	}
	return 0;
}

/* A delta's parts read into a scratch snapshot with the keyframe's RAM */
static int check_delta(struct json_object *o, const struct check *c,
		       char *err, size_t errlen)
{
	struct vtd_snapshot d;
	int rc;

	memset(&d, 0, sizeof(d));
	if (!c->keyframe_seen)
		return trace_errf(err, errlen, "a delta before any keyframe");
	if (check_removed(o, c, err, errlen))
		return -1;
	d.ram = malloc((c->nr_ram ? c->nr_ram : 1) * sizeof(*d.ram));
	if (!d.ram)
		return trace_errf(err, errlen, "out of memory");
	memcpy(d.ram, c->ram, c->nr_ram * sizeof(*d.ram));
	d.nr_ram = c->nr_ram;
	rc = snapshot_parts_from_json(o, &d, err, errlen);
	snapshot_free(&d);
	return rc ? -1 : 0;
}

static int check_keyframe(struct json_object *o, struct check *c, char *err,
			  size_t errlen)
{
	struct json_object *snap;
	struct vtd_snapshot s;
	char msg[400];

	if (!json_object_object_get_ex(o, "snapshot", &snap))
		return trace_errf(err, errlen, "keyframe without \"snapshot\"");
	if (snapshot_from_json(snap, &s, msg, sizeof(msg)))
		return trace_errf(err, errlen, "snapshot: %s", msg);
	free(c->ram);
	c->ram = s.ram;
	c->nr_ram = s.nr_ram;
	s.ram = NULL;
	s.nr_ram = 0;
	snapshot_free(&s);
	c->keyframe_seen = true;
	return 0;
}

static int line_type(struct json_object *o, int *type)
{
	static const char *const names[] = { "keyframe", "delta", "gap", "end" };
	char t[16];

	if (!get_string(o, "type", t, sizeof(t)))
		return -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(t, names[i])) {
			*type = i;
			return 0;
		}
	return -1;
}

static int check_line(struct trace *tr, struct json_object *o, struct check *c,
		      struct tline *l, char *err, size_t errlen)
{
	struct trace_events ev;
	int type;

	if (!get_int(o, "t", 0, INT64_MAX / 2, &l->t))
		return trace_errf(err, errlen, "\"t\": missing or not a time in ms");
	if (l->t < c->last_t)
		return trace_errf(err, errlen, "\"t\": %" PRId64 " is before the line above (%" PRId64 ")",
			    l->t, c->last_t);
	if (line_type(o, &type))
		return trace_errf(err, errlen, "\"type\": not keyframe, delta, gap or end");
	l->type = (uint8_t)type;
	l->t_end = l->t;
	if (type == L_GAP && !get_int(o, "t_end", l->t, INT64_MAX / 2, &l->t_end))
		return trace_errf(err, errlen, "gap: \"t_end\" missing or before \"t\"");
	if (type == L_KEYFRAME && check_keyframe(o, c, err, errlen))
		return -1;
	if (type == L_DELTA && check_delta(o, c, err, errlen))
		return -1;
	if (trace_events_from_json(o, l->t, &ev, err, errlen))
		return -1;
	trace_events_free(&ev);
	c->last_t = l->t_end;
	(void)tr;
	return 0;
}

static int add_line(struct trace *tr, const struct tline *l)
{
	if (array_grow(&tr->lines, &tr->cap_lines, tr->nr_lines + 1, sizeof(*l)))
		return -ENOMEM;
	tr->lines[tr->nr_lines] = *l;
	if (l->type == L_KEYFRAME || l->type == L_DELTA) {
		if (array_grow(&tr->samples, &tr->cap_samples, tr->nr_samples + 1,
			       sizeof(*tr->samples)))
			return -ENOMEM;
		tr->samples[tr->nr_samples++] = tr->nr_lines;
	}
	tr->nr_lines++;
	return 0;
}

/* One line after the header: 1 indexed, 0 the prefix ends here (a note
 * says why), -1 error */
static int index_line(struct trace *tr, struct check *c, uint64_t off,
		      uint32_t len, int kind, size_t lineno, char *err,
		      size_t errlen)
{
	struct tline l = { .off = off, .len = len };
	struct json_object *o;
	char *buf, msg[500];

	if (kind == 2) {
		snprintf(tr->note, sizeof(tr->note),
			 "line %zu (byte %" PRIu64 ") is cut short (%u bytes, no end of line): left out, the %zu lines before it are read",
			 lineno, off, len, lineno - 1);
		return 0;
	}
	buf = read_line_at(tr, off, len);
	if (!buf)
		return trace_errf(err, errlen, "%s: line %zu: cannot read it", tr->path, lineno);
	o = parse_json(buf, len);
	free(buf);
	if (!o) {
		snprintf(tr->note, sizeof(tr->note),
			 "line %zu (byte %" PRIu64 ") is not JSON (torn or overwritten): it and what follows are left out, the %zu lines before it are read",
			 lineno, off, lineno - 1);
		return 0;
	}
	if (check_line(tr, o, c, &l, msg, sizeof(msg))) {
		json_object_put(o);
		return trace_errf(err, errlen, "%s: line %zu: %s", tr->path, lineno, msg);
	}
	json_object_put(o);
	l.keyframe = l.type == L_KEYFRAME ? tr->nr_lines :
		     tr->nr_lines ? tr->lines[tr->nr_lines - 1].keyframe : 0;
	if (add_line(tr, &l))
		return trace_errf(err, errlen, "%s: out of memory", tr->path);
	return 1;
}

static int index_file(struct trace *tr, uint64_t size, char *err, size_t errlen)
{
	struct check c = { 0 };
	uint64_t off = 0;
	size_t lineno = 0;
	uint32_t len;
	int rc = 1;

	while (rc == 1) {
		int kind = next_line(tr->fd, off, size, &len);

		lineno++;
		if (kind == 0 && lineno == 1) {
			rc = trace_errf(err, errlen, "%s: not a vtdctl trace (the file is empty)",
					tr->path);
			break;
		}
		if (kind == 0)
			break;
		if (kind == -E2BIG) {
			rc = trace_errf(err, errlen, "%s: line %zu is longer than %u MiB",
				  tr->path, lineno, TRACE_MAX_LINE >> 20);
			break;
		}
		if (kind < 0) {
			rc = trace_errf(err, errlen, "%s: %s", tr->path, strerror(-kind));
			break;
		}
		if (lineno > TRACE_MAX_LINES) {
			rc = trace_errf(err, errlen, "%s: more than %u lines", tr->path, TRACE_MAX_LINES);
			break;
		}
		if (lineno == 1) {
			char *buf = kind == 1 ? read_line_at(tr, off, len) : NULL;
			struct json_object *o = buf ? parse_json(buf, len) : NULL;

			free(buf);
			rc = o ? read_header(tr, o, err, errlen) : trace_errf(err, errlen,
				"%s: not a vtdctl trace (its first line is not a whole JSON header)",
				tr->path);
			json_object_put(o);
			rc = rc ? -1 : 1;
		} else {
			rc = index_line(tr, &c, off, len, kind, lineno, err, errlen);
		}
		off += (uint64_t)len + 1;
	}
	free(c.ram);
	if (rc < 0)
		return -1;
	if (!tr->nr_samples)
		return trace_errf(err, errlen, "%s: no sample (keyframe) in the trace%s%s", tr->path,
			    tr->note[0] ? ": " : "", tr->note);
	return 0;
}

int trace_open(const char *path, struct trace **out, char *err, size_t errlen)
{
	struct trace *tr = calloc(1, sizeof(*tr));
	struct stat st;

	if (!tr || !(tr->path = strdup(path))) {
		free(tr);
		return trace_errf(err, errlen, "%s: out of memory", path);
	}
	tr->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (tr->fd < 0) {
		trace_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(tr->fd, &st) || !S_ISREG(st.st_mode)) {
		trace_errf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > TRACE_MAX_FILE) {
		trace_errf(err, errlen, "%s: %lld bytes, over the %llu MiB a trace may hold",
		     path, (long long)st.st_size, TRACE_MAX_FILE >> 20);
		goto fail;
	}
	if (index_file(tr, (uint64_t)st.st_size, err, errlen))
		goto fail;
	*out = tr;
	return 0;
fail:
	trace_close(tr);
	return -1;
}

void trace_close(struct trace *tr)
{
	if (!tr)
		return;
	if (tr->fd >= 0)
		close(tr->fd);
	free(tr->lines);
	free(tr->samples);
	free(tr->path);
	free(tr);
}

const char *trace_note(const struct trace *tr)
{
	return tr->note;
}

int64_t trace_first_ms(const struct trace *tr)
{
	return tr->lines[tr->samples[0]].t;
}

int64_t trace_last_ms(const struct trace *tr)
{
	return tr->nr_lines ? tr->lines[tr->nr_lines - 1].t_end : 0;
}

const char *trace_target(const struct trace *tr)
{
	return tr->target;
}

const char *trace_kind(const struct trace *tr)
{
	return tr->kind;
}

long trace_interval_ms(const struct trace *tr)
{
	return tr->interval_ms;
}

size_t trace_nr_samples(const struct trace *tr)
{
	return tr->nr_samples;
}

int64_t trace_sample_ms(const struct trace *tr, size_t i)
{
	return i < tr->nr_samples ? tr->lines[tr->samples[i]].t : INT64_MIN;
}

int trace_parse_time_in(const struct trace *tr, const char *s, int64_t *out_ms)
{
	return trace_parse_time(s, s && *s == '-' ? trace_last_ms(tr) :
				trace_first_ms(tr), out_ms);
}

/* --- the state at a time ----------------------------------------------- */

static struct json_object *load_line(const struct trace *tr, size_t i)
{
	char *buf = read_line_at(tr, tr->lines[i].off, tr->lines[i].len);
	struct json_object *o = buf ? parse_json(buf, tr->lines[i].len) : NULL;

	free(buf);
	return o;
}

static int expand_page(const struct snap_page *p, uint64_t *q)
{
	for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++)
		q[i] = snapshot_page_qword(p, i);
	return 0;
}

/* Registers, monitor replies, removed and changed pages of a delta */
static int apply_delta(struct vtd_snapshot *s, struct json_object *o,
		       char *err, size_t errlen)
{
	static uint64_t q[SNAP_PAGE_QWORDS];
	struct vtd_snapshot d;
	struct json_object *a;
	uint64_t gpa;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	d.ram = malloc((s->nr_ram ? s->nr_ram : 1) * sizeof(*d.ram));
	if (!d.ram)
		return trace_errf(err, errlen, "out of memory");
	memcpy(d.ram, s->ram, s->nr_ram * sizeof(*d.ram));
	d.nr_ram = s->nr_ram;
	if (snapshot_parts_from_json(o, &d, err, errlen)) {
		snapshot_free(&d);
		return -1;
	}
	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++)
		if (d.reg_valid[i]) {
			s->regs[i] = d.regs[i];
			s->reg_valid[i] = 1;
		}
	for (size_t i = 0; !rc && i < d.nr_mon; i++)
		rc = snapshot_put_monitor(s, d.mon[i].cmd, d.mon[i].args, d.mon[i].ret,
					  d.mon[i].err, d.mon[i].message);
	if (json_object_object_get_ex(o, "removed", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			if (!trace_parse_hex(json_object_array_get_idx(a, i), &gpa))
				snapshot_remove_page(s, gpa);
	for (size_t i = 0; !rc && i < d.nr_pages; i++) {
		expand_page(&d.pages[i], q);
		rc = snapshot_put_page(s, d.pages[i].gpa, q);
	}
	snapshot_free(&d);
	return rc ? trace_errf(err, errlen, "%s", strerror(-rc)) : 0;
}

/* The last sample at or before t_ms, or -1 */
static long sample_at(const struct trace *tr, int64_t t_ms)
{
	size_t lo = 0, hi = tr->nr_samples;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tr->lines[tr->samples[mid]].t <= t_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

int trace_state_at(struct trace *tr, int64_t t_ms, struct vtd_snapshot *out,
		   int64_t *at_ms, char *err, size_t errlen)
{
	long k = sample_at(tr, t_ms);
	size_t line, kf;
	struct json_object *o, *snap;
	int rc;

	memset(out, 0, sizeof(*out));
	if (k < 0) {
		trace_errf(err, errlen, "%s: no sample at or before that time (the first is %" PRId64 ")",
		     tr->path, trace_first_ms(tr));
		return -ENOENT;
	}
	line = tr->samples[k];
	kf = tr->lines[line].keyframe;
	o = load_line(tr, kf);
	if (!o || !json_object_object_get_ex(o, "snapshot", &snap) ||
	    snapshot_from_json(snap, out, err, errlen)) {
		json_object_put(o);
		if (!o)
			trace_errf(err, errlen, "%s: the keyframe at line %zu changed since it was read",
			     tr->path, kf + 2);
		return -EIO;
	}
	json_object_put(o);
	for (size_t i = kf + 1; i <= line; i++) {
		if (tr->lines[i].type != L_DELTA)
			continue;
		o = load_line(tr, i);
		rc = o ? apply_delta(out, o, err, errlen) :
			 trace_errf(err, errlen, "%s: line %zu changed since it was read", tr->path, i + 2);
		json_object_put(o);
		if (rc) {
			snapshot_free(out);
			return -EIO;
		}
	}
	*at_ms = tr->lines[line].t;
	out->created_unix = *at_ms / 1000;
	trace_format_time(*at_ms, out->created, sizeof(out->created));
	return 0;
}

/* --- events in time order ---------------------------------------------- */

struct trace_iter {
	struct trace *tr;
	size_t line;		/* the next line to read */
	int64_t from_ms;
	struct trace_events ev;	/* the current line's */
	size_t pos;
};

struct trace_iter *trace_iter_new(struct trace *tr, int64_t from_ms)
{
	struct trace_iter *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->tr = tr;
	it->from_ms = from_ms;
	while (it->line < tr->nr_lines && tr->lines[it->line].t_end < from_ms)
		it->line++;
	return it;
}

/* The events of the next line into it->ev: 1, 0 at the end, -errno */
static int load_events(struct trace_iter *it)
{
	const struct tline *l = &it->tr->lines[it->line];
	struct json_object *o;
	struct trace_event *ev;
	char err[300];
	int rc;

	trace_events_free(&it->ev);
	it->pos = 0;
	o = load_line(it->tr, it->line);
	if (!o)
		return -EIO;
	rc = trace_events_from_json(o, l->t, &it->ev, err, sizeof(err));
	if (!rc && l->type == L_GAP && (ev = trace_events_add(&it->ev, l->t, TEV_GAP))) {
		struct json_object *why;

		ev->t_end_ms = l->t_end;
		json_object_object_get_ex(o, "error", &why);
		snprintf(ev->text, sizeof(ev->text), "the target was unreachable for %.1f s: %s",
			 (double)(l->t_end - l->t) / 1000,
			 why && json_object_is_type(why, json_type_string) ?
			 json_object_get_string(why) : "");
	}
	json_object_put(o);
	it->line++;
	return rc ? rc : 1;
}

int trace_iter_next(struct trace_iter *it, struct trace_event *ev)
{
	for (;;) {
		int rc;

		while (it->pos < it->ev.n) {
			*ev = it->ev.ev[it->pos++];
			if (ev->t_end_ms >= it->from_ms)
				return 1;
		}
		if (it->line >= it->tr->nr_lines)
			return 0;
		rc = load_events(it);
		if (rc < 0)
			return rc;
	}
}

void trace_iter_free(struct trace_iter *it)
{
	if (!it)
		return;
	trace_events_free(&it->ev);
	free(it);
}
