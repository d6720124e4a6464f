// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl regs: every register the unit has, decoded by field. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/regs.h"

int cmd_read_regfile(struct vtd_source *src, struct vtd_regfile *rf)
{
	int err = vtd_read_regfile(src, rf);

	if (err) {
		report_error("%s: %s", src->target,
			     source_strerror(src, err));
		return -1;
	}
	if (!rf->valid) {
		report_error("%s: a memory dump holds no IOMMU registers; this command needs a live target (--qmp, --vm) or a snapshot of one",
			     src->target);
		return -1;
	}
	return 0;
}

int do_regs(int argc, char **argv)
{
	struct vtd_reg_value regs[VTD_REGFILE_MAX / 8 + 8];
	struct vtd_regfile *rf;
	struct vtd_source *src;
	unsigned n;
	int rc = EXIT_FATAL;

	if (no_args("regs", argc, argv))
		return EXIT_FATAL;
	src = open_target();
	if (!src)
		return EXIT_FATAL;
	rf = malloc(sizeof(*rf));
	if (rf && !cmd_read_regfile(src, rf)) {
		n = vtd_list_regs(rf, regs, sizeof(regs) / sizeof(regs[0]));
		if (g.out.json)
			json_print(stdout, json_regs(rf, regs, n), g.out.pretty);
		else
			text_regs(stdout, rf, regs, n, g.out.verbose);
		rc = EXIT_OK;
	}
	free(rf);
	source_close(src);
	return rc;
}
