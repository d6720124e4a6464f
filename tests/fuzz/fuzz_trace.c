// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the trace reader (src/trace/) on a file holding the
 * input: every event in order, the state at the first, a middle and the
 * last sample walked as --trace replays it, and the user-time parser on the
 * input's first line. Seeds: tests/fuzz/mkseeds.py (synthetic traces, and a
 * recording of the test guest when a QEMU can run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_mem.h"
#include "model/model.h"
#include "snapshot/snapshot.h"
#include "source/source.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_at(struct trace *tr, int64_t t)
{
	struct vtd_walk_opts wo = { .filter = VTD_FILTER_ALL,
				    .max_entries = 1UL << 16 };
	struct vtd_snapshot *s = calloc(1, sizeof(*s));
	struct vtd_source *src;
	struct vtd_model m;
	char err[512];
	int64_t at;

	if (!s)
		return;
	if (trace_state_at(tr, t, s, &at, err, sizeof(err))) {
		free(s);
		return;
	}
	src = snapshot_source_from(s, "trace", "fuzz", err, sizeof(err));
	if (!src)
		return;
	vtd_walk(src, &wo, &m);
	vtd_model_free(&m);
	source_close(src);
}

static void times(const uint8_t *data, size_t size, struct trace *tr)
{
	char s[64];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	int64_t t;

	memcpy(s, data, n);
	s[n] = 0;
	s[strcspn(s, "\n")] = 0;
	trace_parse_time(s, 0, &t);
	if (tr)
		trace_parse_time_in(tr, s, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace *tr = NULL;
	struct trace_iter *it;
	struct trace_event ev;
	char path[64], err[512];
	int fd = fuzz_input_file(data, size, path, sizeof(path));
	size_t n;

	if (fd < 0)
		return 0;
	if (trace_open(path, &tr, err, sizeof(err)) == 0) {
		it = trace_iter_new(tr, INT64_MIN);
		while (it && trace_iter_next(it, &ev) == 1)
			;
		trace_iter_free(it);
		n = trace_nr_samples(tr);
		walk_at(tr, trace_first_ms(tr));
		walk_at(tr, trace_sample_ms(tr, n / 2));
		walk_at(tr, trace_last_ms(tr));
	}
	times(data, size, tr);
	trace_close(tr);
	close(fd);
	return 0;
}
