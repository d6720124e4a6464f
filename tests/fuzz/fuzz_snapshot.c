// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: vtdctl's snapshot file reader (src/snapshot/) on a file
 * holding the input, then a walk, the registers and the queues over it.
 * Seeds: snapshots of real guests, written by tests/fuzz/run when
 * `vtdctl snapshot` works and a guest is up.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "walker/regfile.h"
#include "fuzz_mem.h"
#include "snapshot/snapshot.h"
#include "source/source.h"
#include "walker/iq.h"
#include "walker/ir.h"
#include "model/model.h"
#include "vtd/regs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void queues(struct vtd_source *src)
{
	static struct vtd_regfile rf;
	struct vtd_filter f = VTD_FILTER_ALL;
	struct vtd_model m = { 0 };
	struct vtd_iq iq;
	struct vtd_ir ir;

	if (vtd_read_regfile(src, &rf) || !rf.valid)
		return;
	vtd_read_iq(src, &rf, 64, &iq, &m);
	vtd_iq_free(&iq);
	vtd_read_ir(src, &rf, &f, &ir, &m);
	vtd_ir_free(&ir);
	vtd_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_walk_file(data, size, snapshot_source_open, queues);
	return 0;
}
