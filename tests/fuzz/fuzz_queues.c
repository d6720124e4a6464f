// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the invalidation queue (IQA/IQH/IQT and descriptors) and
 * the interrupt remapping table (IRTA and IRTEs) read from arbitrary
 * registers and guest memory, then their renderers. Input: fuzz_mem.h
 * (registers are always present here).
 */
#include <stdio.h>

#include "walker/regfile.h"
#include "fuzz_mem.h"
#include "output/iq_ir.h"
#include "walker/iq.h"
#include "walker/ir.h"
#include "vtd/regs.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void queue(struct fuzz_mem *fm, const struct vtd_regfile *rf)
{
	struct out_opts out = { .verbose = 3 };
	struct vtd_model m = { 0 };
	struct vtd_iq iq;

	if (vtd_read_iq(&fm->src, rf, fm->iova & 0x3ff, &iq, &m) == 0) {
		text_iq(devnull, &iq, &m, &out);
		json_print(devnull, json_iq(&iq, &m), false);
	}
	vtd_iq_free(&iq);
	vtd_model_free(&m);
}

static void irt(struct fuzz_mem *fm, const struct vtd_regfile *rf)
{
	struct vtd_filter f = VTD_FILTER_ALL;
	struct out_opts out = { .verbose = 3 };
	struct vtd_model m = { 0 };
	struct vtd_ir ir;

	if (fm->flags & 16) {
		f.bus = (fm->iova >> 8) & 0xff;
		f.slot = (fm->iova >> 3) & 0x1f;
		f.func = fm->iova & 7;
	}
	if (vtd_read_ir(&fm->src, rf, &f, &ir, &m) == 0) {
		text_ir(devnull, &ir, &m, &out);
		json_print(devnull, json_ir(&ir, &m), false);
	}
	vtd_ir_free(&ir);
	vtd_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_mem fm;
	static struct vtd_regfile rf;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fuzz_mem_init(&fm, data, size))
		goto out;
	fm.flags |= 1;
	if (vtd_read_regfile(&fm.src, &rf) == 0 && rf.valid) {
		queue(&fm, &rf);
		irt(&fm, &rf);
	}
out:
	fuzz_mem_fini(&fm);
	return 0;
}
