// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl log: a recording's events as text (one aligned line each: time,
 * time since the start, device, PASID, what happened) or JSON (one object,
 * its "events" array written as the events come, so memory does not grow
 * with the trace). The output budget (--max-output) counts the bytes; past
 * it the events are counted, not listed, and the end says how many.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/color.h"
#include "output/wrap.h"
#include "replay/replay.h"

/* The text's columns: TIME 12, SINCE 10, DEVICE 7, PASID 7, EVENT 14,
 * two blanks apart; WHAT from column 60; -v's words from column 14 */
#define LOG_WHAT_COL	60
#define LOG_WORDS_COL	14

/* --- filter ---------------------------------------------------------------- */

static bool has_bdf(const struct trace_event *ev)
{
	return ev->bus >= 0 && ev->bus <= 0xff && ev->devfn >= 0 && ev->devfn <= 0xff;
}

static bool has_pasid(const struct trace_event *ev)
{
	return ev->pasid >= 0 && ev->pasid < (1 << 20);
}

bool replay_event_is_mark(const struct trace_event *ev)
{
	switch (ev->kind) {
	case TEV_START: case TEV_GAP: case TEV_RESTART: case TEV_IQ_LOST:
	case TEV_KEYFRAME:
		return true;
	default:
		return false;
	}
}

static bool in_time(const struct replay_filter *rf, const struct trace_event *ev)
{
	int64_t end = ev->kind == TEV_GAP && ev->t_end_ms > ev->t_ms ? ev->t_end_ms : ev->t_ms;

	return end >= rf->since_ms && ev->t_ms <= rf->until_ms;
}

bool replay_event_matches(const struct replay_filter *rf,
			  const struct trace_event *ev)
{
	if (!in_time(rf, ev))
		return false;
	if (replay_event_is_mark(ev))
		return true;
	if (vtd_filter_has_slot(&rf->f) &&
	    (!has_bdf(ev) || !vtd_filter_bdf(&rf->f, ev->bus, ev->devfn)))
		return false;
	if (rf->f.pasid >= 0 && ev->pasid != rf->f.pasid)
		return false;
	return true;
}

/* --- formatting -------------------------------------------------------------- */

/* The colour of a line: what appeared, went, changed, or went wrong */
static int kind_colour(enum trace_event_kind k)
{
	switch (k) {
	case TEV_START: case TEV_CONTEXT_ADD: case TEV_PASID_ADD:
	case TEV_AS_ADD: case TEV_BIND_ADD:
		return OC_NEW;
	case TEV_CONTEXT_REMOVE: case TEV_PASID_REMOVE: case TEV_AS_REMOVE:
	case TEV_BIND_REMOVE: case TEV_FINDING_REMOVE:
		return OC_GONE;
	case TEV_REG: case TEV_CONTEXT_CHANGE: case TEV_PASID_CHANGE:
		return OC_CHANGED;
	case TEV_FAULT: case TEV_IQ_LOST: case TEV_RESTART:
		return OC_ERROR;
	case TEV_GAP: case TEV_FINDING_ADD:
		return OC_WARNING;
	default:
		return -1;
	}
}

/* The event's text, less what the columns and the case already say: a
 * text naming "(case c): " is shown from after it */
static const char *after_case(const struct trace_event *ev)
{
	char tag[12];
	const char *p;

	if (!replay_case_name(ev->pasid_case))
		return ev->text;
	snprintf(tag, sizeof(tag), "(case %c): ", ev->pasid_case);
	p = strstr(ev->text, tag);
	return p ? p + strlen(tag) : ev->text;
}

/* What the line says after its columns: the case, the counts, the text */
static void detail(char *buf, size_t len, const struct replay_log *lg,
		   const struct trace_event *ev)
{
	char t[32], d[32];
	size_t n = 0;

	buf[0] = 0;
#define ADD(...) do { if (n < len) n += snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	if (replay_case_name(ev->pasid_case))
		ADD("case %c (%s): ", ev->pasid_case, replay_case_name(ev->pasid_case));
	if (ev->kind == TEV_GAP)
		ADD("unreachable until %s (%s): ", replay_fmt_time(t, sizeof(t), ev->t_end_ms),
		    replay_fmt_rel(d, sizeof(d), replay_ms_between(ev->t_ms, ev->t_end_ms)));
	if (ev->kind == TEV_IQ_LOST)
		ADD("%lu descriptor%s not seen (the queue wrapped between two reads): ",
		    ev->count, ev->count == 1 ? "" : "s");
	if (ev->code[0] && !strstr(ev->text, ev->code))
		ADD("%s ", ev->code);
	ADD("%s", after_case(ev));
	while (n && n < len && buf[n - 1] == ' ')
		buf[--n] = 0;
	if (n >= 2 && n < len && buf[n - 1] == ':' && buf[n - 2] != ' ')
		buf[--n] = 0;
#undef ADD
}

/* -v: an entry's, register's or descriptor's words, under the time */
static void text_words(FILE *f, const char *what, const uint64_t *w, unsigned n)
{
	fprintf(f, "%*s%s", LOG_WORDS_COL, "", what);
	for (unsigned i = 0; i < n && i < 4; i++)
		fprintf(f, " 0x%016" PRIx64, w[i]);
	fputc('\n', f);
}

/* "2026-12-03 (UTC)" before the first event of each day */
static void day_line(struct replay_log *lg, int64_t ms)
{
	char t[32];
	int64_t day = ms / 86400000 - (ms % 86400000 < 0);

	if (lg->listed && day == lg->day)
		return;
	lg->day = day;
	replay_fmt_time(t, sizeof(t), ms);
	fprintf(lg->out, "%.10s (UTC)\n", t);
}

/*
 * TIME  SINCE  DEVICE  PASID  EVENT  WHAT: the time of day (the day on a
 * line of its own), the time since the start, then what happened, wrapped
 * at a word within TEXT_WIDTH columns under the WHAT column.
 */
static void text_event(struct replay_log *lg, const struct trace_event *ev)
{
	char t[32], r[32], bdf[8] = "-", pasid[12] = "-", d[400];
	int col = kind_colour(ev->kind);
	FILE *f = lg->out;
	struct wrap w;

	if (has_bdf(ev))
		fmt_bdf(bdf, ev->bus, ev->devfn);
	if (has_pasid(ev))
		snprintf(pasid, sizeof(pasid), "%" PRId64, ev->pasid);
	detail(d, sizeof(d), lg, ev);
	day_line(lg, ev->t_ms);
	replay_fmt_time(t, sizeof(t), ev->t_ms);
	fprintf(f, "%.12s  %10s  %-7s  %-7s  %s%-14s%s", t + 11,
		replay_fmt_rel(r, sizeof(r), replay_ms_between(lg->base_ms, ev->t_ms)), bdf, pasid,
		col >= 0 ? out_sgr(col) : "", trace_event_kind_name(ev->kind),
		col >= 0 ? out_sgr_end() : "");
	fputc(' ', f);		/* the second blank: wrap_text() puts the first */
	wrap_start(&w, f, LOG_WHAT_COL - 1, LOG_WHAT_COL);
	wrap_text(&w, d);
	wrap_end(&w);
	if (lg->verbose && ev->nr_words) {
		if (ev->kind != TEV_INV_DESC && ev->kind != TEV_FAULT &&
		    ev->kind != TEV_PASID_ADD && ev->kind != TEV_CONTEXT_ADD)
			text_words(f, "old:", ev->old, ev->nr_words);
		if (ev->kind != TEV_PASID_REMOVE && ev->kind != TEV_CONTEXT_REMOVE)
			text_words(f, "new:", ev->new_, ev->nr_words);
	}
}

/* --- JSON ------------------------------------------------------------------ */

static struct json_object *words(const uint64_t *w, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n && i < 4; i++)
		json_object_array_add(a, json_hex(w[i]));
	return a;
}

static struct json_object *json_time(int64_t ms)
{
	char t[32];

	return json_object_new_string(replay_fmt_time(t, sizeof(t), ms));
}

static struct json_object *json_event(const struct trace_event *ev)
{
	struct json_object *o = json_object_new_object();
	char bdf[8], c[2] = { ev->pasid_case, 0 };
	bool gap = ev->kind == TEV_GAP;

	fmt_bdf(bdf, has_bdf(ev) ? ev->bus : 0, has_bdf(ev) ? ev->devfn : 0);
	json_object_object_add(o, "time", json_time(ev->t_ms));
	json_object_object_add(o, "t_ms", json_object_new_int64(ev->t_ms));
	json_object_object_add(o, "end", gap ? json_time(ev->t_end_ms) : NULL);
	json_object_object_add(o, "end_ms", gap ? json_object_new_int64(ev->t_end_ms) : NULL);
	json_object_object_add(o, "kind",
			       json_object_new_string(trace_event_kind_name(ev->kind)));
	json_object_object_add(o, "bdf", has_bdf(ev) ? json_object_new_string(bdf) : NULL);
	json_object_object_add(o, "bus", has_bdf(ev) ? json_object_new_int(ev->bus) : NULL);
	json_object_object_add(o, "devfn", has_bdf(ev) ? json_object_new_int(ev->devfn) : NULL);
	json_object_object_add(o, "pasid", has_pasid(ev) ? json_object_new_int64(ev->pasid) : NULL);
	json_object_object_add(o, "case", replay_case_name(ev->pasid_case) ?
			       json_object_new_string(c) : NULL);
	json_object_object_add(o, "code", ev->code[0] ? json_object_new_string(ev->code) : NULL);
	json_object_object_add(o, "count", ev->kind == TEV_IQ_LOST ?
			       json_object_new_int64((int64_t)ev->count) : NULL);
	json_object_object_add(o, "old", words(ev->old, ev->nr_words));
	json_object_object_add(o, "new", words(ev->new_, ev->nr_words));
	json_object_object_add(o, "text", json_object_new_string(ev->text));
	return o;
}

static const char *json_str(struct json_object *o, bool pretty)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE |
					      (pretty ? JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN));
}

static struct json_object *json_info(const struct replay_info *in)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(in->file ? in->file : ""));
	json_object_object_add(o, "target", in->target ? json_object_new_string(in->target) : NULL);
	json_object_object_add(o, "first", json_time(in->first_ms));
	json_object_object_add(o, "last", json_time(in->last_ms));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)in->samples));
	json_object_object_add(o, "note", in->note && in->note[0] ?
			       json_object_new_string(in->note) : NULL);
	return o;
}

/* An event of the pretty array: each of its lines indented under "events" */
static void put_indented(FILE *f, const char *s, bool element)
{
	const char *in = element ? "    " : "  ";

	if (element)
		fprintf(f, "\n%s", in);
	for (; *s; s++) {
		fputc(*s, f);
		if (*s == '\n' && s[1])
			fputs(in, f);
	}
}

/* --- the stream --------------------------------------------------------------- */

int replay_log_begin(struct replay_log *lg, const struct replay_info *in)
{
	char a[32], b[32], d[32];
	struct wrap w;

	lg->listed = lg->not_listed = 0;
	lg->out = out_limits_open(&lg->lim, lg->f, lg->max_output);
	if (lg->json) {
		struct json_object *o = json_info(in);

		if (lg->pretty) {
			fputs("{\n  \"trace\": ", lg->out);
			put_indented(lg->out, json_str(o, true), false);
			fputs(",\n  \"events\": [", lg->out);
		} else {
			fprintf(lg->out, "{\"trace\":%s,\"events\":[", json_str(o, false));
		}
		json_object_put(o);
		return 0;
	}
	wrap_start(&w, lg->out, 0, 2);
	wrap_word(&w, "", "trace");
	wrap_word(&w, " ", "%.240s:", in->file ? in->file : "");
	wrap_word(&w, " ", "%.240s,", in->target && in->target[0] ? in->target : "target unknown");
	wrap_word(&w, " ", "%s", replay_fmt_time(a, sizeof(a), in->first_ms));
	wrap_word(&w, " ", "..");
	wrap_word(&w, " ", "%s", replay_fmt_time(b, sizeof(b), in->last_ms));
	wrap_word(&w, " ", "(%s,", replay_fmt_rel(d, sizeof(d),
					   replay_ms_between(in->first_ms, in->last_ms)));
	wrap_word(&w, " ", "%zu samples)", in->samples);
	wrap_end(&w);
	if (in->note && in->note[0]) {
		wrap_start(&w, lg->out, 5, 2);
		fputs("note:", lg->out);
		wrap_text(&w, in->note);
		wrap_end(&w);
	}
	fprintf(lg->out, "%-12s  %10s  %-7s  %-7s  %-14s  %s\n", "TIME", "SINCE", "DEVICE",
		"PASID", "EVENT", "WHAT");
	return 0;
}

void replay_log_event(struct replay_log *lg, const struct trace_event *ev)
{
	if (out_over(&lg->lim)) {
		lg->not_listed++;
		return;
	}
	if (lg->json) {
		struct json_object *o = json_event(ev);

		fputs(lg->listed ? "," : "", lg->out);
		if (lg->pretty)
			put_indented(lg->out, json_str(o, true), true);
		else
			fputs(json_str(o, false), lg->out);
		json_object_put(o);
	} else {
		text_event(lg, ev);
	}
	fflush(lg->out);	/* counted now: the budget holds to the event */
	lg->listed++;
}

unsigned long replay_log_end(struct replay_log *lg)
{
	if (lg->json) {
		fprintf(lg->out, "%s],%s\"listed\":%s%lu,%s\"not_listed\":%s%lu%s}\n",
			lg->pretty && lg->listed ? "\n  " : "", lg->pretty ? "\n  " : "",
			lg->pretty ? " " : "", lg->listed, lg->pretty ? "\n  " : "",
			lg->pretty ? " " : "", lg->not_listed, lg->pretty ? "\n" : "");
	} else if (lg->not_listed) {
		fprintf(lg->out, "%s... %lu more events not listed (output past --max-output)%s\n",
			out_sgr(OC_WARNING), lg->not_listed, out_sgr_end());
	} else if (!lg->listed) {
		fprintf(lg->out, "(no event matches)\n");
	}
	out_limits_close(&lg->lim);
	return lg->not_listed;
}
