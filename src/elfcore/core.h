/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the ELF core source (dump-guest-memory, virsh dump --memory-only). */
#ifndef VTDCTL_DUMP_CORE_H
#define VTDCTL_DUMP_CORE_H

#include <stddef.h>
#include <stdint.h>

struct vtd_source;

/* NULL with err filled (errlen bytes) on failure. */
struct vtd_source *core_source_open(const char *path, char *err, size_t errlen);

/* One file-backed guest-physical range of the core, after sorting and
 * merging consistent overlaps. */
struct core_segment {
	uint64_t gpa;
	uint64_t offset;	/* in the file */
	uint64_t size;
};

/* Copy up to max segments into out; return how many there are (0 if src
 * is not a core source). */
size_t core_source_segments(const struct vtd_source *src,
			    struct core_segment *out, size_t max);

#endif
