// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl check: guest tables against the host side; every rule, one line a
 * finding, worst first, then the counts. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "vmm/host.h"

static void print_check_json(const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "findings", json_findings(m));
	json_object_object_add(o, "summary", json_check_summary(m));
	json_object_object_add(o, "host", host_json_summary(m->host));
	json_print(stdout, o, g.out.pretty);
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

int do_check(int argc, char **argv)
{
	struct vtd_source *src;
	struct vtd_model m;
	int rc;

	src = open_inspect("check", argc, argv,
			   VTD_STAGE_VMM | VTD_STAGE_HOST | VTD_STAGE_CHECK, &m);
	if (!src)
		return EXIT_FATAL;
	if (report_no_match(src, &m)) {
		vtd_model_free(&m);
		source_close(src);
		return EXIT_FATAL;
	}
	if (sort_by_severity(&m)) {
		report_error("check: out of memory");
		vtd_model_free(&m);
		source_close(src);
		return EXIT_FATAL;
	}
	if (g.out.json)
		print_check_json(&m);
	else
		text_check(text_stdout(), &m, &g.out);
	rc = exit_status_of(&m);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}
