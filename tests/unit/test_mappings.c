// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mapping enumeration over synthetic guest memory: page tables laid out by
 * hand from the VT-d layouts (9 bits per level, 4 KiB tables of 8-byte
 * entries); the expected ranges are worked out here from that layout.
 */
#include <stdlib.h>

#include "source/source.h"
#include "pasid_enc.h"
#include "unit.h"
#include "walker/mappings.h"

#define MEMSRC_RAM_SIZE	(4u << 20)	/* guest RAM is [0, 4 MiB) */
#include "memsrc.h"

#define K4		0x1000ULL
#define M2		0x200000ULL
#define G1		0x40000000ULL
#define SS_R		1ULL
#define SS_RW		3ULL
#define SP		(1ULL << 7)
#define FS_P		1ULL
#define FS_PRWU		(1ULL | 2 | 4)

static struct vtd_model model;
static struct vtd_device dev;
static struct vtd_pasid_rec prec;
static struct vtd_pasid_entry pe;	/* prec's fields, encoded before each call */
static struct vtd_mappings mp;
static unsigned long reads;
static struct vtd_map_budget *budget;	/* NULL: per-call caps only */

static void ent(uint64_t table, unsigned i, uint64_t v)
{
	memcpy(ram + table + 8 * i, &v, 8);
}

static void reset(void)
{
	memset(ram, 0, sizeof(ram));
	memset(&dev, 0, sizeof(dev));
	memset(&prec, 0, sizeof(prec));
	memset(&pe, 0, sizeof(pe));
	vtd_mappings_free(&mp);
}

static void legacy(unsigned tt, unsigned aw, uint64_t root)
{
	dev.scalable = false;
	dev.ctx.leg.p = true;
	dev.ctx.leg.tt = tt;
	dev.ctx.leg.aw = aw;
	dev.ctx.leg.slptptr = root;
}

static void pasid(unsigned pgtt, unsigned aw, uint64_t slpt, unsigned flpm,
		  uint64_t flpt)
{
	dev.scalable = true;
	pe.p = true;
	pe.pgtt = pgtt;
	pe.aw = aw;
	pe.slptptr = slpt;
	pe.flpm = flpm;
	pe.flptptr = flpt;
}

static int enumerate(void)
{
	struct vtd_source s = { .ops = &mem_ops };
	int err;

	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	unit_encode_pasid(&pe, prec.raw);
	err = vtd_enum_mappings(&s, &model, &dev, dev.scalable ? &prec : NULL,
				budget, &mp);
	reads = s.nr_reads;
	free(s.ram);
	return err;
}

#define RANGE(n, va, pa, sz, r, w)					\
	do {								\
		CHECK((n) < mp.nr_ranges);				\
		if ((n) < mp.nr_ranges) {				\
			CHECK_EQ_U64(mp.ranges[n].iova, va);		\
			CHECK_EQ_U64(mp.ranges[n].gpa, pa);		\
			CHECK_EQ_U64(mp.ranges[n].size, sz);		\
			CHECK(mp.ranges[n].read == (r));		\
			CHECK(mp.ranges[n].write == (w));		\
		}							\
	} while (0)

/* Legacy 3-level: a 2 MiB page and 4 KiB pages that continue it merge;
 * a permission change or a GPA jump starts a new range; a read-only
 * directory entry makes its whole subtree read-only. */
static void test_ss_3level(void)
{
	reset();
	legacy(0, 1, 0x100000);
	ent(0x100000, 0, 0x101000 | SS_RW);
	ent(0x101000, 0, 0 | SP | SS_RW);		/* [0, 2M) -> 0 */
	ent(0x101000, 1, 0x102000 | SS_RW);
	for (unsigned i = 0; i < 4; i++)
		ent(0x102000, i, (M2 + i * K4) | SS_RW);
	ent(0x102000, 4, (M2 + 4 * K4) | SS_R);
	ent(0x102000, 5, 0x300000 | SS_RW);
	ent(0x102000, 6, 0x301000 | SS_RW);
	ent(0x100000, 1, 0x103000 | SS_R);		/* read-only directory */
	ent(0x103000, 0, M2 | SP | SS_RW);
	CHECK(enumerate() == 0);
	CHECK(mp.not_walked == VTD_MAP_WALKED);
	CHECK_EQ_U64(mp.nr_ranges, 4);
	RANGE(0, 0, 0, M2 + 4 * K4, true, true);
	RANGE(1, M2 + 4 * K4, M2 + 4 * K4, K4, true, false);
	RANGE(2, M2 + 5 * K4, 0x300000, 2 * K4, true, true);
	RANGE(3, G1, M2, M2, true, false);
	CHECK_EQ_U64(mp.leaves, 9);
	CHECK_EQ_U64(mp.mapped, 2 * M2 + 7 * K4);
	CHECK_EQ_U64(mp.tables, 4);
	CHECK(!mp.truncated);
}

/* Scalable, second stage, 4-level: 512 4 KiB pages then a 2 MiB page,
 * all identity: one 4 MiB range; a pointer beyond RAM is counted. */
static void test_ss_4level_merge_and_bad_pointer(void)
{
	reset();
	pasid(VTD_PGTT_SECOND, 2, 0x100000, 0, 0);
	ent(0x100000, 0, 0x101000 | SS_RW);
	ent(0x101000, 0, 0x102000 | SS_RW);
	ent(0x101000, 2, 0x80000000ULL | SS_RW);	/* beyond RAM */
	ent(0x102000, 0, 0x103000 | SS_RW);
	for (unsigned i = 0; i < 512; i++)
		ent(0x103000, i, (i * K4) | SS_RW);
	ent(0x102000, 1, M2 | SP | SS_RW);
	CHECK(enumerate() == 0);
	CHECK_EQ_U64(mp.nr_ranges, 1);
	RANGE(0, 0, 0, 2 * M2, true, true);
	CHECK_EQ_U64(mp.leaves, 513);
	CHECK_EQ_U64(mp.bad_pointers, 1);
	CHECK(!mp.truncated);
}

/* First stage, 4-level: a 1 GiB page, and a read-only 2 MiB page in the
 * upper half (canonical IOVA 0xffffffffc0000000). */
static void test_fs_1g(void)
{
	reset();
	pasid(VTD_PGTT_FIRST, 0, 0, 0, 0x100000);
	ent(0x100000, 0, 0x101000 | FS_PRWU);
	ent(0x101000, 1, G1 | SP | FS_PRWU);
	ent(0x100000, 511, 0x102000 | FS_PRWU);
	ent(0x102000, 511, 0x103000 | FS_PRWU);
	ent(0x103000, 0, 0x600000 | SP | FS_P | 4);	/* R/W clear */
	ent(0x103000, 1, 0x12345000 | 2 | 4);		/* not present */
	CHECK(enumerate() == 0);
	CHECK_EQ_U64(mp.nr_ranges, 2);
	RANGE(0, G1, G1, G1, true, true);
	RANGE(1, 0xffffffffc0000000ULL, 0x600000, M2, true, false);
	CHECK_EQ_U64(mp.leaves, 2);
}

/* A table whose entries all point at itself: each page is walked once per
 * level, the rest counted as shared; the page is read from the guest once.
 * (Walked again at each reference, it gave 2^36 leaves.) */
static void test_self_reference(void)
{
	reset();
	legacy(0, 2, 0x100000);
	ent(0x100000, 0, 0x100000 | SS_RW);
	CHECK(enumerate() == 0);
	CHECK_EQ_U64(mp.nr_ranges, 1);
	RANGE(0, 0, 0x100000, K4, true, true);
	CHECK_EQ_U64(mp.tables, 4);
	for (unsigned i = 0; i < 512; i++)
		ent(0x100000, i, 0x100000 | SS_RW);
	vtd_mappings_free(&mp);
	CHECK(enumerate() == 0);
	CHECK(!mp.truncated);
	CHECK_EQ_U64(mp.tables, 4);
	CHECK_EQ_U64(mp.leaves, 512);		/* the level-1 walk */
	CHECK_EQ_U64(mp.nr_ranges, 512);	/* 4 KiB each, all at 0x100000 */
	CHECK_EQ_U64(mp.shared, 3 * 511);	/* levels 4, 3, 2: the others */
	RANGE(511, 511 * K4, 0x100000, K4, true, true);
	CHECK_EQ_U64(reads, 1);
}

/* The command's budget, shared by walks: ranges, then table pages. */
static void test_budget(void)
{
	struct vtd_map_budget b;

	reset();
	legacy(0, 2, 0x100000);
	for (unsigned i = 0; i < 512; i++)
		ent(0x100000, i, 0x100000 | SS_RW);
	vtd_map_budget_init(&b, 600, 0);
	budget = &b;
	CHECK(enumerate() == 0);
	CHECK(!mp.truncated && mp.nr_ranges == 512);
	vtd_mappings_free(&mp);
	CHECK(enumerate() == 0);		/* a second PASID, same table */
	CHECK(mp.truncated);
	CHECK_EQ_U64(mp.nr_ranges, 88);
	CHECK(b.exhausted);
	CHECK_EQ_U64(b.truncated, 1);
	vtd_mappings_free(&mp);
	CHECK(enumerate() == 0);		/* nothing left: nothing listed */
	CHECK(mp.truncated && mp.nr_ranges == 0);
	CHECK_EQ_U64(b.truncated, 2);
	/* 3 table pages (1536 entries) allowed: the level-1 table is not */
	vtd_map_budget_init(&b, 0, 3 * 512);
	CHECK_EQ_U64(b.ranges, VTD_MAP_DEFAULT_RANGES);
	vtd_mappings_free(&mp);
	CHECK(enumerate() == 0);
	CHECK(mp.truncated && mp.tables == 3 && mp.nr_ranges == 0);
	CHECK(b.exhausted);
	budget = NULL;
}

static void test_not_walked(void)
{
	reset();
	legacy(2, 1, 0x100000);
	CHECK(enumerate() == 0);
	CHECK_STR(vtd_map_not_walked_name(mp.not_walked), "pass-through");
	pasid(VTD_PGTT_NESTED, 2, 0x100000, 0, 0x101000);
	CHECK(enumerate() == 0);
	CHECK_STR(vtd_map_not_walked_name(mp.not_walked), "nested");
	pasid(VTD_PGTT_PT, 2, 0, 0, 0);
	CHECK(enumerate() == 0);
	CHECK_STR(vtd_map_not_walked_name(mp.not_walked), "pass-through");
	pasid(VTD_PGTT_SECOND, 5, 0x100000, 0, 0);	/* reserved AW */
	CHECK(enumerate() == 0);
	CHECK_STR(vtd_map_not_walked_name(mp.not_walked), "no table");
	CHECK_EQ_U64(mp.nr_ranges, 0);
	legacy(0, 1, 0x80000000ULL);			/* root beyond RAM */
	CHECK(enumerate() == 0);
	CHECK(mp.not_walked == VTD_MAP_WALKED);
	CHECK_EQ_U64(mp.bad_pointers, 1);
	CHECK(vtd_map_not_walked_name(VTD_MAP_WALKED) == NULL);
}

int main(void)
{
	test_ss_3level();
	test_ss_4level_merge_and_bad_pointer();
	test_fs_1g();
	test_self_reference();
	test_budget();
	test_not_walked();
	vtd_mappings_free(&mp);
	return unit_summary();
}
