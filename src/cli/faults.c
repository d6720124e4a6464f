// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl faults: fault status and every pending fault record. */
#include <json-c/json.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "output/regs.h"

/* A pending record or an error bit in FSTS is a finding: exit 2. */
static int faults_status(const struct vtd_faults *x)
{
	const struct vtd_fsts *s = &x->fsts;

	return x->nr_pending || s->pfo || s->iqe || s->ice || s->ite ?
	       EXIT_FINDINGS : EXIT_OK;
}

int do_faults(int argc, char **argv)
{
	struct vtd_regfile *rf;
	struct vtd_faults *x;
	struct vtd_source *src;
	int rc = EXIT_FATAL;

	src = open_with_regs("faults", argc, argv, &rf);
	if (!src)
		return EXIT_FATAL;
	x = malloc(sizeof(*x));
	if (!x) {
		report_error("faults: out of memory");
	} else {
		vtd_read_faults(rf, x);
		if (g.out.json)
			json_print(stdout, json_faults(x), g.out.pretty);
		else
			text_faults(text_stdout(), x, g.out.verbose);
		rc = faults_status(x);
	}
	free(rf);
	free(x);
	source_close(src);
	return rc;
}
