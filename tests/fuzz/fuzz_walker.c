// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the walker over arbitrary guest memory and registers
 * (root/context/PASID tables, RTADDR discovery in dumps), then both
 * renderers of the model. Input layout: fuzz_mem.h.
 */
#include <stdio.h>

#include "fuzz_mem.h"
#include "output/output.h"
#include "model/model.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtd_walk_opts opts = { .filter = VTD_FILTER_ALL,
				      .max_entries = 1UL << 18 };
	struct out_opts out = { .verbose = 3 };
	static struct fuzz_mem fm;
	struct vtd_model m;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fuzz_mem_init(&fm, data, size))
		goto out;
	opts.have_rtaddr = fm.flags & 2;
	opts.rtaddr = fm.rtaddr;
	if (vtd_walk(&fm.src, &opts, &m) == 0) {
		text_dump(devnull, &m, &out, NULL, NULL);
		text_findings(devnull, &m);
		json_dump_stream(devnull, &m, &out, NULL, NULL);
	}
	vtd_model_free(&m);	/* on error too: it keeps what the walk added */
out:
	fuzz_mem_fini(&fm);
	return 0;
}
