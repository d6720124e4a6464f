// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the snapshot file as JSON (docs/snapshot-format.md), both ways.
 * Reading validates everything: a snapshot arrives attached to a bug report
 * and is untrusted input. Every error names the offending key.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"

/* --- writing ---------------------------------------------------------- */

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

/* A 64-bit value as the string "0x..." (a JSON number loses bits). */
static struct json_object *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *str_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

static struct json_object *ram_to_json(const struct vtd_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_ram; i++) {
		struct json_object *r = json_object_new_object();

		add(r, "start", hex(s->ram[i].start));
		add(r, "size", hex(s->ram[i].size));
		json_object_array_add(a, r);
	}
	return a;
}

static struct json_object *regs_to_json(const struct vtd_snapshot *s)
{
	struct json_object *o;
	char key[16];

	if (!s->have_regs)
		return NULL;
	o = json_object_new_object();
	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++) {
		if (!s->reg_valid[i])
			continue;
		snprintf(key, sizeof(key), "0x%x", 8 * i);
		add(o, key, hex(s->regs[i]));
	}
	return o;
}

static struct json_object *monitor_to_json(const struct snap_monitor *m)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e;

	add(o, "command", json_object_new_string(m->cmd));
	add(o, "arguments", json_tokener_parse(m->args));
	if (m->err) {
		e = json_object_new_object();
		add(e, "errno", json_object_new_string(snapshot_errno_name(m->err)));
		add(e, "message", json_object_new_string(m->message));
		add(o, "error", e);
	} else {
		add(o, "return", json_object_get(m->ret));
	}
	return o;
}

/* Only the non-zero qwords: VT-d tables are mostly zero. */
static struct json_object *page_to_json(const struct snap_page *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *q = json_object_new_object();
	char key[8];

	add(o, "gpa", hex(p->gpa));
	for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
		if (!p->q[i])
			continue;
		snprintf(key, sizeof(key), "%u", i);
		add(q, key, hex(p->q[i]));
	}
	add(o, "q", q);
	return o;
}

struct json_object *snapshot_to_json(const struct vtd_snapshot *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *src = json_object_new_object();
	struct json_object *qemu = NULL, *a;

	add(o, "magic", json_object_new_string(SNAP_MAGIC));
	add(o, "version", json_object_new_int(SNAP_VERSION));
	add(o, "created", json_object_new_string(s->created));
	add(o, "created_unix", json_object_new_int64(s->created_unix));
	add(o, "vtdctl_version", json_object_new_string(s->vtdctl_version));
	add(src, "kind", json_object_new_string(s->kind));
	add(src, "target", json_object_new_string(s->target));
	add(src, "access", json_object_new_string(s->access));
	add(o, "source", src);
	if (s->qemu_version[0]) {
		qemu = json_object_new_object();
		add(qemu, "version", json_object_new_string(s->qemu_version));
		add(qemu, "package", str_or_null(s->qemu_package));
	}
	add(o, "qemu", qemu);
	add(o, "mmio_base", hex(s->mmio_base));
	if (s->rtaddr_origin[0]) {
		struct json_object *rt = json_object_new_object();

		add(rt, "value", hex(s->rtaddr));
		add(rt, "origin", json_object_new_string(s->rtaddr_origin));
		add(o, "rtaddr", rt);
	}
	add(o, "page_size", json_object_new_int(SNAP_PAGE_SIZE));
	add(o, "ram", ram_to_json(s));
	add(o, "registers", regs_to_json(s));
	a = json_object_new_array();
	for (size_t i = 0; i < s->nr_mon; i++)
		json_object_array_add(a, monitor_to_json(&s->mon[i]));
	add(o, "monitor", a);
	a = json_object_new_array();
	for (size_t i = 0; i < s->nr_pages; i++)
		json_object_array_add(a, page_to_json(&s->pages[i]));
	add(o, "pages", a);
	return o;
}

/* --- reading ---------------------------------------------------------- */

struct rd {
	char *err;
	size_t errlen;
};

static int fail(struct rd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* "0x" and 1 to 16 hex digits, nothing else */
static int parse_hex(struct json_object *v, uint64_t *out)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return -EPROTO;
	s = json_object_get_string(v);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -EPROTO;
	s += 2;
	n = strspn(s, "0123456789abcdefABCDEF");
	if (n == 0 || n > 16 || s[n])
		return -EPROTO;
	*out = strtoull(s, NULL, 16);
	return 0;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static int get_hex(struct rd *r, struct json_object *o, const char *key,
		   const char *where, uint64_t *out)
{
	if (parse_hex(member(o, key), out))
		return fail(r, "%s%s: missing or not a \"0x...\" hex string",
			    where, key);
	return 0;
}

/* A string member copied into buf (len bytes); optional ones may be null. */
static int get_str(struct rd *r, struct json_object *o, const char *key,
		   const char *where, char *buf, size_t len, bool optional)
{
	struct json_object *v = member(o, key);

	if (!v && optional) {
		buf[0] = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(r, "%s%s: missing or not a string", where, key);
	if ((size_t)json_object_get_string_len(v) >= len)
		return fail(r, "%s%s: longer than %zu bytes", where, key, len - 1);
	memcpy(buf, json_object_get_string(v), json_object_get_string_len(v) + 1);
	return 0;
}

static int get_array(struct rd *r, struct json_object *o, const char *key,
		     size_t max, struct json_object **out)
{
	*out = member(o, key);
	if (!json_object_is_type(*out, json_type_array))
		return fail(r, "%s: missing or not an array", key);
	if (json_object_array_length(*out) > max)
		return fail(r, "%s: %zu entries, more than the limit of %zu", key,
			    json_object_array_length(*out), max);
	return 0;
}

/* optional, informational: {"value": "0x...", "origin": "user" | "scan"} */
static int read_rtaddr(struct rd *r, struct json_object *o,
		       struct vtd_snapshot *s)
{
	struct json_object *rt = member(o, "rtaddr");

	if (!rt)
		return 0;
	if (!json_object_is_type(rt, json_type_object))
		return fail(r, "rtaddr: not an object or null");
	if (get_hex(r, rt, "value", "rtaddr.", &s->rtaddr) ||
	    get_str(r, rt, "origin", "rtaddr.", s->rtaddr_origin,
		    sizeof(s->rtaddr_origin), false))
		return -EPROTO;
	if (strcmp(s->rtaddr_origin, "user") && strcmp(s->rtaddr_origin, "scan"))
		return fail(r, "rtaddr.origin: must be \"user\" or \"scan\"");
	return 0;
}

static int read_header(struct rd *r, struct json_object *o,
		       struct vtd_snapshot *s)
{
	struct json_object *v = member(o, "magic"), *src, *qemu;
	int64_t ver;

	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), SNAP_MAGIC))
		return fail(r, "not a vtdctl snapshot (no \"magic\": \"%s\")",
			    SNAP_MAGIC);
	v = member(o, "version");
	if (!json_object_is_type(v, json_type_int))
		return fail(r, "version: missing or not a number");
	ver = json_object_get_int64(v);
	if (ver != SNAP_VERSION)
		return fail(r, "snapshot format version %" PRId64 " is not supported (this vtdctl reads version %d)",
			    ver, SNAP_VERSION);
	v = member(o, "page_size");
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != SNAP_PAGE_SIZE)
		return fail(r, "page_size: must be %u", SNAP_PAGE_SIZE);
	v = member(o, "created_unix");
	if (json_object_is_type(v, json_type_int))
		s->created_unix = json_object_get_int64(v);
	src = member(o, "source");
	if (!json_object_is_type(src, json_type_object))
		return fail(r, "source: missing or not an object");
	qemu = member(o, "qemu");
	if (qemu && !json_object_is_type(qemu, json_type_object))
		return fail(r, "qemu: not an object or null");
	if (get_str(r, o, "created", "", s->created, sizeof(s->created), false) ||
	    get_str(r, o, "vtdctl_version", "", s->vtdctl_version,
		    sizeof(s->vtdctl_version), false) ||
	    get_str(r, src, "kind", "source.", s->kind, sizeof(s->kind), false) ||
	    get_str(r, src, "target", "source.", s->target, sizeof(s->target), false) ||
	    get_str(r, src, "access", "source.", s->access, sizeof(s->access), false))
		return -EPROTO;
	if (qemu && (get_str(r, qemu, "version", "qemu.", s->qemu_version,
			     sizeof(s->qemu_version), false) ||
		     get_str(r, qemu, "package", "qemu.", s->qemu_package,
			     sizeof(s->qemu_package), true)))
		return -EPROTO;
	return get_hex(r, o, "mmio_base", "", &s->mmio_base) ||
	       read_rtaddr(r, o, s);
}

/* Sorted, non-overlapping, non-empty, no wrap-around. */
static int read_ram(struct rd *r, struct json_object *o, struct vtd_snapshot *s)
{
	struct json_object *a;
	char where[32];
	size_t n;

	if (get_array(r, o, "ram", SNAP_MAX_RAM, &a))
		return -EPROTO;
	n = json_object_array_length(a);
	s->ram = calloc(n ? n : 1, sizeof(*s->ram));
	if (!s->ram)
		return fail(r, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct ram_range *x = &s->ram[i];

		snprintf(where, sizeof(where), "ram[%zu].", i);
		if (!json_object_is_type(e, json_type_object))
			return fail(r, "ram[%zu]: not an object", i);
		if (get_hex(r, e, "start", where, &x->start) ||
		    get_hex(r, e, "size", where, &x->size))
			return -EPROTO;
		if (x->size == 0 || x->start + x->size < x->start)
			return fail(r, "ram[%zu]: empty or wraps around", i);
		if (i && x->start < s->ram[i - 1].start + s->ram[i - 1].size)
			return fail(r, "ram[%zu]: not sorted or overlaps the previous range", i);
		s->nr_ram++;
	}
	return 0;
}

static int read_registers(struct rd *r, struct json_object *o,
			  struct vtd_snapshot *s)
{
	struct json_object *regs = member(o, "registers");
	uint64_t off;
	char *end;

	if (!regs)
		return 0;
	if (!json_object_is_type(regs, json_type_object))
		return fail(r, "registers: not an object or null");
	s->have_regs = true;
	json_object_object_foreach(regs, key, val) {
		if (strncmp(key, "0x", 2) || !key[2])
			return fail(r, "registers: key \"%.32s\" is not a hex offset", key);
		off = strtoull(key + 2, &end, 16);
		if (*end || strlen(key) > 10 || (off & 7) || off >= VTD_REGFILE_MAX)
			return fail(r, "registers: offset \"%.32s\" is not an aligned qword below 0x%x",
				    key, VTD_REGFILE_MAX);
		if (parse_hex(val, &s->regs[off / 8]))
			return fail(r, "registers.%s: not a \"0x...\" hex string", key);
		s->reg_valid[off / 8] = 1;
	}
	return 0;
}

static int read_monitor_one(struct rd *r, struct json_object *e, size_t i,
			    struct vtd_snapshot *s)
{
	struct json_object *cmd = member(e, "command"), *args = member(e, "arguments");
	struct json_object *ret = member(e, "return"), *error = member(e, "error");
	bool has_ret = json_object_object_get_ex(e, "return", NULL);
	char name[16] = "", msg[512] = "", where[40];
	char *key;
	int err = 0, rc;

	if (!json_object_is_type(cmd, json_type_string) ||
	    !json_object_get_string_len(cmd) || json_object_get_string_len(cmd) > 64)
		return fail(r, "monitor[%zu].command: missing or not a short string", i);
	if (args && !json_object_is_type(args, json_type_object))
		return fail(r, "monitor[%zu].arguments: not an object or null", i);
	if (has_ret == !!error)
		return fail(r, "monitor[%zu]: needs exactly one of \"return\" and \"error\"", i);
	if (error) {
		snprintf(where, sizeof(where), "monitor[%zu].error.", i);
		if (get_str(r, error, "errno", where, name, sizeof(name), false) ||
		    get_str(r, error, "message", where, msg, sizeof(msg), false))
			return -EPROTO;
		err = snapshot_errno_value(name);
		if (!err)
			return fail(r, "monitor[%zu].error.errno: unknown \"%s\"", i, name);
	}
	key = snapshot_args_key(args);
	if (!key)
		return fail(r, "out of memory");
	if (snapshot_find_monitor(s, json_object_get_string(cmd), key)) {
		free(key);
		return fail(r, "monitor[%zu]: the same command and arguments twice", i);
	}
	rc = snapshot_add_monitor(s, json_object_get_string(cmd), key,
				  err ? NULL : ret, err, msg);
	free(key);
	return rc ? fail(r, "monitor: %s", strerror(-rc)) : 0;
}

static int read_monitor(struct rd *r, struct json_object *o,
			struct vtd_snapshot *s)
{
	struct json_object *a;

	if (get_array(r, o, "monitor", SNAP_MAX_MONITOR, &a))
		return -EPROTO;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_is_type(e, json_type_object))
			return fail(r, "monitor[%zu]: not an object", i);
		if (read_monitor_one(r, e, i, s))
			return -EPROTO;
	}
	return 0;
}

static bool in_ram(const struct vtd_snapshot *s, uint64_t gpa)
{
	for (size_t i = 0; i < s->nr_ram; i++)
		if (gpa >= s->ram[i].start &&
		    gpa + SNAP_PAGE_SIZE <= s->ram[i].start + s->ram[i].size)
			return true;
	return false;
}

static int read_page_qwords(struct rd *r, struct json_object *q, size_t i,
			    struct snap_page *p)
{
	char *end;
	unsigned long idx;

	if (!json_object_is_type(q, json_type_object))
		return fail(r, "pages[%zu].q: missing or not an object", i);
	json_object_object_foreach(q, key, val) {
		idx = strtoul(key, &end, 10);
		if (!key[0] || *end || idx >= SNAP_PAGE_QWORDS ||
		    (key[0] == '0' && key[1]) || key[0] == '-' || key[0] == '+')
			return fail(r, "pages[%zu].q: key \"%.32s\" is not a qword index 0..%u",
				    i, key, SNAP_PAGE_QWORDS - 1);
		if (parse_hex(val, &p->q[idx]))
			return fail(r, "pages[%zu].q.%s: not a \"0x...\" hex string", i, key);
	}
	return 0;
}

static int read_pages(struct rd *r, struct json_object *o, struct vtd_snapshot *s)
{
	struct json_object *a;
	char where[32];
	uint64_t gpa;
	size_t n;

	if (get_array(r, o, "pages", SNAP_MAX_PAGES, &a))
		return -EPROTO;
	n = json_object_array_length(a);
	s->pages = calloc(n ? n : 1, sizeof(*s->pages));
	if (!s->pages)
		return fail(r, "out of memory for %zu pages", n);
	s->cap_pages = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		snprintf(where, sizeof(where), "pages[%zu].", i);
		if (!json_object_is_type(e, json_type_object))
			return fail(r, "pages[%zu]: not an object", i);
		if (get_hex(r, e, "gpa", where, &gpa))
			return -EPROTO;
		if (gpa & (SNAP_PAGE_SIZE - 1))
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " is not 4 KiB aligned", i, gpa);
		if (i && gpa <= s->pages[i - 1].gpa)
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " not in ascending order", i, gpa);
		if (!in_ram(s, gpa))
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " is not in the snapshot's RAM", i, gpa);
		s->pages[i].gpa = gpa;
		if (read_page_qwords(r, member(e, "q"), i, &s->pages[i]))
			return -EPROTO;
		s->nr_pages++;
	}
	return 0;
}

int snapshot_from_json(struct json_object *o, struct vtd_snapshot *s,
		       char *err, size_t errlen)
{
	struct rd r = { err, errlen };

	memset(s, 0, sizeof(*s));
	if (!json_object_is_type(o, json_type_object))
		return fail(&r, "not a vtdctl snapshot (not a JSON object)");
	if (read_header(&r, o, s) || read_ram(&r, o, s) ||
	    read_registers(&r, o, s) || read_monitor(&r, o, s) ||
	    read_pages(&r, o, s)) {
		snapshot_free(s);
		return -EPROTO;
	}
	return 0;
}

int snapshot_parse(const char *buf, size_t len, struct vtd_snapshot *s,
		   char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(SNAP_MAX_JSON_DEPTH);
	struct json_object *o;
	size_t used;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (len > SNAP_MAX_FILE || len > INT32_MAX) {
		json_tokener_free(tok);
		snprintf(err, errlen, "larger than %u MiB", SNAP_MAX_FILE >> 20);
		return -EFBIG;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(err, errlen, "not a vtdctl snapshot (%s at byte %zu)",
			 e == json_tokener_continue ? "truncated JSON" :
			 json_tokener_error_desc(e), used);
		json_tokener_free(tok);
		return -EPROTO;
	}
	json_tokener_free(tok);
	while (used < len && strchr(" \t\r\n", buf[used]) && buf[used])
		used++;
	if (used != len) {
		json_object_put(o);
		snprintf(err, errlen, "trailing bytes after the snapshot at byte %zu", used);
		return -EPROTO;
	}
	rc = snapshot_from_json(o, s, err, errlen);
	json_object_put(o);
	return rc;
}
