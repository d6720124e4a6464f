// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: JSON renderer. 64-bit values are "0x..." strings (JSON numbers lose
 * precision past 2^53); small integers are numbers; null means "not known
 * from this source". The keys are the contract in DESIGN.md and the README.
 */
#define _GNU_SOURCE	/* fwrite_unlocked */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "walker/mappings.h"

/* A 64-bit value as "0x..." (JSON numbers lose precision past 2^53). */
struct json_object *json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *hex_array(const uint64_t *v, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_hex(v[i]));
	return a;
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	add(o, k, json_object_new_boolean(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	add(o, k, json_object_new_int64(v));
}

static const char *rtaddr_origin_name(enum vtd_rtaddr_origin o)
{
	switch (o) {
	case VTD_RTADDR_REGISTER: return "register";
	case VTD_RTADDR_USER:	  return "user";
	case VTD_RTADDR_SCAN:	  return "scan";
	case VTD_RTADDR_RECORDED: return "recorded";
	default:		  return "none";
	}
}

struct json_object *json_source_info(const struct vtd_model_source *s)
{
	struct json_object *o = json_object_new_object();

	add(o, "kind", json_object_new_string(s->kind));
	add(o, "target", json_object_new_string(s->target));
	add(o, "access", json_object_new_string(s->access));
	if (s->format[0])	/* dumps only */
		add(o, "format", json_object_new_string(s->format));
	if (s->pages_left_out)	/* kdump files that left pages out */
		add(o, "pages_left_out", json_object_new_int64((int64_t)s->pages_left_out));
	if (s->access_why[0])	/* live sources that read guest RAM */
		add(o, "access_why", json_object_new_string(s->access_why));
	return o;
}

static struct json_object *json_source(const struct vtd_model *m)
{
	struct json_object *o = json_source_info(&m->source);

	add(o, "vmm", vtd_vmm_json(&m->vmm));
	return o;
}

struct json_object *json_iommu(const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();
	const struct vtd_regs *r = &m->regs;
	struct json_object *scan;

	add(o, "base", r->valid ? json_hex(m->mmio_base) : NULL);
	add(o, "ver", r->valid ? json_hex(r->ver) : NULL);
	add(o, "cap", r->valid ? json_hex(r->cap) : NULL);
	add(o, "ecap", r->valid ? json_hex(r->ecap) : NULL);
	add(o, "gsts", r->valid ? json_hex(r->gsts) : NULL);
	add(o, "rtaddr", m->rtaddr_origin == VTD_RTADDR_NONE ? NULL :
	    json_hex(m->rtaddr.raw));
	add(o, "rtaddr_origin",
	    json_object_new_string(rtaddr_origin_name(m->rtaddr_origin)));
	add(o, "mode", m->rtaddr_origin == VTD_RTADDR_NONE ? NULL :
	    json_object_new_string(vtd_mode_name(m->rtaddr.mode)));
	add(o, "translation_enabled", r->valid ?
	    json_object_new_boolean(r->gsts & VTD_GSTS_TES) : NULL);
	if (m->rtaddr_origin == VTD_RTADDR_SCAN) {
		scan = json_object_new_object();
		add_int(scan, "candidates", m->scan.candidates);
		add_int(scan, "score", m->scan.score);
		add_int(scan, "runner_up", m->scan.runner_up);
		add(scan, "confidence",
		    json_object_new_string(m->scan.confidence));
		add(o, "scan", scan);
	}
	return o;
}

static struct json_object *json_ctx_legacy(const struct vtd_ctx_legacy *c)
{
	struct json_object *o = json_object_new_object();

	add(o, "raw", hex_array(c->raw, 2));
	add_bool(o, "present", c->p);
	add_bool(o, "fpd", c->fpd);
	add_int(o, "tt", c->tt);
	add_int(o, "did", c->did);
	add_int(o, "aw", c->aw);
	add(o, "slptptr", json_hex(c->slptptr));
	return o;
}

static struct json_object *json_ctx_sm(const struct vtd_ctx_sm *c)
{
	struct json_object *o = json_object_new_object();

	add(o, "raw", hex_array(c->raw, 4));
	add_bool(o, "present", c->p);
	add_bool(o, "fpd", c->fpd);
	add_bool(o, "dte", c->dte);
	add_bool(o, "paside", c->paside);
	add_bool(o, "pre", c->pre);
	add_int(o, "pdts", c->pdts);
	add_int(o, "pasid_dir_entries", vtd_pdts_entries(c->pdts));
	add(o, "pasid_dir", json_hex(c->pasid_dir));
	add_int(o, "rid_pasid", c->rid_pasid);
	return o;
}

/* The device's members before "pasids" ... */
static struct json_object *json_device_head(const struct vtd_model *m,
					    const struct vtd_device *d)
{
	struct json_object *o = json_object_new_object();
	char bdf[8];

	fmt_bdf(bdf, d->bus, d->devfn);
	add(o, "bdf", json_object_new_string(bdf));
	add_int(o, "bus", d->bus);
	add_int(o, "devfn", d->devfn);
	add(o, "context_entry", json_hex(d->ctx_gpa));
	add(o, "context", d->scalable ? json_ctx_sm(&d->ctx.sm) :
	    json_ctx_legacy(&d->ctx.leg));
	if (d->scalable) {
		const struct vtd_device *f = d->dir_shared_with >= 0 ?
			&m->devices[d->dir_shared_with] : NULL;

		if (f)
			fmt_bdf(bdf, f->bus, f->devfn);
		add(o, "pasid_dir_shared_with",
		    f ? json_object_new_string(bdf) : NULL);
	}
	return o;
}

/* ... and after it. */
static struct json_object *json_device_tail(const struct vtd_model *m,
					    const struct vtd_device *d)
{
	struct json_object *o = json_object_new_object();

	add(o, "host", host_json_device(m->host, d));
	add_int(o, "finding_count", d->nr_findings);
	add_int(o, "pending_faults", d->nr_faults);
	return o;
}

struct json_object *json_finding(const struct vtd_finding *f)
{
	struct json_object *o = json_object_new_object();
	char bdf[8];

	add(o, "severity", json_object_new_string(vtd_severity_name(f->sev)));
	add(o, "code", json_object_new_string(f->code));
	if (f->bus != VTD_NO_BDF && f->devfn != VTD_NO_BDF) {
		fmt_bdf(bdf, f->bus, f->devfn);
		add(o, "bdf", json_object_new_string(bdf));
	} else {
		add(o, "bdf", NULL);
	}
	add(o, "pasid", f->pasid == VTD_NO_PASID ? NULL :
	    json_object_new_int64(f->pasid));
	add(o, "address", f->gpa ? json_hex(f->gpa) : NULL);
	add(o, "message", json_object_new_string(f->message));
	if (f->more)
		add_int(o, "more", (int64_t)f->more);
	return o;
}

struct json_object *json_findings(const struct vtd_model *m)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->nr_findings; i++)
		json_object_array_add(a, json_finding(&m->findings[i]));
	return a;
}

void json_print(FILE *f, struct json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY |
			      JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);

	fprintf(f, "%s\n", json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}

/*
 * Streaming: `dump` of a guest with 2^20 PASIDs would build a tree of
 * millions of objects; instead each PASID is built, printed and freed.
 */
struct jstream {
	FILE *f;
	bool pretty;
	const struct vtd_pages *pages;	/* --pages: where mappings come from */
	struct out_limits *limits;	/* NULL: no output budget */
	char *no_host;			/* the "host" text of every PASID when
					 * the host side is unknown (one for all) */
	char buf[1 << 14];		/* what js_puts() has not written yet */
	size_t len;
	int depth;
	bool first;	/* no member printed yet at this depth */
};

/* The hot path writes 2^20 PASID entries: no printf, no per-char locking
 * (the stream is locked once for the whole dump). */
static void js_flush(struct jstream *js)
{
	fwrite_unlocked(js->buf, 1, js->len, js->f);
	js->len = 0;
}

static void js_puts(struct jstream *js, const char *s, size_t n)
{
	if (js->len + n > sizeof(js->buf)) {
		js_flush(js);
		if (n > sizeof(js->buf)) {
			fwrite_unlocked(s, 1, n, js->f);
			return;
		}
	}
	memcpy(js->buf + js->len, s, n);
	js->len += n;
}

static void js_putc(struct jstream *js, char c)
{
	if (js->len == sizeof(js->buf))
		js_flush(js);
	js->buf[js->len++] = c;
}

static void js_indent(struct jstream *js, int depth)
{
	static const char spaces[] = "                                ";
	size_t n = 2 * (size_t)depth;

	for (; n > sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		js_puts(js, spaces, sizeof(spaces) - 1);
	js_puts(js, spaces, n);
}

static void js_newline(struct jstream *js)
{
	if (!js->pretty)
		return;
	js_putc(js, '\n');
	js_indent(js, js->depth);
}

/* A value, re-indented to the current depth. */
static void js_value(struct jstream *js, struct json_object *v)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (js->pretty ? JSON_C_TO_STRING_PRETTY |
				  JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
	const char *text = json_object_to_json_string_ext(v, flags);
	const char *nl;

	while (js->pretty && (nl = strchr(text, '\n'))) {
		js_puts(js, text, nl + 1 - text);
		js_indent(js, js->depth);
		text = nl + 1;
	}
	js_puts(js, text, strlen(text));
}

static void js_sep(struct jstream *js)
{
	if (!js->first)
		js_putc(js, ',');
	js->first = false;
	js_newline(js);
}

/* "key": (keys are the program's own: nothing to escape) */
static void js_keytext(struct jstream *js, const char *key)
{
	js_putc(js, '"');
	js_puts(js, key, strlen(key));
	js_puts(js, js->pretty ? "\": " : "\":", js->pretty ? 3 : 2);
}

static void js_open(struct jstream *js, const char *key, char bracket)
{
	js_sep(js);
	if (key)
		js_keytext(js, key);
	js_putc(js, bracket);
	js->depth++;
	js->first = true;
}

static void js_close(struct jstream *js, char bracket)
{
	js->depth--;
	if (!js->first)
		js_newline(js);
	js_putc(js, bracket);
	js->first = false;
}

/* Every member of obj as a member of the open object; drops obj. */
static void js_members(struct jstream *js, struct json_object *obj)
{
	json_object_object_foreach(obj, k, v) {
		js_sep(js);
		js_keytext(js, k);
		js_value(js, v);
	}
	json_object_put(obj);
}

static void js_key(struct jstream *js, const char *key)
{
	js_sep(js);
	js_keytext(js, key);
}

/* "0x..." with its quotes */
static void js_hexval(struct jstream *js, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '"';
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	js_puts(js, p, buf + sizeof(buf) - p);
}

static void js_hex(struct jstream *js, const char *key, uint64_t v)
{
	js_key(js, key);
	js_hexval(js, v);
}

static void js_int(struct jstream *js, const char *key, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	js_key(js, key);
	do {
		*--p = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	js_puts(js, p, buf + sizeof(buf) - p);
}

static void js_bool(struct jstream *js, const char *key, bool v)
{
	js_key(js, key);
	js_puts(js, v ? "true" : "false", v ? 4 : 5);
}

static void js_str(struct jstream *js, const char *key, const char *v)
{
	js_key(js, key);
	js_putc(js, '"');
	js_puts(js, v, strlen(v));
	js_putc(js, '"');
}

static bool js_over(struct jstream *js)
{
	/* what the buffers hold is counted late: by 80 KiB at most */
	return js->limits && out_over(js->limits);
}

/* --pages: "mappings" of a PASID or legacy device, streamed range by range
 * (a walk may list 2^20 of them). */
static void stream_mappings(struct jstream *js, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p)
{
	struct vtd_mappings mp;
	const char *nw, *why = "";
	int err = js->pages->read(js->pages, d, p, &mp, &why);

	js_open(js, "mappings", '{');
	js_open(js, "ranges", '[');
	for (size_t i = 0; !err && i < mp.nr_ranges; i++) {
		const struct vtd_map_range *r = &mp.ranges[i];

		if (js_over(js)) {
			js->limits->skipped += mp.nr_ranges - i;
			break;
		}
		js_open(js, NULL, '{');
		js_hex(js, "iova", r->iova);
		js_hex(js, "gpa", r->gpa);
		js_hex(js, "size", r->size);
		js_bool(js, "read", r->read);
		js_bool(js, "write", r->write);
		js_close(js, '}');
	}
	js_close(js, ']');
	js_bool(js, "truncated", err ? true : mp.truncated);
	nw = err ? NULL : vtd_map_not_walked_name(mp.not_walked);
	if (nw) {
		js_str(js, "not_walked", nw);
	} else {
		js_key(js, "not_walked");
		js_puts(js, "null", 4);
	}
	js_int(js, "bad_pointers", err ? 0 : (int64_t)mp.bad_pointers);
	js_int(js, "not_recorded", err ? 0 : (int64_t)mp.not_recorded);
	js_int(js, "shared_tables", err ? 0 : (int64_t)mp.shared);
	if (err) {
		struct json_object *w = json_object_new_string(why);

		js_key(js, "error");
		js_value(js, w);
		json_object_put(w);
	} else {
		vtd_mappings_free(&mp);
	}
	js_close(js, '}');
}

/* One PASID entry, written without building objects: the hot path of a
 * big dump. */
static void stream_pasid(struct jstream *js, const struct vtd_model *m,
			 const struct vtd_device *d,
			 const struct vtd_pasid_rec *p)
{
	struct vtd_pasid_entry ent;
	const struct vtd_pasid_entry *e = vtd_pasid_decode(p, &ent);
	struct json_object *host;
	char name[24];

	js_open(js, NULL, '{');
	js_int(js, "pasid", p->pasid);
	js_int(js, "did", e->did);
	js_str(js, "pgtt", vtd_pgtt_name(e->pgtt, name, sizeof(name)));
	js_int(js, "aw", e->aw);
	js_hex(js, "slptptr", e->slptptr);
	js_hex(js, "flptptr", e->flptptr);
	js_int(js, "flpm", e->flpm);
	js_bool(js, "fpd", e->fpd);
	js_bool(js, "ssade", e->ssade);
	js_bool(js, "pwsnp", e->pwsnp);
	js_bool(js, "pgsnp", e->pgsnp);
	js_bool(js, "sre", e->sre);
	js_bool(js, "wpe", e->wpe);
	js_bool(js, "eafe", e->eafe);
	js_hex(js, "entry", p->gpa);
	js_open(js, "raw", '[');
	for (int i = 0; i < 8; i++) {
		js_sep(js);
		js_hexval(js, e->raw[i]);
	}
	js_close(js, ']');
	js_key(js, "host");
	if (js->no_host && !m->host) {
		js_puts(js, js->no_host, strlen(js->no_host));
	} else {
		host = host_json_pasid(m->host, d, p);
		js_value(js, host);
		json_object_put(host);
	}
	if (js->pages)
		stream_mappings(js, d, p);
	js_close(js, '}');
}

static void stream_device(struct jstream *js, const struct vtd_model *m,
			  const struct vtd_device *d)
{
	js_open(js, NULL, '{');
	js_members(js, json_device_head(m, d));
	if (d->scalable) {
		js_open(js, "pasids", '[');
		for (size_t i = 0; i < d->nr_pasids; i++) {
			if (js_over(js)) {
				js->limits->skipped += d->nr_pasids - i;
				break;
			}
			stream_pasid(js, m, d, &d->pasids[i]);
		}
		js_close(js, ']');
	}
	js_members(js, json_device_tail(m, d));
	if (js->pages && !d->scalable)
		stream_mappings(js, d, NULL);
	js_close(js, '}');
}

/* "findings": the model's, then what the output and --pages cut short;
 * one finding object at a time. Returns how many were added. key:
 * "findings", or "late_findings" after streamed ones (only when any). */
static int stream_findings(struct jstream *js, const struct vtd_model *m,
			   const char *key)
{
	struct vtd_finding late[2];
	size_t nl = js->limits ? out_late_findings(js->limits, js->pages, late) : 0;

	if (!m->nr_findings && !nl) {	/* as json-c prints an empty one */
		struct json_object *a = json_object_new_array();

		if (strcmp(key, "findings")) {
			json_object_put(a);
			return 0;
		}
		js_key(js, key);
		js_value(js, a);
		json_object_put(a);
		return 0;
	}
	js_open(js, key, '[');
	for (size_t i = 0; i < m->nr_findings + nl; i++) {
		struct json_object *o = json_finding(i < m->nr_findings ?
						     &m->findings[i] :
						     &late[i - m->nr_findings]);

		js_sep(js);
		js_value(js, o);
		json_object_put(o);
	}
	js_close(js, ']');
	return (int)nl;
}

/* With no host side, a PASID's "host" is the same for every PASID (each
 * fact unknown): its text at the depth of a PASID's members, or NULL. */
static char *unknown_host_text(struct jstream *js, const struct vtd_model *m)
{
	struct jstream sub = { .pretty = js->pretty, .depth = js->depth + 3 };
	char *text = NULL;
	size_t len = 0;
	struct json_object *h;
	size_t d;

	for (d = 0; d < m->nr_devices && !m->devices[d].nr_pasids; d++)
		;
	if (d == m->nr_devices)
		return NULL;
	sub.f = open_memstream(&text, &len);
	if (!sub.f)
		return NULL;
	h = host_json_pasid(NULL, &m->devices[d], &m->devices[d].pasids[0]);
	js_value(&sub, h);
	json_object_put(h);
	js_flush(&sub);
	if (fclose(sub.f)) {
		free(text);
		return NULL;
	}
	return text;
}

int json_dump_stream(FILE *out, const struct vtd_model *m,
		     const struct out_opts *o, const struct vtd_pages *pages,
		     const struct out_stream *s)
{
	struct out_limits l;
	FILE *f = out_limits_open(&l, out, o->max_output);
	struct jstream js = { .f = f, .pretty = o->pretty, .first = true,
			      .pages = pages, .limits = &l };
	struct json_object *top = json_object_new_object();
	int late;

	flockfile(f);
	if (s)		/* the object is open, its "findings" printed */
		js.first = false;
	else
		js_putc(&js, '{');
	js.depth = 1;
	add(top, "source", json_source(m));
	add(top, "iommu", json_iommu(m));
	js_members(&js, top);
	js_open(&js, "devices", '[');
	if (!m->host)
		js.no_host = unknown_host_text(&js, m);
	for (size_t i = 0; i < m->nr_devices; i++) {
		if (js_over(&js)) {
			l.skipped += 1 + m->devices[i].nr_pasids;
			continue;
		}
		stream_device(&js, m, &m->devices[i]);
	}
	js_close(&js, ']');
	late = stream_findings(&js, m, s ? "late_findings" : "findings");
	js.depth = 0;
	js_newline(&js);
	js_puts(&js, "}\n", 2);
	js_flush(&js);
	free(js.no_host);
	funlockfile(f);
	out_limits_close(&l);
	return late;
}

struct json_object *json_device_object(const struct vtd_model *m,
				       const struct vtd_device *d)
{
	struct json_object *o = json_device_head(m, d);
	struct json_object *tail = json_device_tail(m, d);

	json_object_object_foreach(tail, k, v)
		add(o, k, json_object_get(v));
	json_object_put(tail);
	return o;
}

struct json_object *json_pasid_object(const struct vtd_model *m,
				      const struct vtd_device *d,
				      const struct vtd_pasid_rec *p)
{
	struct json_object *o = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jstream js = { .f = f, .first = true };

	if (!f)
		return NULL;
	stream_pasid(&js, m, d, p);
	js_flush(&js);
	if (!fclose(f))
		o = json_tokener_parse(text);
	free(text);
	return o;
}
