// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl dump: every device, context entry and present PASID entry
 * (--all-findings: the findings first, as found). */
#include "cli/cli.h"
#include "pipeline/pages.h"

int do_dump(int argc, char **argv)
{
	struct vtd_source *src;
	struct vtd_model m;
	struct vtd_map_budget budget;
	struct vtd_pages pages;
	struct out_stream st = { 0 };
	struct out_stream *s = g.walk.findings.all ? &st : NULL;
	int rc, late;

	src = open_inspect_streamed("dump", argc, argv,
				    VTD_STAGE_VMM | VTD_STAGE_HOST, &m, &st, false);
	if (!src) {
		stream_done();
		return EXIT_FATAL;
	}
	if (report_no_match(src, &m)) {
		vtd_model_free(&m);
		source_close(src);
		stream_done();
		return EXIT_FATAL;
	}
	if (s)
		out_stream_end_findings(s);
	stream_done();
	/* with --pages the renderers read each PASID's mappings as they
	 * print it: memory stays bounded by one PASID */
	vtd_map_budget_init(&budget, g.max_ranges, g.walk.max_entries);
	pages = vtd_pages_of(src, &budget);
	if (g.out.json)
		late = json_dump_stream(stdout, &m, &g.out, g.pages ? &pages : NULL, s);
	else
		late = text_dump(text_stdout(), &m, &g.out, g.pages ? &pages : NULL, s);
	/* after what stdout holds, also when both go to one pipe or file */
	fflush(stdout);
	if (g.out.verbose && !g.out.json)
		fprintf(stderr, "%s: memory read through %s, %lu QMP/source calls\n",
			"vtdctl", src->access ? src->access : "-", src->nr_calls);
	/* what the output or --pages cut short is a warning: exit 2 */
	rc = late ? EXIT_FINDINGS : exit_status_of(&m);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}

