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

struct json_object *snapshot_monitor_json(const struct snap_monitor *m)
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

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* len bytes as base64 (RFC 4648, padded) into out (4 * ceil(len / 3) + 1) */
static size_t base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 |
			     (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = 0;
	return o;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/*
 * Version 2: {"gpa": hex, "nz": BITMAP, "data": WORDS}: nz the bitmap of the
 * non-zero qwords (bit i of byte i / 8 for qword i) without its trailing
 * zero bytes, data those qwords (little-endian) in index order, both base64.
 */
int snapshot_write_page(FILE *f, const struct snap_page *p, bool first)
{
	static char text[4 * (SNAP_PAGE_SIZE / 3 + 1) + 1];
	uint8_t bits[SNAP_PAGE_QWORDS / 8], words[SNAP_PAGE_SIZE];
	size_t nbits = 0, nwords = 0;

	for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
		uint64_t v = snapshot_page_qword(p, i);

		if (i % 8 == 0)
			bits[i / 8] = 0;
		if (!v)
			continue;
		bits[i / 8] |= 1u << (i % 8);
		nbits = i / 8 + 1;
		put_le64(words + 8 * nwords++, v);
	}
	fprintf(f, "%s{\"gpa\":\"0x%" PRIx64 "\",\"nz\":\"", first ? "" : ",",
		p->gpa);
	base64_encode(bits, nbits, text);
	fputs(text, f);
	fputs("\",\"data\":\"", f);
	base64_encode(words, 8 * nwords, text);
	fputs(text, f);
	return fputs("\"}", f) < 0 ? -EIO : 0;
}

long long snapshot_page_text_bytes(const struct snap_page *p)
{
	size_t nbits = 0, nwords = 0, digits = 1;

	for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
		if (!(p->nz[i / 64] >> (i % 64) & 1))
			continue;
		nbits = i / 8 + 1;
		nwords++;
	}
	while (digits < 16 && p->gpa >> (4 * digits))
		digits++;
	/* ,{"gpa":"0x HEX ","nz":" B64 ","data":" B64 "} */
	return 1 + 10 + (long long)digits + 8 + 4 * (((long long)nbits + 2) / 3) +
	       10 + 4 * (((long long)nwords * 8 + 2) / 3) + 2;
}

/* Everything but the pages, as a JSON tree (small: replies and registers) */
static struct json_object *header_to_json(const struct vtd_snapshot *s)
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
	if (s->format[0])	/* dumps only */
		add(src, "format", json_object_new_string(s->format));
	if (s->pages_left_out)	/* kdump files that left pages out */
		add(src, "pages_left_out", json_object_new_int64((int64_t)s->pages_left_out));
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
	if (s->truncated[0])	/* a bounded snapshot: what it left out */
		add(o, "truncated", json_object_new_string(s->truncated));
	add(o, "page_size", json_object_new_int(SNAP_PAGE_SIZE));
	add(o, "ram", ram_to_json(s));
	add(o, "registers", regs_to_json(s));
	a = json_object_new_array();
	for (size_t i = 0; i < s->nr_mon; i++)
		json_object_array_add(a, snapshot_monitor_json(&s->mon[i]));
	add(o, "monitor", a);
	return o;
}

long long snapshot_write_stream(FILE *f, const struct vtd_snapshot *s)
{
	struct json_object *o = header_to_json(s);
	const struct snap_page **pages = snapshot_sorted_pages(s);
	const char *text = json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	long long start = ftello(f);
	size_t len;
	int err = 0;

	if (!pages || !text || (len = strlen(text)) < 2) {
		json_object_put(o);
		free(pages);
		return -ENOMEM;
	}
	/* the header object without its "}", then the pages */
	errno = 0;
	fwrite(text, 1, len - 1, f);
	fputs(",\"pages\":[", f);
	for (size_t i = 0; !err && i < s->nr_pages; i++)
		err = snapshot_write_page(f, pages[i], i == 0);
	json_object_put(o);
	free(pages);
	if (err || fputs("]}\n", f) < 0 || fflush(f) || ferror(f))
		return errno ? -errno : -EIO;	/* the write's: EFBIG, ENOSPC */
	return start >= 0 ? ftello(f) - start : 0;
}

/* --- reading ---------------------------------------------------------- */

struct rd {
	char *err;
	size_t errlen;
	int version;		/* the file's format version */
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

/* source.format and source.pages_left_out, both optional (dumps only;
 * files written before them have neither). */
static int read_dump_facts(struct rd *r, struct json_object *src,
			   struct vtd_snapshot *s)
{
	struct json_object *v = member(src, "pages_left_out");

	if (get_str(r, src, "format", "source.", s->format, sizeof(s->format), true))
		return -EPROTO;
	for (const char *c = s->format; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') && *c != '-')
			return fail(r, "source.format: not a format name (a-z, 0-9, -)");
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    (uint64_t)json_object_get_int64(v) > SNAP_MAX_LEFT_OUT)
		return fail(r, "source.pages_left_out: not a count of pages (0 to 2^52)");
	s->pages_left_out = (uint64_t)json_object_get_int64(v);
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
	if (ver < SNAP_VERSION_MIN || ver > SNAP_VERSION)
		return fail(r, "snapshot format version %" PRId64 " is not supported (this vtdctl reads versions %d to %d)",
			    ver, SNAP_VERSION_MIN, SNAP_VERSION);
	r->version = (int)ver;
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
	    get_str(r, src, "access", "source.", s->access, sizeof(s->access), false) ||
	    read_dump_facts(r, src, s))
		return -EPROTO;
	if (qemu && (get_str(r, qemu, "version", "qemu.", s->qemu_version,
			     sizeof(s->qemu_version), false) ||
		     get_str(r, qemu, "package", "qemu.", s->qemu_package,
			     sizeof(s->qemu_package), true)))
		return -EPROTO;
	/* a bounded snapshot says what it left out; null: complete */
	v = member(o, "truncated");
	if (v && json_object_is_type(v, json_type_string) &&
	    !json_object_get_string_len(v))
		return fail(r, "truncated: empty (absent or null when complete)");
	if (v && get_str(r, o, "truncated", "", s->truncated,
			 sizeof(s->truncated), false))
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

/* The whole page in one RAM range (ranges do not wrap: read_ram) */
static bool in_ram(const struct vtd_snapshot *s, uint64_t gpa)
{
	for (size_t i = 0; i < s->nr_ram; i++)
		if (gpa >= s->ram[i].start &&
		    gpa - s->ram[i].start <= s->ram[i].size - SNAP_PAGE_SIZE &&
		    s->ram[i].size >= SNAP_PAGE_SIZE)
			return true;
	return false;
}

/* Version 1: "q": {"INDEX": hex}, INDEX decimal 0..511, no sign, blank or
 * leading zero. */
static int read_page_v1(struct rd *r, struct vtd_snapshot *s,
			struct json_object *q, size_t i, struct snap_page *p)
{
	unsigned long idx;
	uint64_t v;
	char *end;

	if (!json_object_is_type(q, json_type_object))
		return fail(r, "pages[%zu].q: missing or not an object", i);
	json_object_object_foreach(q, key, val) {
		idx = key[0] >= '0' && key[0] <= '9' ? strtoul(key, &end, 10) : ~0UL;
		if (idx >= SNAP_PAGE_QWORDS || *end || (key[0] == '0' && key[1]))
			return fail(r, "pages[%zu].q: key \"%.32s\" is not a qword index 0..%u",
				    i, key, SNAP_PAGE_QWORDS - 1);
		if (parse_hex(val, &v))
			return fail(r, "pages[%zu].q.%s: not a \"0x...\" hex string", i, key);
		if (snapshot_page_set(s, p, idx, v))
			return fail(r, "pages: more than %u MiB of non-zero words",
				    SNAP_MAX_QWORDS >> 17);
	}
	return 0;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", c) : NULL;

	return p ? (int)(p - "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") : -1;
}

/* Strict base64 (padded, no blanks) into out (max bytes): the length, or
 * -1 when malformed or longer. */
static long base64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	size_t o = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		uint32_t x;

		for (int k = 0; k < 4; k++) {
			v[k] = b64_value(in[i + k]);
			if (in[i + k] == '=' && i + 4 == len && k >= 2 &&
			    (k == 3 || in[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if (v[k] < 0) {
				return -1;
			}
		}
		x = (uint32_t)v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
		if (o + 3 - pad > max)
			return -1;
		out[o++] = x >> 16;
		if (pad < 2)
			out[o++] = x >> 8 & 0xff;
		if (pad < 1)
			out[o++] = x & 0xff;
	}
	return (long)o;
}

static int get_b64(struct rd *r, struct json_object *e, const char *key,
		   size_t i, uint8_t *out, size_t max, long *len)
{
	struct json_object *v = member(e, key);

	if (!json_object_is_type(v, json_type_string))
		return fail(r, "pages[%zu].%s: missing or not a string", i, key);
	*len = base64_decode(json_object_get_string(v),
			     json_object_get_string_len(v), out, max);
	if (*len < 0)
		return fail(r, "pages[%zu].%s: not base64 of at most %zu bytes", i,
			    key, max);
	return 0;
}

/* Version 2: "nz" the bitmap of non-zero words, "data" those words */
static int read_page_v2(struct rd *r, struct vtd_snapshot *s,
			struct json_object *e, size_t i, uint64_t gpa)
{
	uint8_t bits[SNAP_PAGE_QWORDS / 8] = { 0 }, data[SNAP_PAGE_SIZE];
	uint64_t q[SNAP_PAGE_QWORDS] = { 0 };
	long nbits, nbytes;
	size_t k = 0;
	int err;

	if (get_b64(r, e, "nz", i, bits, sizeof(bits), &nbits) ||
	    get_b64(r, e, "data", i, data, sizeof(data), &nbytes))
		return -EPROTO;
	for (unsigned w = 0; w < SNAP_PAGE_QWORDS; w++) {
		if (!(bits[w / 8] >> (w % 8) & 1))
			continue;
		if (8 * k + 8 > (size_t)nbytes)
			return fail(r, "pages[%zu].data: fewer words than \"nz\" names", i);
		for (int b = 7; b >= 0; b--)
			q[w] = q[w] << 8 | data[8 * k + b];
		if (!q[w])
			return fail(r, "pages[%zu].data: word %u is zero but listed in \"nz\"", i, w);
		k++;
	}
	if (8 * k != (size_t)nbytes)
		return fail(r, "pages[%zu].data: %ld bytes, \"nz\" names %zu words", i,
			    nbytes, k);
	err = snapshot_add_page(s, gpa, q);
	if (err == -E2BIG)
		return fail(r, "pages: more than %u MiB of non-zero words",
			    SNAP_MAX_QWORDS >> 17);
	return err ? fail(r, "pages[%zu]: %s", i, strerror(-err)) : 0;
}

static int read_pages(struct rd *r, struct json_object *o, struct vtd_snapshot *s)
{
	struct json_object *a;
	char where[32];
	uint64_t gpa, last = 0;
	size_t n;
	int err;

	if (get_array(r, o, "pages", SNAP_MAX_PAGES, &a))
		return -EPROTO;
	n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		snprintf(where, sizeof(where), "pages[%zu].", i);
		if (!json_object_is_type(e, json_type_object))
			return fail(r, "pages[%zu]: not an object", i);
		if (get_hex(r, e, "gpa", where, &gpa))
			return -EPROTO;
		if (gpa & (SNAP_PAGE_SIZE - 1))
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " is not 4 KiB aligned", i, gpa);
		if (i && gpa <= last)
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " not in ascending order", i, gpa);
		if (!in_ram(s, gpa))
			return fail(r, "pages[%zu].gpa: 0x%" PRIx64 " is not in the snapshot's RAM", i, gpa);
		last = gpa;
		if (r->version >= 2) {
			if (read_page_v2(r, s, e, i, gpa))
				return -EPROTO;
			continue;
		}
		err = snapshot_add_page(s, gpa, NULL);
		if (err)
			return fail(r, "pages[%zu]: %s", i, strerror(-err));
		if (read_page_v1(r, s, member(e, "q"), i, &s->pages[s->nr_pages - 1]))
			return -EPROTO;
	}
	return 0;
}

int snapshot_from_json(struct json_object *o, struct vtd_snapshot *s,
		       char *err, size_t errlen)
{
	struct rd r = { err, errlen, 0 };

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

int snapshot_parts_from_json(struct json_object *o, struct vtd_snapshot *s,
			     char *err, size_t errlen)
{
	struct rd r = { err, errlen, SNAP_VERSION };

	if (member(o, "registers") && read_registers(&r, o, s))
		return -EPROTO;
	if (member(o, "monitor") && read_monitor(&r, o, s))
		return -EPROTO;
	if (member(o, "pages") && read_pages(&r, o, s))
		return -EPROTO;
	return 0;
}

/*
 * The JSON values of buf, counted outside strings without building them
 * (json-c spends about 100 bytes on each: a 40 MB file of "{}" would take
 * gigabytes): at most SNAP_MAX_JSON_VALUES, or -1.
 */
static long count_values(const char *buf, size_t len)
{
	long n = 1;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == ',' || c == '[' || c == '{' || c == ':')
			n++;
		if (n > (long)SNAP_MAX_JSON_VALUES)
			return -1;
	}
	return n;
}

int snapshot_parse_tree(const char *buf, size_t len, struct json_object **out,
			char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(SNAP_MAX_JSON_DEPTH);
	struct json_object *o;
	size_t used;

	*out = NULL;
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (len > SNAP_MAX_FILE || len > INT32_MAX) {
		json_tokener_free(tok);
		snprintf(err, errlen, "larger than %u MiB", SNAP_MAX_FILE >> 20);
		return -EFBIG;
	}
	if (count_values(buf, len) < 0) {
		json_tokener_free(tok);
		snprintf(err, errlen, "more than %u JSON values: not a snapshot this vtdctl reads",
			 SNAP_MAX_JSON_VALUES);
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
	*out = o;
	return 0;
}

int snapshot_parse(const char *buf, size_t len, struct vtd_snapshot *s,
		   char *err, size_t errlen)
{
	struct json_object *o;
	int rc = snapshot_parse_tree(buf, len, &o, err, errlen);

	memset(s, 0, sizeof(*s));
	if (rc)
		return rc;
	rc = snapshot_from_json(o, s, err, errlen);
	json_object_put(o);
	return rc;
}
