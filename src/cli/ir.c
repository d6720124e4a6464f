// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl ir: the interrupt remapping table. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/iq_ir.h"
#include "walker/ir.h"
#include "vtd/regs.h"

int do_ir(int argc, char **argv)
{
	struct vtd_model m = { 0 };
	struct vtd_source *src;
	struct vtd_regfile *rf;
	struct vtd_ir ir;
	int rc = EXIT_FATAL, err;

	src = open_with_regs("ir", argc, argv, &rf);
	if (!src)
		return EXIT_FATAL;
	err = vtd_read_ir(src, rf, &g.walk.filter, &ir, &m);
	if (err) {
		report_source_error(src, err);
		vtd_ir_free(&ir);
		goto out;
	}
	vtd_describe_source(src, &m.source);
	if (vtd_filter_has_slot(&g.walk.filter) && ir.nr_present == 0 &&
	    ir.nr_present_all > 0) {
		report_error("nothing matches -s %s (%u present entries; none has a SID it names)",
			     g.slot_arg, ir.nr_present_all);
		vtd_ir_free(&ir);
		goto out;
	}
	if (g.out.json)
		json_print(stdout, json_ir(&ir, &m), g.out.pretty);
	else
		text_ir(text_stdout(), &ir, &m, &g.out);
	rc = exit_status_of(&m);
	vtd_ir_free(&ir);
out:
	free(rf);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}
