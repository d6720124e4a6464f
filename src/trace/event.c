// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: trace events: their names, their JSON form in a trace line
 * (docs/trace-format.md), and user times (--at, --since).
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/array.h"
#include "trace/trace.h"
#include "trace/trace_int.h"

static const char *const kind_names[TEV_NR_KINDS] = {
	[TEV_START] = "start",
	[TEV_GAP] = "gap",
	[TEV_RESTART] = "restart",
	[TEV_REG] = "register",
	[TEV_CONTEXT_ADD] = "context-add",
	[TEV_CONTEXT_CHANGE] = "context-change",
	[TEV_CONTEXT_REMOVE] = "context-remove",
	[TEV_PASID_ADD] = "pasid-add",
	[TEV_PASID_CHANGE] = "pasid-change",
	[TEV_PASID_REMOVE] = "pasid-remove",
	[TEV_AS_ADD] = "as-add",
	[TEV_AS_REMOVE] = "as-remove",
	[TEV_BIND_ADD] = "bind-add",
	[TEV_BIND_REMOVE] = "bind-remove",
	[TEV_INV_DESC] = "inv-desc",
	[TEV_IQ_LOST] = "iq-lost",
	[TEV_FAULT] = "fault",
	[TEV_FINDING_ADD] = "finding-add",
	[TEV_FINDING_REMOVE] = "finding-remove",
	[TEV_KEYFRAME] = "keyframe",
};

const char *trace_event_kind_name(enum trace_event_kind k)
{
	return (unsigned)k < TEV_NR_KINDS ? kind_names[k] : "unknown";
}

static int kind_of(const char *name)
{
	for (int k = 0; k < TEV_NR_KINDS; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return -1;
}

void trace_events_free(struct trace_events *e)
{
	free(e->ev);
	memset(e, 0, sizeof(*e));
}

struct trace_event *trace_events_add(struct trace_events *e, int64_t t_ms,
				     enum trace_event_kind kind)
{
	struct trace_event *ev;

	if (e->n >= TRACE_MAX_EVENTS ||
	    array_grow(&e->ev, &e->cap, e->n + 1, sizeof(*ev))) {
		e->dropped++;
		return NULL;
	}
	ev = &e->ev[e->n++];
	memset(ev, 0, sizeof(*ev));
	ev->t_ms = ev->t_end_ms = t_ms;
	ev->kind = kind;
	ev->bus = ev->devfn = TRACE_NO_BDF;
	ev->pasid = TRACE_NO_PASID;
	return ev;
}

static struct json_object *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *words(const uint64_t *w, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, hex(w[i]));
	return a;
}

/* Only what the event has: a device, a PASID, words, a count */
struct json_object *trace_event_json(const struct trace_event *ev)
{
	struct json_object *o = json_object_new_object();
	char bdf[16];

	json_object_object_add(o, "kind",
			       json_object_new_string(trace_event_kind_name(ev->kind)));
	if (ev->t_end_ms != ev->t_ms)
		json_object_object_add(o, "t_end", json_object_new_int64(ev->t_end_ms));
	if (ev->bus != TRACE_NO_BDF) {
		snprintf(bdf, sizeof(bdf), "%02x:%02x.%x", ev->bus & 0xff,
			 (ev->devfn >> 3) & 0x1f, ev->devfn & 7);
		json_object_object_add(o, "bdf", json_object_new_string(bdf));
		json_object_object_add(o, "bus", json_object_new_int(ev->bus));
		json_object_object_add(o, "devfn", json_object_new_int(ev->devfn));
	}
	if (ev->pasid != TRACE_NO_PASID)
		json_object_object_add(o, "pasid", json_object_new_int64(ev->pasid));
	if (ev->pasid_case) {
		char c[2] = { ev->pasid_case, 0 };

		json_object_object_add(o, "case", json_object_new_string(c));
	}
	if (ev->nr_words) {
		json_object_object_add(o, "old", words(ev->old, ev->nr_words));
		json_object_object_add(o, "new", words(ev->new_, ev->nr_words));
	}
	if (ev->count)
		json_object_object_add(o, "count", json_object_new_int64((int64_t)ev->count));
	if (ev->code[0])
		json_object_object_add(o, "code", json_object_new_string(ev->code));
	json_object_object_add(o, "text", json_object_new_string(ev->text));
	return o;
}

/* --- reading events back (the line is untrusted) ----------------------- */

static int fail(char *err, size_t errlen, const char *what, size_t i)
{
	snprintf(err, errlen, "events[%zu]: %s", i, what);
	return -EPROTO;
}

static bool get_int(struct json_object *o, const char *k, int64_t lo,
		    int64_t hi, int64_t *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, k, &x))
		return true;
	if (!json_object_is_type(x, json_type_int))
		return false;
	errno = 0;
	*v = json_object_get_int64(x);
	return !errno && *v >= lo && *v <= hi;
}

int trace_parse_hex(struct json_object *v, uint64_t *out)
{
	const char *s;
	size_t n;
	char *end;

	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    n != (size_t)json_object_get_string_len(v))
		return -1;
	for (size_t i = 2; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return -1;
	*out = strtoull(s + 2, &end, 16);
	return 0;
}

static bool get_words(struct json_object *o, const char *k, uint64_t *w,
		      unsigned *n)
{
	struct json_object *a;
	size_t len;

	if (!json_object_object_get_ex(o, k, &a))
		return true;
	if (!json_object_is_type(a, json_type_array) ||
	    (len = json_object_array_length(a)) > 4 || (*n && len != *n))
		return false;
	for (size_t i = 0; i < len; i++)
		if (trace_parse_hex(json_object_array_get_idx(a, i), &w[i]))
			return false;
	*n = (unsigned)len;
	return true;
}

static bool get_text(struct json_object *o, const char *k, char *buf,
		     size_t len)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, k, &x))
		return true;
	if (!json_object_is_type(x, json_type_string) ||
	    (size_t)json_object_get_string_len(x) >= len ||
	    strlen(json_object_get_string(x)) != (size_t)json_object_get_string_len(x))
		return false;
	snprintf(buf, len, "%s", json_object_get_string(x));
	return true;
}

static int event_from_json(struct json_object *o, int64_t t_ms,
			   struct trace_event *ev, size_t i, char *err,
			   size_t errlen)
{
	struct json_object *k, *c;
	int64_t v;
	int kind;

	memset(ev, 0, sizeof(*ev));
	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "not an object", i);
	if (!json_object_object_get_ex(o, "kind", &k) ||
	    !json_object_is_type(k, json_type_string) ||
	    (kind = kind_of(json_object_get_string(k))) < 0)
		return fail(err, errlen, "kind: missing or unknown", i);
	ev->kind = kind;
	ev->t_ms = ev->t_end_ms = t_ms;
	ev->bus = ev->devfn = TRACE_NO_BDF;
	ev->pasid = TRACE_NO_PASID;
	if (!get_int(o, "t_end", t_ms, INT64_MAX, &ev->t_end_ms))
		return fail(err, errlen, "t_end: not a time at or after the line's", i);
	v = TRACE_NO_BDF;
	if (!get_int(o, "bus", 0, 255, &v))
		return fail(err, errlen, "bus: not 0..255", i);
	ev->bus = (int)v;
	v = TRACE_NO_BDF;
	if (!get_int(o, "devfn", 0, 255, &v) || (v == TRACE_NO_BDF) != (ev->bus == TRACE_NO_BDF))
		return fail(err, errlen, "devfn: not 0..255, or without bus", i);
	ev->devfn = (int)v;
	if (!get_int(o, "pasid", 0, (1 << 20) - 1, &ev->pasid))
		return fail(err, errlen, "pasid: not 0..2^20-1", i);
	if (json_object_object_get_ex(o, "case", &c)) {
		const char *s = json_object_get_string(c);

		if (!json_object_is_type(c, json_type_string) || strlen(s) != 1 ||
		    !strchr("abc", s[0]))
			return fail(err, errlen, "case: not \"a\", \"b\" or \"c\"", i);
		ev->pasid_case = s[0];
	}
	if (!get_words(o, "old", ev->old, &ev->nr_words) ||
	    !get_words(o, "new", ev->new_, &ev->nr_words))
		return fail(err, errlen, "old/new: not arrays of the same 0..4 hex words", i);
	v = 0;
	if (!get_int(o, "count", 0, INT64_MAX, &v))
		return fail(err, errlen, "count: not a count", i);
	ev->count = (unsigned long)v;
	if (!get_text(o, "code", ev->code, sizeof(ev->code)) ||
	    !get_text(o, "text", ev->text, sizeof(ev->text)))
		return fail(err, errlen, "code/text: not a short string", i);
	return 0;
}

int trace_events_from_json(struct json_object *line, int64_t t_ms,
			   struct trace_events *out, char *err, size_t errlen)
{
	struct json_object *a;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(line, "events", &a))
		return 0;
	if (!json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) > TRACE_MAX_EVENTS) {
		snprintf(err, errlen, "events: not an array of at most %u", TRACE_MAX_EVENTS);
		return -EPROTO;
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_event *ev = trace_events_add(out, t_ms, TEV_START);

		if (!ev) {
			trace_events_free(out);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		if (event_from_json(json_object_array_get_idx(a, i), t_ms, ev, i,
				    err, errlen)) {
			trace_events_free(out);
			return -EPROTO;
		}
	}
	return 0;
}

/* --- times ------------------------------------------------------------- */

const char *trace_format_time(int64_t t_ms, char *buf, size_t len)
{
	time_t s = (time_t)(t_ms >= 0 ? t_ms / 1000 : (t_ms - 999) / 1000);
	struct tm tm;
	char day[24];

	if (!gmtime_r(&s, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(day, sizeof(day), "?");
	snprintf(buf, len, "%s.%03dZ", day, (int)(t_ms - (int64_t)s * 1000));
	return buf;
}

/* "12", "12.5", with an optional unit s, ms, m, h: milliseconds */
static int parse_span(const char *s, int64_t *ms)
{
	double v, unit = 1000;
	char *end;

	if (!*s || !strchr("0123456789.", *s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		unit = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		unit = 60000;
	else if (!strcmp(end, "h"))
		unit = 3600000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (!(v >= 0) || v * unit > 9.2e15)
		return -EINVAL;
	*ms = (int64_t)(v * unit + 0.5);
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.fff][Z]: UTC whatever the TZ */
static int parse_iso(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int frac = 0, digits = 0, n = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (!digits)
			return -EINVAL;
		for (int d = digits; d < 3; d++)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

int trace_parse_time(const char *s, int64_t base_ms, int64_t *out_ms)
{
	int64_t v;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '+' || *s == '-') {
		if (parse_span(s + 1, &v))
			return -EINVAL;
		*out_ms = *s == '+' ? base_ms + v : base_ms - v;
		return 0;
	}
	if (strchr(s, 'T'))
		return parse_iso(s, out_ms);
	/* unix seconds, maybe with a fraction; no unit */
	if (strpbrk(s, "smh") || parse_span(s, &v))
		return -EINVAL;
	*out_ms = v;
	return 0;
}
