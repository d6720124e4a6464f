// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl regs: every register the unit has, decoded by field. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "walker/regfile.h"
#include "cli/cli.h"
#include "output/regs.h"

int cmd_read_regfile(struct vtd_source *src, struct vtd_regfile *rf)
{
	int err = vtd_read_regfile(src, rf);

	if (err)
		return report_source_error(src, err);
	if (!rf->valid) {
		report_error("%s: a memory dump holds no IOMMU registers; this command needs a live target (--qmp, --vm) or a snapshot of one",
			     src->target);
		return -1;
	}
	return 0;
}

struct vtd_source *open_with_regs(const char *cmd, int argc, char **argv,
				  struct vtd_regfile **rf)
{
	struct vtd_source *src;

	if (no_args(cmd, argc, argv) || !(src = open_target()))
		return NULL;
	*rf = malloc(sizeof(**rf));
	if (!*rf)
		report_error("%s: out of memory", cmd);
	if (*rf && !cmd_read_regfile(src, *rf))
		return src;
	free(*rf);
	*rf = NULL;
	source_close(src);
	return NULL;
}

int do_regs(int argc, char **argv)
{
	struct vtd_reg_value regs[VTD_REGFILE_MAX / 8 + 8];
	struct vtd_regfile *rf;
	struct vtd_source *src;
	unsigned n;

	src = open_with_regs("regs", argc, argv, &rf);
	if (!src)
		return EXIT_FATAL;
	n = vtd_list_regs(rf, regs, sizeof(regs) / sizeof(regs[0]));
	if (g.out.json)
		json_print(stdout, json_regs(rf, regs, n), g.out.pretty);
	else
		text_regs(text_stdout(), rf, regs, n, g.out.verbose);
	free(rf);
	source_close(src);
	return EXIT_OK;
}
