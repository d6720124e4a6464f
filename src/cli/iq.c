// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl iq: the invalidation queue. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/iq_ir.h"
#include "walker/iq.h"
#include "vtd/regs.h"

#define IQ_DEFAULT_COUNT	16

int do_iq(int argc, char **argv)
{
	struct vtd_model m = { 0 };
	struct vtd_source *src;
	struct vtd_regfile *rf;
	struct vtd_iq iq;
	unsigned count = g.count < 0 ? IQ_DEFAULT_COUNT : (unsigned)g.count;
	int rc = EXIT_FATAL, err;

	src = open_with_regs("iq", argc, argv, &rf);
	if (!src)
		return EXIT_FATAL;
	err = vtd_read_iq(src, rf, count, &iq, &m);
	if (err) {
		report_source_error(src, err);
		vtd_iq_free(&iq);
		goto out;
	}
	vtd_describe_source(src, &m.source);
	if (g.out.json)
		json_print(stdout, json_iq(&iq, &m), g.out.pretty);
	else
		text_iq(text_stdout(), &iq, &m, &g.out);
	rc = exit_status_of(&m);
	vtd_iq_free(&iq);
out:
	free(rf);
	vtd_model_free(&m);
	source_close(src);
	return rc;
}
