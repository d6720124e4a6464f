// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: page walks (xlate) of every device and PASID the walker
 * found in arbitrary guest memory, at the IOVA the input names, read and
 * write, then the renderers. Input layout: fuzz_mem.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_mem.h"
#include "output/xlate.h"
#include "walker/xlate.h"

#define MAX_XLATES	16

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void xlate_one(struct fuzz_mem *fm, struct vtd_xlate_req *req,
		      struct vtd_xlate *x)
{
	struct out_opts out = { .verbose = 2 };

	if (vtd_xlate(&fm->src, req, x) < 0)
		return;
	text_xlate(devnull, x, &out);
	json_print(devnull, json_xlate(x), true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtd_walk_opts opts = { .filter = VTD_FILTER_ALL,
				      .max_entries = 1UL << 14 };
	static struct fuzz_mem fm;
	static struct vtd_xlate x;
	struct vtd_model m;
	unsigned done = 0;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fuzz_mem_init(&fm, data, size) || !(fm.flags & 1))
		goto out;
	opts.have_rtaddr = fm.flags & 2;
	opts.rtaddr = fm.rtaddr;
	if (vtd_walk(&fm.src, &opts, &m) < 0) {
		vtd_model_free(&m);
		goto out;
	}
	for (size_t i = 0; i < m.nr_devices && done < MAX_XLATES; i++) {
		struct vtd_device *d = &m.devices[i];
		struct vtd_xlate_req req = { .m = &m, .d = d, .iova = fm.iova,
					     .write = fm.flags & 8 };

		if (!d->scalable) {
			xlate_one(&fm, &req, &x);
			done++;
		}
		for (size_t j = 0; j < d->nr_pasids && done < MAX_XLATES; j++) {
			req.p = &d->pasids[j];
			xlate_one(&fm, &req, &x);
			done++;
		}
	}
	vtd_model_free(&m);
out:
	fuzz_mem_fini(&fm);
	return 0;
}
