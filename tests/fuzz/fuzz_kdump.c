// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the kdump reader (src/kdump/: the flattened rebuild, the
 * header and descriptor checks, libkdumpfile) on a file holding the input
 * (a memfd, named through /proc/self/fd), then reads at every RAM range's
 * edges and a walk with RTADDR discovery. TMPDIR should be a scratch
 * directory (a flattened input is rebuilt there, unlinked).
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kdump/kdump.h"
#include "fuzz_mem.h"
#include "source/source.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_edges(struct vtd_source *src)
{
	uint8_t buf[4096];

	for (size_t i = 0; i < src->nr_ram && i < 64; i++) {
		uint64_t start = src->ram[i].start, n = src->ram[i].size;
		uint64_t len = n < sizeof(buf) ? n : sizeof(buf);

		source_read(src, start, buf, len);
		source_read(src, start + n - len, buf, len);
		source_read(src, start + n - 1, buf, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_walk_file(data, size, kdump_source_open, read_edges);
	return 0;
}
