/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: every mapping of one device (and PASID), merged into ranges. */
#ifndef VTDCTL_MAPPINGS_H
#define VTDCTL_MAPPINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct vtd_source;

/* Per call, when no budget is given (then truncated) */
#define VTD_MAP_MAX_LEAVES	(1UL << 20)
#define VTD_MAP_MAX_TABLES	(1UL << 16)	/* table pages visited */

/*
 * What every walk of one command may spend in all (README "Bounds"): ranges
 * listed and table pages visited. Shared by the calls; once a budget is
 * spent, walks stop (truncated) and exhausted says so.
 */
#define VTD_MAP_DEFAULT_RANGES	(1UL << 20)
struct vtd_map_budget {
	unsigned long ranges;	/* ranges still allowed */
	unsigned long tables;	/* table pages still allowed */
	bool exhausted;		/* a walk stopped on this budget */
	unsigned long truncated;	/* walks that stopped short (any cap) */
	bool count_only;	/* keep no ranges (a reader of the tables for
				 * their pages alone: snapshot --pages) */
};
/* A budget of ranges and of entries (each table page is 512); 0 = default */
void vtd_map_budget_init(struct vtd_map_budget *b, unsigned long ranges,
			 unsigned long entries);

/* Why no table was walked */
enum vtd_map_not_walked {
	VTD_MAP_WALKED = 0,
	VTD_MAP_PASS_THROUGH,	/* legacy TT 2, PGTT 4: iova == gpa */
	VTD_MAP_NESTED,		/* PGTT 3: not enumerated */
	VTD_MAP_NO_TABLE,	/* reserved TT/PGTT, bad AW/FLPM, no PASID */
};
/* "pass-through", "nested", "no table"; NULL for VTD_MAP_WALKED */
const char *vtd_map_not_walked_name(enum vtd_map_not_walked w);

/* Leaves contiguous in IOVA and GPA with the same permissions, merged */
struct vtd_map_range {
	uint64_t iova, gpa, size;
	bool read, write;	/* effective: every level on the way allows it */
};

struct vtd_mappings {
	enum vtd_map_not_walked not_walked;
	struct vtd_map_range *ranges;	/* ascending IOVA */
	size_t nr_ranges, cap_ranges;
	bool truncated;			/* hit VTD_MAP_MAX_LEAVES or _TABLES */
	unsigned long leaves;		/* present leaf entries seen */
	unsigned long tables;		/* table pages visited */
	unsigned long shared;		/* table pages reached again at the same
					 * level: not walked twice (the spec lets
					 * tables share subtrees; a loop does too) */
	unsigned long bad_pointers;	/* table pointers not in guest RAM */
	unsigned long not_recorded;	/* tables in RAM the source did not
					 * record (a snapshot without --pages):
					 * their mappings are unknown */
	uint64_t mapped;		/* sum of the range sizes */
};

/*
 * Walk the whole page table d (and p, in scalable mode; NULL in legacy mode)
 * points at, depth first. Second stage: AW+2 levels, present when R|W, leaf
 * at level 1 or SP at 2/3. First stage: 4 or 5 levels (FLPM), present when
 * P, leaf at level 1 or PS at 2/3; IOVAs of the upper half are sign
 * extended. A pointer that is not guest RAM ends its branch (bad_pointers),
 * and so does a table the source did not record (not_recorded).
 * Each table page is walked once per level and call (shared counts the
 * others). b: the command's budget (its table pages bound the leaves too),
 * or NULL for the per-call caps VTD_MAP_MAX_*.
 * Returns 0 (out filled; free with vtd_mappings_free), or a negative errno
 * for a source failure or no memory. Never prints.
 */
int vtd_enum_mappings(struct vtd_source *src, const struct vtd_model *m,
		      const struct vtd_device *d,
		      const struct vtd_pasid_rec *p, struct vtd_map_budget *b,
		      struct vtd_mappings *out);
void vtd_mappings_free(struct vtd_mappings *mp);

/*
 * --pages: how a renderer gets the mappings of a device (legacy: p NULL)
 * or PASID without seeing the source. 0, or a negative errno with *why
 * saying what failed; out is freed by the renderer (vtd_mappings_free).
 */
struct vtd_pages {
	int (*read)(const struct vtd_pages *pg, const struct vtd_device *d,
		    const struct vtd_pasid_rec *p, struct vtd_mappings *out,
		    const char **why);
	void *ctx;
	struct vtd_map_budget *budget;	/* what the reads spent, for the
					 * renderer's pages_truncated finding */
};


#endif
