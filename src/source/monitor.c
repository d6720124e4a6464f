// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the read-only allowlist and parsers of QEMU's HMP text output. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/array.h"
#include "source/monitor.h"
#include "source/source.h"

/* Copy at most n bytes of untrusted text for a message, sanitised. */
static void quote(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, j = 0;

	if (!dstlen)
		return;
	for (i = 0; i < n && s[i] && j + 1 < dstlen; i++) {
		unsigned char c = s[i];

		if (c == '\r' || c == '\n')
			break;
		dst[j++] = (c < 0x20 || c >= 0x7f) ? '?' : c;
	}
	if (i < n && s[i] && s[i] != '\r' && s[i] != '\n' && j >= 4) {
		dst[j - 3] = dst[j - 2] = dst[j - 1] = '.';
	}
	dst[j] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1..maxdig hex digits at *pp, no prefix; advances *pp. */
static bool parse_hex(const char **pp, unsigned maxdig, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	unsigned n = 0;
	int d;

	while ((d = hexval(*p)) >= 0) {
		if (++n > maxdig)
			return false;
		x = x << 4 | (uint64_t)d;
		p++;
	}
	if (!n)
		return false;
	*v = x;
	*pp = p;
	return true;
}

/* ------------------------------------------------------------------------ */
/* Type-checked members                                                     */

const char *qmp_get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool qmp_get_int(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

bool qmp_get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* ------------------------------------------------------------------------ */
/* The shape of a JSON reply, before it is parsed                           */

/* One byte outside any string: its effect on depth and count. */
static int scan_structure(struct qmp_scan *sc, char c, bool *closed_top)
{
	switch (c) {
	case '"':
		sc->in_string = true;
		break;
	case '[':
	case '{':
		if (++sc->depth > QMP_MAX_DEPTH)
			return -ELOOP;
		sc->started = true;
		sc->values++;
		if (++sc->containers > QMP_MAX_CONTAINERS)
			return -E2BIG;
		break;
	case ']':
	case '}':
		if (sc->depth && --sc->depth == 0 && sc->started)
			*closed_top = true;
		break;
	case ',':
		sc->values++;
		break;
	}
	return sc->values > QMP_MAX_VALUES ? -E2BIG : 0;
}

long qmp_scan_reply(struct qmp_scan *sc, const char *buf, size_t n,
		    char *why, size_t whylen)
{
	bool closed = false;
	size_t i;

	for (i = 0; i < n && !closed; i++) {
		char c = buf[i];
		int rc;

		if (sc->in_string) {
			if (sc->escape)
				sc->escape = false;
			else if (c == '\\')
				sc->escape = true;
			else if (c == '"')
				sc->in_string = false;
			continue;
		}
		rc = scan_structure(sc, c, &closed);
		if (rc == -ELOOP)
			errf(why, whylen, "reply nested deeper than %u levels",
			     QMP_MAX_DEPTH);
		else if (rc)
			errf(why, whylen, "reply of more than %u JSON values or %u objects and arrays",
			     QMP_MAX_VALUES, QMP_MAX_CONTAINERS);
		if (rc)
			return rc;
	}
	return (long)i;
}

/* ------------------------------------------------------------------------ */
/* The allowlist                                                            */

static const char *const qmp_allowed[] = {
	"qmp_capabilities", "query-version", "query-status", "query-pci",
	"query-commands", "qom-list", "qom-get", "qom-list-types",
	"human-monitor-command",
};

#define MAX_TOKENS 8

/* Split on blanks; false on control characters or too many tokens. */
static bool tokenize(const char *line, char *buf, size_t buflen,
		     char *tok[MAX_TOKENS], int *ntok)
{
	size_t len = strlen(line);
	char *p;
	int n = 0;

	if (len >= buflen)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	memcpy(buf, line, len + 1);
	for (p = buf; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (n == MAX_TOKENS)
			return false;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	*ntok = n;
	return n > 0;
}

/* A plain number: 0x + 1..16 hex digits, or 1..20 decimal digits. */
static bool is_number(const char *s)
{
	size_t n = strlen(s);

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (n - 2 > 16)
			return false;
		for (size_t i = 2; i < n; i++)
			if (hexval(s[i]) < 0)
				return false;
		return true;
	}
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* xp's /FMT: '/' [count] then at most one format and one size letter. */
static bool is_xp_format(const char *s)
{
	bool fmt = false, size = false;

	if (*s++ != '/')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	for (; *s; s++) {
		if (strchr("xduoc", *s) && !fmt)
			fmt = true;
		else if (strchr("bhwg", *s) && !size)
			size = true;
		else
			return false;
	}
	return true;
}

bool qmp_hmp_allowed(const char *cmdline)
{
	char buf[256], *tok[MAX_TOKENS];
	int n;

	if (!cmdline || !tokenize(cmdline, buf, sizeof(buf), tok, &n))
		return false;
	if (!strcmp(tok[0], "xp")) {
		if (n == 2)
			return tok[1][0] != '/' && is_number(tok[1]);
		return n == 3 && is_xp_format(tok[1]) && is_number(tok[2]);
	}
	if (!strcmp(tok[0], "gpa2hva"))
		return n == 2 && is_number(tok[1]);
	if (strcmp(tok[0], "info") || n < 2)
		return false;
	if (!strcmp(tok[1], "pci") || !strcmp(tok[1], "qtree") ||
	    !strcmp(tok[1], "status") || !strcmp(tok[1], "version"))
		return n == 2;
	if (!strcmp(tok[1], "mtree")) {
		for (int i = 2; i < n; i++) {
			const char *f = tok[i];

			if (f[0] != '-' || !f[1] || strspn(f + 1, "fdoD") != strlen(f + 1))
				return false;
		}
		return true;
	}
	return false;
}

int qmp_check_allowed(const char *cmd, struct json_object *args,
		      char *why, size_t whylen)
{
	char q[96];
	bool known = false;

	if (!cmd) {
		errf(why, whylen, "refused: (null) is not read-only");
		return -EPERM;
	}
	for (size_t i = 0; i < sizeof(qmp_allowed) / sizeof(qmp_allowed[0]); i++)
		if (!strcmp(cmd, qmp_allowed[i]))
			known = true;
	if (!known) {
		quote(q, sizeof(q), cmd, strlen(cmd));
		errf(why, whylen, "refused: %s is not read-only", q);
		return -EPERM;
	}
	if (args && !json_object_is_type(args, json_type_object)) {
		errf(why, whylen, "refused: %s with non-object arguments", cmd);
		return -EPERM;
	}
	if (strcmp(cmd, "human-monitor-command"))
		return 0;

	/* HMP: only "command-line" (and "cpu-index"), and the line allowlisted */
	struct json_object *line = NULL;

	if (!args || !json_object_object_get_ex(args, "command-line", &line) ||
	    !json_object_is_type(line, json_type_string)) {
		errf(why, whylen, "refused: human-monitor-command without a command line");
		return -EPERM;
	}
	json_object_object_foreach(args, key, val) {
		if (!strcmp(key, "command-line"))
			continue;
		if (!strcmp(key, "cpu-index") && json_object_is_type(val, json_type_int))
			continue;
		quote(q, sizeof(q), key, strlen(key));
		errf(why, whylen, "refused: human-monitor-command argument %s", q);
		return -EPERM;
	}
	const char *s = json_object_get_string(line);

	if (strlen(s) != (size_t)json_object_get_string_len(line) ||
	    !qmp_hmp_allowed(s)) {
		quote(q, sizeof(q), s, strlen(s));
		errf(why, whylen, "refused: %s is not read-only", q);
		return -EPERM;
	}
	return 0;
}

int monitor_error(struct vtd_source *src, const char *cmd,
		  struct json_object *err)
{
	struct json_object *c = NULL, *d = NULL;
	const char *cls = "?", *desc = "?";

	if (json_object_object_get_ex(err, "class", &c) &&
	    json_object_is_type(c, json_type_string))
		cls = json_object_get_string(c);
	if (json_object_object_get_ex(err, "desc", &d) &&
	    json_object_is_type(d, json_type_string))
		desc = json_object_get_string(d);
	source_set_error(src, "QMP %s: %s: %s", cmd, cls, desc);
	if (!strcmp(cls, "CommandNotFound"))
		return -ENOSYS;
	if (!strcmp(cls, "DeviceNotFound"))
		return -ENODEV;
	return -EIO;
}

int monitor_hmp(struct vtd_source *src,
		int (*monitor)(struct vtd_source *src, const char *cmd,
			       struct json_object *args,
			       struct json_object **ret),
		const char *cmdline, char **out)
{
	struct json_object *args = json_object_new_object(), *ret = NULL;
	int rc;

	*out = NULL;
	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "command-line", json_object_new_string(cmdline));
	rc = monitor(src, "human-monitor-command", args, &ret);
	json_object_put(args);
	if (rc)
		return rc;
	if (!json_object_is_type(ret, json_type_string)) {
		json_object_put(ret);
		source_set_error(src, "QMP: %s: reply is not a string", cmdline);
		return -EPROTO;
	}
	*out = strdup(json_object_get_string(ret));
	json_object_put(ret);
	return *out ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* Line iteration over HMP text ("\r\n" or "\n" endings)                    */

struct lines {
	const char *p;
};

/* Next line as [*s, *s + *n), without its ending; false at the end. */
static bool next_line(struct lines *it, const char **s, size_t *n)
{
	const char *p = it->p, *e;

	if (!*p)
		return false;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	*s = p;
	*n = e - p;
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	it->p = *e ? e + 1 : e;
	return true;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* ------------------------------------------------------------------------ */
/* xp                                                                       */

int qmp_parse_xp(const char *text, uint64_t addr, unsigned width, size_t count,
		 uint64_t *vals, char *err, size_t errlen)
{
	unsigned bytes = width / 8, per_line;
	struct lines it = { text };
	uint64_t line_addr = addr;
	size_t done = 0, n;
	const char *s;
	char q[80];

	if ((width != 32 && width != 64) || !text || count == 0) {
		errf(err, errlen, "xp: bad request");
		return -EINVAL;
	}
	if (count > (UINT64_MAX - addr) / bytes + 1) {
		errf(err, errlen, "xp: range wraps");
		return -EINVAL;
	}
	per_line = 16 / bytes;
	while (done < count) {
		const char *p, *e;
		uint64_t a, v;
		size_t want;

		if (!next_line(&it, &s, &n)) {
			errf(err, errlen, "xp 0x%" PRIx64 ": output truncated after %zu of %zu values",
			       addr, done, count);
			return -EPROTO;
		}
		p = s;
		e = s + n;
		if (!parse_hex(&p, 16, &a) || p >= e || *p != ':') {
			quote(q, sizeof(q), s, n);
			errf(err, errlen, "xp 0x%" PRIx64 ": unexpected output \"%s\"", addr, q);
			return -EPROTO;
		}
		if (a != line_addr) {
			errf(err, errlen, "xp 0x%" PRIx64 ": line at 0x%" PRIx64 ", expected 0x%" PRIx64,
			       addr, a, line_addr);
			return -EPROTO;
		}
		p++;
		if ((size_t)(e - p) == strlen(" Cannot access memory") &&
		    !memcmp(p, " Cannot access memory", e - p)) {
			errf(err, errlen, "xp: cannot access guest memory at 0x%" PRIx64, a);
			return -EFAULT;
		}
		want = count - done < per_line ? count - done : per_line;
		for (size_t i = 0; i < want; i++) {
			if (e - p < 4 || memcmp(p, " 0x", 3)) {
				errf(err, errlen, "xp 0x%" PRIx64 ": line 0x%" PRIx64 " has %zu values, expected %zu",
				       addr, a, i, want);
				return -EPROTO;
			}
			p += 3;
			if (!parse_hex(&p, bytes * 2, &v) || (p < e && *p != ' ')) {
				quote(q, sizeof(q), s, n);
				errf(err, errlen, "xp 0x%" PRIx64 ": bad value in \"%s\"", addr, q);
				return -EPROTO;
			}
			vals[done + i] = v;
		}
		if (p != e) {
			quote(q, sizeof(q), s, n);
			errf(err, errlen, "xp 0x%" PRIx64 ": unexpected text in \"%s\"", addr, q);
			return -EPROTO;
		}
		done += want;
		line_addr += (uint64_t)want * bytes;
	}
	while (next_line(&it, &s, &n)) {
		if (!blank(s, n)) {
			quote(q, sizeof(q), s, n);
			errf(err, errlen, "xp 0x%" PRIx64 ": trailing output \"%s\"", addr, q);
			return -EPROTO;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* info mtree -f                                                            */

struct mtree_line {
	uint64_t start, end, offset;
	const char *type, *name;
	size_t typelen, namelen;
	bool dev_owned;		/* -o: "owner:{dev ...}", a device's BAR */
};

/* "  START-END (prio P, TYPE): NAME[ @OFFSET]..." -> 1, not a range -> 0, bad -> -1 */
static int parse_range_line(const char *s, size_t n, struct mtree_line *l)
{
	const char *p = s, *e = s + n, *q;

	while (p < e && *p == ' ')
		p++;
	if (p == e || hexval(*p) < 0)
		return 0;
	if (!parse_hex(&p, 16, &l->start) || p >= e || *p++ != '-' ||
	    !parse_hex(&p, 16, &l->end) || l->end < l->start)
		return -1;
	if (e - p < 7 || memcmp(p, " (prio ", 7))
		return -1;
	p += 7;
	if (p < e && *p == '-')
		p++;
	if (p == e || *p < '0' || *p > '9')
		return -1;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (e - p < 2 || memcmp(p, ", ", 2))
		return -1;
	p += 2;
	for (q = p; q < e && *q != ')'; q++)
		;
	if (e - q < 3 || memcmp(q, "): ", 3) || q == p)
		return -1;
	l->type = p;
	l->typelen = q - p;
	p = q + 3;
	l->name = p;
	l->offset = 0;
	l->dev_owned = false;
	/* the name runs to " @HEX" (offset in region), " owner:{", " parent:{"
	 * (with -o) or to the end */
	for (q = p; q < e; q++) {
		const char *h = q + 2;
		uint64_t off;

		if (e - q >= 3 && q[0] == ' ' && q[1] == '@' &&
		    parse_hex(&h, 16, &off) && (h == e || *h == ' ')) {
			l->offset = off;
			break;
		}
		if ((e - q >= 8 && !memcmp(q, " owner:{", 8)) ||
		    (e - q >= 9 && !memcmp(q, " parent:{", 9)))
			break;
	}
	l->namelen = q - p;
	for (; q + 12 <= e; q++)
		if (!memcmp(q, " owner:{dev ", 12))
			l->dev_owned = true;
	return l->namelen ? 1 : -1;
}

static bool token_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(s, word, n);
}

static int piece_cmp(const void *a, const void *b)
{
	const struct qmp_ram_piece *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One RAM line of the flat view appended to *v (of *cnt). */
static int append_piece(struct qmp_ram_piece **v, size_t *cnt,
			const struct mtree_line *l, char *err, size_t errlen)
{
	struct qmp_ram_piece *pc;
	char q[96];

	if (l->start == 0 && l->end == UINT64_MAX) {
		errf(err, errlen, "info mtree -f: RAM covering all of memory");
		return -EPROTO;
	}
	if (l->namelen >= sizeof(pc->name)) {
		quote(q, sizeof(q), l->name, l->namelen);
		errf(err, errlen, "info mtree -f: RAM region name too long: \"%s\"", q);
		return -EPROTO;
	}
	if (*cnt >= SOURCE_MAX_RAM_RANGES) {
		errf(err, errlen, "info mtree -f: more than %u RAM pieces",
		     SOURCE_MAX_RAM_RANGES);
		return -E2BIG;
	}
	pc = array_append(v, cnt, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	pc->start = l->start;
	pc->size = l->end - l->start + 1;
	pc->offset = l->offset;
	memcpy(pc->name, l->name, l->namelen);
	return 0;
}

int qmp_parse_mtree_flat(const char *text, struct qmp_ram_piece **pieces,
			 size_t *nr, struct qmp_mmio_region *iommu,
			 char *err, size_t errlen)
{
	struct lines it = { text };
	struct qmp_ram_piece *v = NULL;
	bool in_memory = false, seen = false;
	size_t cnt = 0, n;
	const char *s;
	char q[96];

	*pieces = NULL;
	*nr = 0;
	memset(iommu, 0, sizeof(*iommu));
	if (!text) {
		errf(err, errlen, "info mtree -f: no output");
		return -EPROTO;
	}
	while (next_line(&it, &s, &n)) {
		struct mtree_line l;
		int rc;

		if (n >= 10 && !memcmp(s, "FlatView #", 10)) {
			if (in_memory)
				break;	/* done with the view of "memory" */
			continue;
		}
		if (n > 5 && !memcmp(s, " AS \"", 5)) {
			const char *name = s + 5, *qe = memchr(name, '"', n - 5);

			if (qe && token_is(name, qe - name, "memory"))
				in_memory = seen = true;
			continue;
		}
		if (!in_memory)
			continue;
		rc = parse_range_line(s, n, &l);
		if (rc == 0)
			continue;
		if (rc < 0) {
			quote(q, sizeof(q), s, n);
			errf(err, errlen, "info mtree -f: cannot parse \"%s\"", q);
			free(v);
			return -EPROTO;
		}
		if (token_is(l.name, l.namelen, "intel_iommu") && !iommu->found &&
		    l.offset <= l.start) {
			iommu->found = true;
			iommu->base = l.start - l.offset;
			iommu->size = l.end - iommu->base + 1;	/* 0: all of memory */
		}
		if ((!token_is(l.type, l.typelen, "ram") &&
		     !token_is(l.type, l.typelen, "nv-ram")) || l.dev_owned)
			continue;
		rc = append_piece(&v, &cnt, &l, err, errlen);
		if (rc) {
			free(v);
			return rc;
		}
	}
	if (!seen) {
		errf(err, errlen, "info mtree -f: no flat view of address space \"memory\"");
		free(v);
		return -EPROTO;
	}
	if (!cnt) {
		errf(err, errlen, "info mtree -f: no RAM in address space \"memory\"");
		return -EPROTO;
	}
	qsort(v, cnt, sizeof(*v), piece_cmp);
	for (size_t i = 1; i < cnt; i++) {
		if (v[i].start < v[i - 1].start + v[i - 1].size) {
			errf(err, errlen, "info mtree -f: RAM pieces overlap at 0x%" PRIx64,
			       v[i].start);
			free(v);
			return -EPROTO;
		}
	}
	*pieces = v;
	*nr = cnt;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* gpa2hva                                                                  */

int qmp_parse_gpa2hva(const char *text, uint64_t gpa, uint64_t *hva,
		      char *name, size_t namelen, char *err, size_t errlen)
{
	static const char pfx[] = "Host virtual address for 0x";
	struct lines it = { text ? text : "" };
	const char *s, *p, *e, *is = NULL;
	uint64_t a, h;
	size_t n;
	char q[96];

	if (!next_line(&it, &s, &n)) {
		errf(err, errlen, "gpa2hva 0x%" PRIx64 ": no output", gpa);
		return -EPROTO;
	}
	quote(q, sizeof(q), s, n);
	p = s;
	e = s + n;
	if (n < sizeof(pfx) - 1 || memcmp(s, pfx, sizeof(pfx) - 1)) {
		if ((n >= 10 && !memcmp(s, "Memory at ", 10)) ||
		    (n >= 20 && !memcmp(s, "No memory is mapped ", 20))) {
			errf(err, errlen, "gpa2hva 0x%" PRIx64 ": %s", gpa, q);
			return -EFAULT;
		}
		errf(err, errlen, "gpa2hva 0x%" PRIx64 ": unexpected output \"%s\"", gpa, q);
		return -EPROTO;
	}
	p += sizeof(pfx) - 1;
	if (!parse_hex(&p, 16, &a) || a != gpa || e - p < 2 || memcmp(p, " (", 2))
		goto bad;
	p += 2;
	/* the name may hold anything; the last ") is 0x" ends it */
	for (const char *t = p; t + 7 <= e; t++)
		if (!memcmp(t, ") is 0x", 7))
			is = t;
	if (!is)
		goto bad;
	if ((size_t)(is - p) >= namelen)
		goto bad;
	memcpy(name, p, is - p);
	name[is - p] = 0;
	p = is + 7;
	if (!parse_hex(&p, 16, &h) || p != e)
		goto bad;
	while (next_line(&it, &s, &n))
		if (!blank(s, n))
			goto bad;
	*hva = h;
	return 0;
bad:
	errf(err, errlen, "gpa2hva 0x%" PRIx64 ": unexpected output \"%s\"", gpa, q);
	return -EPROTO;
}
