// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl's command layer, what every command shares: the options in g,
 * errors, exit status, and the pipeline run with g's options. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

struct global_opts g = {
	.walk = { .filter = VTD_FILTER_ALL },
	.count = -1,
	.keep = -1,
};

/* --all-findings streams into this: report_error() closes its JSON */
static struct out_stream *error_stream;

void report_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	struct json_object *o;

	char shown[4 * sizeof(msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);		/* after the output it follows, in one pipe too */
	/* messages quote the peer, the file, the guest: no raw escapes */
	fprintf(stderr, "vtdctl: %s\n", text_escape(shown, sizeof(shown), msg));
	if (g.out.json && error_stream && out_stream_error(error_stream, msg)) {
		error_stream = NULL;	/* the object it opened is closed */
		return;
	}
	if (g.out.json) {
		o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_print(stdout, o, g.out.pretty);
	}
}

static FILE *text_out;

static void close_text_stdout(void)
{
	if (text_out && text_out != stdout)
		fclose(text_out);	/* its last bytes, and its state */
	text_out = NULL;
}

FILE *text_stdout(void)
{
	if (!text_out) {
		text_out = text_escaping_stream(stdout);
		atexit(close_text_stdout);
	}
	return text_out;
}

int exit_status_of(const struct vtd_model *m)
{
	bool any;
	unsigned worst = vtd_worst_severity(m, &any);

	return any && worst >= VTD_SEV_WARNING ? EXIT_FINDINGS : EXIT_OK;
}

int report_source_error(const struct vtd_source *src, int err)
{
	report_error("%s: %s", src->target, source_strerror(src, err));
	return -1;
}

struct vtd_inspect_opts cli_inspect_opts(unsigned stages)
{
	struct vtd_inspect_opts o = {
		.walk = g.walk,
		.consistent = g.consistent,
		.pause = g.pause,
		.stages = stages,
	};

	return o;
}

int inspect_target(struct vtd_source *src, unsigned stages,
		   struct vtd_model *m)
{
	struct vtd_inspect_opts o = cli_inspect_opts(stages);
	int err = vtd_inspect(src, &o, m);

	return err < 0 ? report_source_error(src, err) : 0;
}

struct vtd_source *open_inspect_streamed(const char *cmd, int argc,
					 char **argv, unsigned stages,
					 struct vtd_model *m,
					 struct out_stream *s, bool check)
{
	struct vtd_source *src;

	if (!g.walk.findings.all)
		return open_inspect(cmd, argc, argv, stages, m);
	out_stream_init(s, g.out.json ? stdout : text_stdout(), &g.out, check);
	error_stream = s;
	g.walk.findings.sink = &s->sink;
	src = open_inspect(cmd, argc, argv, stages, m);
	g.walk.findings.sink = NULL;
	return src;
}

void stream_done(void)
{
	error_stream = NULL;
}

/* --- commands ---------------------------------------------------------- */

int no_args(const char *cmd, int argc, char **argv)
{
	if (argc <= 0)
		return 0;
	report_error("%s: unexpected argument '%s'", cmd, argv[0]);
	return -1;
}
