// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: writing a trace (docs/trace-format.md). Each line is built in
 * memory and written with one write(): a crash leaves whole lines and at
 * most one torn last line; a failed write (a full disk, a file size limit)
 * is cut off again, so the file keeps every line before it. Past the size
 * or line limit the file rotates: FILE becomes FILE.1, FILE.1 FILE.2, ...
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/trace.h"
#include "trace/trace_int.h"

struct trace_writer {
	struct trace_writer_opts o;
	char *path;
	int fd;
	uint64_t size;		/* bytes of whole lines in the file */
	unsigned long lines;
	unsigned part;		/* rotations so far */
	uint64_t delta_bytes;	/* since the last keyframe */
};

static int sys_fail(char *err, size_t errlen, const char *path, int e)
{
	snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -1;
}

/* The JSON of o and an end of line, malloc'd; o is put */
static char *json_line(struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = text ? strlen(text) : 0;
	char *line = text ? malloc(n + 2) : NULL;

	if (line) {
		memcpy(line, text, n);
		memcpy(line + n, "\n", 2);
	}
	json_object_put(o);
	return line;
}

/* Write all of buf, or cut the file back to its last whole line */
static int write_whole(struct trace_writer *w, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(w->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;

			if (ftruncate(w->fd, (off_t)w->size) == 0)
				lseek(w->fd, (off_t)w->size, SEEK_SET);
			return sys_fail(err, errlen, w->path, e);
		}
		done += (size_t)n;
	}
	w->size += len;
	w->lines++;
	return 0;
}

static int write_header(struct trace_writer *w, char *err, size_t errlen)
{
	struct json_object *o = json_object_new_object(), *src = json_object_new_object();
	struct timespec ts;
	char when[40], *line;
	int64_t now;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	json_object_object_add(o, "magic", json_object_new_string(TRACE_MAGIC));
	json_object_object_add(o, "version", json_object_new_int(TRACE_VERSION));
	json_object_object_add(o, "created", json_object_new_string(
		trace_format_time(now, when, sizeof(when))));
	json_object_object_add(o, "created_ms", json_object_new_int64(now));
	json_object_object_add(o, "vtdctl_version", json_object_new_string(VTDCTL_VERSION));
	json_object_object_add(src, "kind", json_object_new_string(w->o.kind ? w->o.kind : ""));
	json_object_object_add(src, "target", json_object_new_string(w->o.target ? w->o.target : ""));
	json_object_object_add(o, "source", src);
	json_object_object_add(o, "interval_ms", json_object_new_int64(w->o.interval_ms));
	json_object_object_add(o, "part", json_object_new_int((int)w->part));
	line = json_line(o);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = write_whole(w, line, strlen(line), err, errlen);
	free(line);
	return rc;
}

static int open_file(struct trace_writer *w, char *err, size_t errlen)
{
	struct stat st;

	if (!lstat(w->path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", w->path);
		return -1;
	}
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0)
		return sys_fail(err, errlen, w->path, errno);
	w->size = 0;
	w->lines = 0;
	w->delta_bytes = 0;
	return write_header(w, err, errlen);
}

int trace_writer_open(const struct trace_writer_opts *o,
		      struct trace_writer **out, char *err, size_t errlen)
{
	struct trace_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(o->path))) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->o = *o;
	if (!w->o.max_size || w->o.max_size > TRACE_MAX_FILE)
		w->o.max_size = TRACE_MAX_FILE;
	if (w->o.keep > TRACE_MAX_KEEP)
		w->o.keep = TRACE_MAX_KEEP;
	w->fd = -1;
	if (open_file(w, err, errlen)) {
		trace_writer_close(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* FILE.keep-1 -> FILE.keep, ..., FILE -> FILE.1; a new FILE */
static int rotate(struct trace_writer *w, char *err, size_t errlen)
{
	size_t n = strlen(w->path) + 8;
	char *a = malloc(n), *b = malloc(n);

	if (!a || !b) {
		free(a);
		free(b);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fdatasync(w->fd);
	close(w->fd);
	w->fd = -1;
	for (unsigned k = w->o.keep; k >= 1; k--) {
		snprintf(a, n, k > 1 ? "%s.%u" : "%s", w->path, k - 1);
		snprintf(b, n, "%s.%u", w->path, k);
		rename(a, b);	/* a missing older part is no error */
	}
	free(a);
	free(b);
	w->part++;
	return open_file(w, err, errlen);
}

static bool would_overflow(const struct trace_writer *w, size_t len)
{
	return w->size + len > w->o.max_size || w->lines + 1 > TRACE_MAX_LINES;
}

/* A line built in a memory stream: checked against the limits, written */
static int put_line(struct trace_writer *w, char *buf, size_t len, bool delta,
		    char *err, size_t errlen)
{
	int rc;

	if (len > TRACE_MAX_LINE) {
		snprintf(err, errlen, "%s: a line of %zu bytes is over the %u MiB limit",
			 w->path, len, TRACE_MAX_LINE >> 20);
		return -1;
	}
	if (would_overflow(w, len) && w->lines > 1) {
		if (rotate(w, err, errlen))
			return -1;
		if (delta)
			return -EAGAIN;	/* a new file starts with a keyframe */
	}
	rc = write_whole(w, buf, len, err, errlen);
	if (!rc)
		w->delta_bytes = delta ? w->delta_bytes + len : 0;
	return rc;
}

static void put_events(FILE *f, const struct trace_events *ev)
{
	fputs(",\"events\":[", f);
	for (size_t i = 0; ev && i < ev->n; i++) {
		struct json_object *o = trace_event_json(&ev->ev[i]);

		fprintf(f, "%s%s", i ? "," : "", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	fputc(']', f);
}

static int finish(struct trace_writer *w, FILE *f, char **buf, size_t *len,
		  bool delta, char *err, size_t errlen)
{
	int rc;

	if (fclose(f)) {
		free(*buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = put_line(w, *buf, *len, delta, err, errlen);
	free(*buf);
	return rc;
}

int trace_write_keyframe(struct trace_writer *w, int64_t t_ms,
			 const char *reason, const struct vtd_snapshot *s,
			 const struct trace_events *ev, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fprintf(f, "{\"t\":%" PRId64 ",\"type\":\"keyframe\",\"reason\":\"%s\"",
		t_ms, reason);
	put_events(f, ev);
	fputs(",\"snapshot\":", f);
	if (snapshot_write_stream(f, s) < 0) {
		fclose(f);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fflush(f);
	/* the snapshot ends in "}\n": close the line's object before it */
	if (len)
		fseek(f, -1, SEEK_CUR);
	fputs("}\n", f);
	rc = finish(w, f, &buf, &len, false, err, errlen);
	if (!rc)
		fdatasync(w->fd);
	return rc;
}

static bool same_header(const struct vtd_snapshot *a, const struct vtd_snapshot *b)
{
	return a->nr_ram == b->nr_ram &&
	       (!a->nr_ram || !memcmp(a->ram, b->ram, a->nr_ram * sizeof(*a->ram))) &&
	       a->mmio_base == b->mmio_base && a->have_regs == b->have_regs &&
	       !strcmp(a->kind, b->kind) && !strcmp(a->target, b->target) &&
	       !strcmp(a->access, b->access) && !strcmp(a->qemu_version, b->qemu_version) &&
	       !strcmp(a->qemu_package, b->qemu_package) && a->rtaddr == b->rtaddr &&
	       !strcmp(a->rtaddr_origin, b->rtaddr_origin);
}

/* "registers": the qwords b has that a lacks or holds otherwise; 1 when one
 * of a's is gone from b (only a keyframe can say that) */
static int put_registers(FILE *f, const struct vtd_snapshot *a,
			 const struct vtd_snapshot *b, bool *changed)
{
	bool first = true;

	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++) {
		if (a->reg_valid[i] && !b->reg_valid[i])
			return 1;
		if (!b->reg_valid[i] || (a->reg_valid[i] && a->regs[i] == b->regs[i]))
			continue;
		fprintf(f, "%s\"0x%x\":\"0x%" PRIx64 "\"", first ? ",\"registers\":{" : ",",
			8 * i, b->regs[i]);
		first = false;
		*changed = true;
	}
	if (!first)
		fputc('}', f);
	return 0;
}

static int put_monitor(FILE *f, const struct vtd_snapshot *a,
		       const struct vtd_snapshot *b, bool *changed)
{
	bool first = true;

	for (size_t i = 0; i < a->nr_mon; i++)
		if (!snapshot_find_monitor(b, a->mon[i].cmd, a->mon[i].args))
			return 1;
	for (size_t i = 0; i < b->nr_mon; i++) {
		const struct snap_monitor *m = &b->mon[i];
		const struct snap_monitor *old = snapshot_find_monitor(a, m->cmd, m->args);
		struct json_object *o;

		if (old && snapshot_same_monitor(old, m))
			continue;
		o = snapshot_monitor_json(m);
		fprintf(f, "%s%s", first ? ",\"monitor\":[" : ",",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		first = false;
		*changed = true;
	}
	if (!first)
		fputc(']', f);
	return 0;
}

/* "removed": a's pages b lacks; "pages": b's that are new or changed */
static int put_pages(FILE *f, const struct vtd_snapshot *a,
		     const struct vtd_snapshot *b, bool *changed)
{
	const struct snap_page **pa = snapshot_sorted_pages(a);
	const struct snap_page **pb = snapshot_sorted_pages(b);
	bool first = true;

	if (!pa || !pb) {
		free(pa);
		free(pb);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->nr_pages; i++) {
		if (snapshot_find_page(b, pa[i]->gpa))
			continue;
		fprintf(f, "%s\"0x%" PRIx64 "\"", first ? ",\"removed\":[" : ",", pa[i]->gpa);
		first = false;
		*changed = true;
	}
	if (!first)
		fputc(']', f);
	first = true;
	for (size_t i = 0; i < b->nr_pages; i++) {
		const struct snap_page *old = snapshot_find_page(a, pb[i]->gpa);

		if (old && snapshot_same_page(old, pb[i]))
			continue;
		if (first)
			fputs(",\"pages\":[", f);
		snapshot_write_page(f, pb[i], first);
		first = false;
		*changed = true;
	}
	if (!first)
		fputc(']', f);
	free(pa);
	free(pb);
	return 0;
}

int trace_write_delta(struct trace_writer *w, int64_t t_ms,
		      const struct vtd_snapshot *a, const struct vtd_snapshot *b,
		      const struct trace_events *ev, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	bool changed = false;
	FILE *f;
	int rc;

	if (!same_header(a, b))
		return -EAGAIN;
	f = open_memstream(&buf, &len);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fprintf(f, "{\"t\":%" PRId64 ",\"type\":\"delta\"", t_ms);
	put_events(f, ev);
	rc = put_registers(f, a, b, &changed);
	if (!rc)
		rc = put_monitor(f, a, b, &changed);
	if (!rc)
		rc = put_pages(f, a, b, &changed);
	fputs("}\n", f);
	if (rc || (!changed && (!ev || !ev->n))) {
		fclose(f);
		free(buf);
		if (rc < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return rc ? -EAGAIN : 0;
	}
	rc = finish(w, f, &buf, &len, true, err, errlen);
	return rc ? rc : 1;
}

int trace_write_gap(struct trace_writer *w, int64_t t_ms, int64_t t_end_ms,
		    const char *why, char *err, size_t errlen)
{
	struct json_object *o = json_object_new_object();
	char *line;
	int rc;

	json_object_object_add(o, "t", json_object_new_int64(t_ms));
	json_object_object_add(o, "type", json_object_new_string("gap"));
	json_object_object_add(o, "t_end", json_object_new_int64(t_end_ms));
	json_object_object_add(o, "error", json_object_new_string(why ? why : ""));
	line = json_line(o);
	if (!line) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = put_line(w, line, strlen(line), false, err, errlen);
	free(line);
	return rc;
}

int trace_write_end(struct trace_writer *w, int64_t t_ms, char *err,
		    size_t errlen)
{
	char line[64];
	int rc;

	snprintf(line, sizeof(line), "{\"t\":%" PRId64 ",\"type\":\"end\"}\n", t_ms);
	/* an end line never starts a new file */
	if (would_overflow(w, strlen(line)))
		return 0;
	rc = write_whole(w, line, strlen(line), err, errlen);
	if (!rc)
		fdatasync(w->fd);
	return rc;
}

uint64_t trace_writer_size(const struct trace_writer *w)
{
	return w->size;
}

uint64_t trace_writer_delta_bytes(const struct trace_writer *w)
{
	return w->delta_bytes;
}

void trace_writer_close(struct trace_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w);
}
