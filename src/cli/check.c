// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl check: guest tables against the host side; every rule, one line a
 * finding, worst first, then the counts (--all-findings: as found). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "vmm/host.h"

/* s: the findings were streamed into the object s opened */
static void print_check_json(const struct vtd_model *m, struct out_stream *s)
{
	struct json_object *o = json_object_new_object();

	if (!s)
		json_object_object_add(o, "findings", json_findings(m));
	json_object_object_add(o, "summary", json_check_summary(m));
	json_object_object_add(o, "host", host_json_summary(m->host));
	if (!s) {
		json_print(stdout, o, g.out.pretty);
		return;
	}
	out_stream_end_findings(s);
	out_stream_members(s, o, true);
}

/* Errors, then warnings, then info; the order of the walk and the rules
 * within each (a stable sort). The model is only printed after this. */
static int sort_by_severity(struct vtd_model *m)
{
	struct vtd_finding *sorted;
	size_t n = 0;

	if (m->nr_findings < 2)
		return 0;
	sorted = malloc(m->nr_findings * sizeof(*sorted));
	if (!sorted)
		return -1;
	for (int sev = VTD_SEV_ERROR; sev >= VTD_SEV_INFO; sev--)
		for (size_t i = 0; i < m->nr_findings; i++)
			if ((int)m->findings[i].sev == sev)
				sorted[n++] = m->findings[i];
	memcpy(m->findings, sorted, n * sizeof(*sorted));
	free(sorted);
	return 0;
}

static int check_failed(struct vtd_source *src, struct vtd_model *m)
{
	vtd_model_free(m);
	source_close(src);
	stream_done();
	return EXIT_FATAL;
}

int do_check(int argc, char **argv)
{
	struct vtd_source *src;
	struct vtd_model m;
	struct out_stream st = { 0 };
	struct out_stream *s = g.walk.findings.all ? &st : NULL;
	int rc;

	src = open_inspect_streamed("check", argc, argv, VTD_STAGE_VMM |
				    VTD_STAGE_HOST | VTD_STAGE_CHECK, &m, &st, true);
	if (!src) {
		stream_done();
		return EXIT_FATAL;
	}
	if (report_no_match(src, &m))
		return check_failed(src, &m);
	if (!s && sort_by_severity(&m)) {
		report_error("check: out of memory");
		return check_failed(src, &m);
	}
	if (g.out.json)
		print_check_json(&m, s);
	else
		text_check(text_stdout(), &m, &g.out, s);
	stream_done();
	rc = exit_status_of(&m);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}
