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
	struct vtd_walk_opts wo = { .filter = VTD_FILTER_ALL,
				    .max_entries = 1UL << 16 };
	struct vtd_source *src;
	struct vtd_model m;
	char path[64], err[512];
	int fd = fuzz_input_file(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	src = snapshot_source_open(path, err, sizeof(err));
	if (src) {
		/* on error too: the model keeps what the walk added */
		vtd_walk(src, &wo, &m);
		vtd_model_free(&m);
		queues(src);
		source_close(src);
	}
	close(fd);
	return 0;
}
