// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the ELF core reader (libelf + src/elfcore/core.c) on a file
 * holding the input (a memfd, named through /proc/self/fd), then reads at
 * every segment edge and a walk with RTADDR discovery.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfcore/core.h"
#include "fuzz_mem.h"
#include "source/source.h"
#include "model/model.h"

#define MAX_SEGS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_edges(struct vtd_source *src)
{
	static struct core_segment segs[MAX_SEGS];
	uint8_t buf[4096];
	size_t n = core_source_segments(src, segs, MAX_SEGS);

	for (size_t i = 0; i < n && i < MAX_SEGS; i++) {
		uint64_t len = segs[i].size < sizeof(buf) ? segs[i].size : sizeof(buf);

		source_read(src, segs[i].gpa, buf, len);
		source_read(src, segs[i].gpa + segs[i].size - len, buf, len);
		source_read(src, segs[i].gpa + segs[i].size - 1, buf, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_walk_file(data, size, core_source_open, read_edges);
	return 0;
}
