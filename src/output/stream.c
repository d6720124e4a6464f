// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: --all-findings streamed (check, dump): each finding is printed
 * when the walk or a rule adds it, and forgotten; memory does not grow with
 * their number. In JSON the top object opens with "findings", so that the
 * array can be written before the walk ends; the renderer adds the rest.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

#define STREAM_CODE_WIDTH	24	/* check's code column: the widest
					 * code is not known in advance */

/* v at the given depth of a pretty document: each line indented */
static void print_value(const struct out_stream *s, struct json_object *v,
			int depth)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (s->pretty ? JSON_C_TO_STRING_PRETTY |
				 JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
	const char *text = json_object_to_json_string_ext(v, flags);
	const char *nl;

	while (s->pretty && (nl = strchr(text, '\n'))) {
		fwrite(text, 1, nl + 1 - text, s->f);
		fprintf(s->f, "%*s", 2 * depth, "");
		text = nl + 1;
	}
	fputs(text, s->f);
}

/* A line break and the indentation of depth, when pretty */
static void newline(const struct out_stream *s, int depth)
{
	if (s->pretty)
		fprintf(s->f, "\n%*s", 2 * depth, "");
}

static void open_json(struct out_stream *s)
{
	fputc('{', s->f);
	newline(s, 1);
	fputs(s->pretty ? "\"findings\": [" : "\"findings\":[", s->f);
}

static void emit_json(struct out_stream *s, const struct vtd_finding *x)
{
	struct json_object *o = json_finding(x);

	if (!s->printed)
		open_json(s);
	else
		fputc(',', s->f);
	newline(s, 2);
	print_value(s, o, 2);
	json_object_put(o);
}

static void emit_text(struct out_stream *s, const struct vtd_finding *x)
{
	if (!s->printed)
		fputs("findings:\n", s->f);
	if (s->check)
		s->cut |= check_finding_line(s->f, x, STREAM_CODE_WIDTH,
					     s->verbose);
	else
		text_finding(s->f, x);
}

static void emit(void *ctx, const struct vtd_finding *x)
{
	struct out_stream *s = ctx;

	if (s->json)
		emit_json(s, x);
	else
		emit_text(s, x);
	s->printed++;
}

void out_stream_init(struct out_stream *s, FILE *f, const struct out_opts *o,
		     bool check)
{
	memset(s, 0, sizeof(*s));
	s->sink.emit = emit;
	s->sink.ctx = s;
	s->f = f;
	s->json = o->json;
	s->pretty = o->pretty;
	s->verbose = o->verbose;
	s->check = check;
}

void out_stream_end_findings(struct out_stream *s)
{
	struct json_object *empty;

	if (!s->json || s->ended)
		return;
	s->ended = true;
	if (s->printed) {
		newline(s, 1);
		fputc(']', s->f);
		return;
	}
	/* as json-c prints an empty array */
	fputc('{', s->f);
	newline(s, 1);
	fputs(s->pretty ? "\"findings\": " : "\"findings\":", s->f);
	empty = json_object_new_array();
	print_value(s, empty, 1);
	json_object_put(empty);
}

void out_stream_members(struct out_stream *s, struct json_object *obj,
			bool close)
{
	json_object_object_foreach(obj, k, v) {
		struct json_object *key = json_object_new_string(k);

		fputc(',', s->f);
		newline(s, 1);
		print_value(s, key, 1);
		json_object_put(key);
		fputs(s->pretty ? ": " : ":", s->f);
		print_value(s, v, 1);
	}
	json_object_put(obj);
	if (close) {
		newline(s, 0);
		fputs("}\n", s->f);
	}
}

bool out_stream_error(struct out_stream *s, const char *msg)
{
	struct json_object *o;

	if (!s->json || (!s->printed && !s->ended))
		return false;
	out_stream_end_findings(s);
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	out_stream_members(s, o, true);
	return true;
}
