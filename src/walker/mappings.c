// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: enumerate every mapping of one device (and PASID) by walking its
 * whole page table depth first, merging contiguous leaves into ranges.
 *
 * Entries are decoded with xlate's vtd_decode_sspte/vtd_decode_fspte; no
 * reserved-bit checks here (that is xlate's and check's job): a range is
 * what the entries say. Permissions are effective ones: a write is allowed
 * only if every level on the way allows it (second stage: R and W at each
 * level; first stage: R/W at each level, reads whenever P is set).
 *
 * Guest memory is hostile: each table page is read in one 4 KiB source
 * read after a RAM check; a table that points at itself is re-read from the
 * copy held for its ancestor; a page is walked once per level (a loop or a
 * shared subtree is counted, not walked again), and the visit and leaf
 * caps, per call and for the whole command, bound the work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "walker/addrmap.h"
#include "walker/mappings.h"
#include "walker/xlate.h"


#define ENTRIES		512
#define MAX_LEVELS	5

struct mw {
	struct vtd_source *src;
	struct vtd_mappings *out;
	struct vtd_map_budget *budget;	/* NULL: per-call caps only */
	struct addrmap seen;		/* table | level walked */
	bool first;		/* first stage (else second stage) */
	unsigned levels;
	/* the table held for each level on the current path */
	uint64_t held[MAX_LEVELS + 1];
	bool have[MAX_LEVELS + 1];
	uint64_t tbl[MAX_LEVELS + 1][ENTRIES];
};

const char *vtd_map_not_walked_name(enum vtd_map_not_walked w)
{
	switch (w) {
	case VTD_MAP_PASS_THROUGH: return "pass-through";
	case VTD_MAP_NESTED:	   return "nested";
	case VTD_MAP_NO_TABLE:	   return "no table";
	default:		   return NULL;
	}
}

void vtd_map_budget_init(struct vtd_map_budget *b, unsigned long ranges,
			 unsigned long entries)
{
	memset(b, 0, sizeof(*b));
	b->ranges = ranges ? ranges : VTD_MAP_DEFAULT_RANGES;
	b->tables = (entries ? entries : VTD_DEFAULT_MAX_ENTRIES) / ENTRIES;
}

/* Spend one of *left; false (and the walk truncated) when none is left. */
static bool spend(struct mw *w, unsigned long *left)
{
	if (!w->budget)
		return true;
	if (!*left) {
		w->budget->exhausted = true;
		w->out->truncated = true;
		return false;
	}
	--*left;
	return true;
}

void vtd_mappings_free(struct vtd_mappings *mp)
{
	free(mp->ranges);
	memset(mp, 0, sizeof(*mp));
}

static uint64_t level_size(unsigned level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* Copy of an ancestor's table on the current path, if it is the same page */
static bool reuse_held(struct mw *w, unsigned level, uint64_t table)
{
	for (unsigned l = level; l <= w->levels; l++) {
		if (w->have[l] && w->held[l] == table) {
			if (l != level)
				memcpy(w->tbl[level], w->tbl[l],
				       sizeof(w->tbl[level]));
			return true;
		}
	}
	return false;
}

/* 0 loaded, 1 not guest RAM, 2 not recorded, <0 source failure */
static int load_table(struct mw *w, unsigned level, uint64_t table)
{
	uint8_t buf[VTD_PAGE_SIZE];
	int err;

	if (reuse_held(w, level, table))
		goto held;
	w->have[level] = false;
	if (!source_is_ram(w->src, table, VTD_PAGE_SIZE))
		return 1;
	err = source_read(w->src, table, buf, sizeof(buf));
	if (err == -EFAULT)
		return 1;
	if (err == -ENODATA)
		return 2;
	if (err < 0)
		return err;
	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t v = 0;

		for (int b = 7; b >= 0; b--)
			v = v << 8 | buf[8 * i + b];
		w->tbl[level][i] = v;
	}
held:
	w->held[level] = table;
	w->have[level] = true;
	return 0;
}

static int add_leaf(struct mw *w, uint64_t iova, uint64_t gpa, uint64_t size,
		    bool r, bool wr)
{
	struct vtd_mappings *o = w->out;
	struct vtd_map_range *last = o->nr_ranges ?
				     &o->ranges[o->nr_ranges - 1] : NULL;

	if (!w->budget && o->leaves >= VTD_MAP_MAX_LEAVES) {
		o->truncated = true;
		return 0;
	}
	o->leaves++;
	o->mapped += size;
	if (w->budget && w->budget->count_only)
		return 0;
	if (last && last->iova + last->size == iova &&
	    last->gpa + last->size == gpa && last->read == r &&
	    last->write == wr) {
		last->size += size;
		return 0;
	}
	if (!spend(w, w->budget ? &w->budget->ranges : NULL))
		return 0;
	if (o->nr_ranges == o->cap_ranges) {
		size_t cap = o->cap_ranges ? 2 * o->cap_ranges : 16;
		struct vtd_map_range *n = realloc(o->ranges, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		o->ranges = n;
		o->cap_ranges = cap;
	}
	o->ranges[o->nr_ranges++] = (struct vtd_map_range){
		.iova = iova, .gpa = gpa, .size = size, .read = r, .write = wr,
	};
	return 0;
}

/* IOVA of entry i of a table of `level` under base; first-stage upper half
 * addresses are canonical (sign extended from the top bit) */
static uint64_t entry_iova(const struct mw *w, unsigned level, uint64_t base,
			   unsigned i)
{
	uint64_t iova = base | (uint64_t)i << (12 + 9 * (level - 1));
	unsigned width = 12 + 9 * w->levels;

	if (w->first && level == w->levels && i >= ENTRIES / 2 && width < 64)
		iova |= ~0ULL << width;
	return iova;
}

static int walk_table(struct mw *w, unsigned level, uint64_t table,
		      uint64_t base, bool r, bool wr);

static int walk_entry(struct mw *w, unsigned level, uint64_t raw,
		      uint64_t iova, bool r, bool wr)
{
	struct vtd_pte_bits b;
	bool present, leaf;

	if (w->first) {
		vtd_decode_fspte(raw, &b);
		present = b.p;
		leaf = level == 1 || ((level == 2 || level == 3) && b.ps);
		wr = wr && b.rw;
	} else {
		vtd_decode_sspte(raw, &b);
		present = b.r || b.w;
		leaf = level == 1 || ((level == 2 || level == 3) && b.sp);
		r = r && b.r;
		wr = wr && b.w;
	}
	if (!present)
		return 0;
	if (leaf) {
		uint64_t size = level_size(level);

		return add_leaf(w, iova, b.addr & ~(size - 1), size, r, wr);
	}
	return walk_table(w, level - 1, b.addr, iova, r, wr);
}

/* Whether this page was walked at this level before in this call (the
 * second time it maps what the first did, at another IOVA). Out of memory
 * for the map: walk it (the caps still bound the work). */
static bool walked_before(struct mw *w, unsigned level, uint64_t table)
{
	bool found;

	return addrmap_get(&w->seen, table | level, 0, &found) && found;
}

static int walk_table(struct mw *w, unsigned level, uint64_t table,
		      uint64_t base, bool r, bool wr)
{
	struct vtd_mappings *o = w->out;
	int err;

	if (!w->budget && o->tables >= VTD_MAP_MAX_TABLES) {
		o->truncated = true;
		return 0;
	}
	if (walked_before(w, level, table & VTD_ADDR_MASK)) {
		o->shared++;
		return 0;
	}
	if (!spend(w, w->budget ? &w->budget->tables : NULL))
		return 0;
	o->tables++;
	err = load_table(w, level, table & VTD_ADDR_MASK);
	if (err < 0)
		return err;
	if (err == 2)
		o->not_recorded++;
	else if (err)
		o->bad_pointers++;
	if (err)
		return 0;
	/* deeper levels only overwrite tbl[< level]: this row stays ours */
	for (unsigned i = 0; i < ENTRIES && !o->truncated; i++) {
		err = walk_entry(w, level, w->tbl[level][i],
				 entry_iova(w, level, base, i), r, wr);
		if (err < 0)
			return err;
	}
	return 0;
}

/* What the context or PASID entry selects: stage, levels, root */
static enum vtd_map_not_walked select_table(const struct vtd_device *d,
					    const struct vtd_pasid_rec *p,
					    struct mw *w, uint64_t *root)
{
	struct vtd_pasid_entry e;
	unsigned aw;

	if (!d->scalable) {
		const struct vtd_ctx_legacy *c = &d->ctx.leg;

		if (c->tt == 2)
			return VTD_MAP_PASS_THROUGH;
		if (c->tt == 3 || c->aw > 3)
			return VTD_MAP_NO_TABLE;
		w->levels = c->aw + 2;
		*root = c->slptptr;
		return VTD_MAP_WALKED;
	}
	if (!p)
		return VTD_MAP_NO_TABLE;
	switch (vtd_pasid_decode(p, &e)->pgtt) {
	case VTD_PGTT_PT:
		return VTD_MAP_PASS_THROUGH;
	case VTD_PGTT_NESTED:
		return VTD_MAP_NESTED;
	case VTD_PGTT_FIRST:
		if (e.flpm > 1)
			return VTD_MAP_NO_TABLE;
		w->first = true;
		w->levels = 4 + e.flpm;
		*root = e.flptptr;
		return VTD_MAP_WALKED;
	case VTD_PGTT_SECOND:
		aw = e.aw;
		if (aw > 3)
			return VTD_MAP_NO_TABLE;
		w->levels = aw + 2;
		*root = e.slptptr;
		return VTD_MAP_WALKED;
	default:
		return VTD_MAP_NO_TABLE;
	}
}

int vtd_enum_mappings(struct vtd_source *src, const struct vtd_model *m,
		      const struct vtd_device *d,
		      const struct vtd_pasid_rec *p, struct vtd_map_budget *b,
		      struct vtd_mappings *out)
{
	struct mw *w;
	uint64_t root = 0;
	int err;

	(void)m;	/* CAP checks are xlate's; the entries say what is mapped */
	memset(out, 0, sizeof(*out));
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->src = src;
	w->out = out;
	w->budget = b;
	out->not_walked = select_table(d, p, w, &root);
	err = out->not_walked == VTD_MAP_WALKED ?
	      walk_table(w, w->levels, root, 0, true, true) : 0;
	addrmap_free(&w->seen);
	free(w);
	if (b && out->truncated)
		b->truncated++;
	if (err < 0)
		vtd_mappings_free(out);
	return err;
}
