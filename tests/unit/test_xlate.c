// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The page walk over synthetic guest memory: page tables laid out here by
 * hand from the VT-d layouts (9 bits per level, 4 KiB tables of 8-byte
 * entries), the expected output addresses and fault reasons worked out
 * from the specification and from the reserved-bit masks QEMU enforces.
 */
#include <errno.h>
#include <stdlib.h>

#include "source/source.h"
#include "pasid_enc.h"
#include "unit.h"
#include "vtd/faultreason.h"
#include "walker/xlate.h"

#define MEMSRC_RAM_SIZE	(4u << 20)	/* guest RAM is [0, 4 MiB) */
#include "memsrc.h"

#define B(n)		(1ULL << (n))
#define SS_RW		3ULL		/* R | W */
#define FS_PRWU		(1ULL | 2 | 4)	/* P | R/W | U/S */

static struct vtd_model model;
static struct vtd_device dev;
static struct vtd_pasid_rec prec;
static struct vtd_pasid_entry pe;	/* prec's fields, encoded before each call */
static struct vtd_xlate xl;

static unsigned idx(uint64_t a, unsigned level)
{
	return (a >> (12 + 9 * (level - 1))) & 511;
}

/* Set the entry of `level` for address a in table t */
static void pte(uint64_t t, uint64_t a, unsigned level, uint64_t v)
{
	put64(t + 8 * idx(a, level), v);
}

/* CAP: MGAW, SAGAW, SLLPS 2M+1G, FL1GP, FL5LP when asked */
static void reset(unsigned mgaw, unsigned sagaw, uint64_t ecap, bool fl5lp)
{
	memset(ram, 0, sizeof(ram));
	memset(&model, 0, sizeof(model));
	memset(&dev, 0, sizeof(dev));
	memset(&prec, 0, sizeof(prec));
	memset(&pe, 0, sizeof(pe));
	model.regs.valid = true;
	vtd_decode_cap((uint64_t)sagaw << 8 | (uint64_t)(mgaw - 1) << 16 |
		       3ULL << 34 | B(56) | (fl5lp ? B(60) : 0), &model.cap);
	vtd_decode_ecap(ecap, &model.ecap);
	dev.devfn = 0xf8;	/* 00:1f.0 */
}

#define ECAP_LEGACY	(B(6))				/* PT */
#define ECAP_SM		(B(6) | B(26) | B(43) | B(46) | B(47))	/* PT NEST SMTS SLTS FLTS */

static void legacy(unsigned tt, unsigned aw, uint64_t slpt)
{
	dev.scalable = false;
	dev.ctx.leg.p = true;
	dev.ctx.leg.tt = tt;
	dev.ctx.leg.aw = aw;
	dev.ctx.leg.slptptr = slpt;
}

static void pasid_entry(unsigned pgtt, unsigned aw, uint64_t slpt,
			unsigned flpm, uint64_t flpt)
{
	dev.scalable = true;
	prec.pasid = 0;
	pe.p = true;
	pe.pgtt = pgtt;
	pe.aw = aw;
	pe.slptptr = slpt;
	pe.flpm = flpm;
	pe.flptptr = flpt;
}

static int xlate(uint64_t iova, bool write)
{
	struct vtd_source s = { .ops = &mem_ops };
	struct vtd_xlate_req r = {
		.m = &model, .d = &dev, .p = dev.scalable ? &prec : NULL,
		.iova = iova, .write = write,
	};
	int err;

	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	unit_encode_pasid(&pe, prec.raw);
	err = vtd_xlate(&s, &r, &xl);
	free(s.ram);
	return err;
}

#define TRANSLATES(in, wr, out, sz)					\
	do {								\
		CHECK(xlate(in, wr) == 0);				\
		CHECK(!xl.faulted);					\
		CHECK_EQ_U64(xl.gpa, out);				\
		CHECK_EQ_U64(xl.page_size, sz);				\
	} while (0)

#define FAULTS(in, wr, fr, lvl)						\
	do {								\
		CHECK(xlate(in, wr) == 0);				\
		CHECK(xl.faulted);					\
		CHECK_EQ_U64(xl.fault.reason, fr);			\
		CHECK_EQ_U64(xl.fault.level, lvl);			\
	} while (0)

/* --- second stage ------------------------------------------------------- */

static void test_ss_3level(void)
{
	uint64_t a = 0x40123456;	/* L3 1, L2 0, L1 0x123 */

	reset(39, 0x2, ECAP_LEGACY, false);
	legacy(0, 1, 0x10000);
	pte(0x10000, a, 3, 0x11000 | SS_RW);
	pte(0x11000, a, 2, 0x12000 | SS_RW);
	pte(0x12000, a, 1, 0x345000 | SS_RW);
	TRANSLATES(a, false, 0x345456, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 3);
	CHECK_EQ_U64(xl.levels, 3);
	CHECK_EQ_U64(xl.width, 39);
	CHECK(xl.stage == VTD_XS_SECOND);
	CHECK_EQ_U64(xl.steps[0].index, 1);
	CHECK_EQ_U64(xl.steps[0].entry, 0x10008);
	CHECK_EQ_U64(xl.steps[2].index, 0x123);
	CHECK_EQ_U64(xl.steps[2].raw, 0x345003);
	CHECK(xl.steps[2].leaf && xl.steps[2].bits.r && xl.steps[2].bits.w);
	CHECK_EQ_U64(xl.steps[1].table, 0x11000);
	/* TT=1 (device-TLB) walks the same tables */
	dev.ctx.leg.tt = 1;
	TRANSLATES(a, true, 0x345456, 0x1000);
	/* beyond the 39-bit AGAW: legacy 0x4 */
	FAULTS(B(39) | a, false, VTD_FR_BEYOND_MGAW, 0);
	CHECK_EQ_U64(xl.nr_steps, 0);
	/* AW=2 is not in SAGAW 0x2: invalid context entry */
	dev.ctx.leg.aw = 2;
	FAULTS(a, false, VTD_FR_CTX_INVALID, 0);
}

static void test_ss_4level_2m(void)
{
	uint64_t a = 0x8000654321ULL;	/* L4 1, L3 0, L2 3, offset in 2M */

	reset(48, 0x6, ECAP_LEGACY, false);
	legacy(0, 2, 0x20000);
	pte(0x20000, a, 4, 0x21000 | SS_RW);
	pte(0x21000, a, 3, 0x22000 | SS_RW);
	pte(0x22000, a, 2, 0x40000000 | B(7) | SS_RW);	/* 2 MiB page */
	TRANSLATES(a, false, 0x40054321, 0x200000);
	CHECK_EQ_U64(xl.nr_steps, 3);
	CHECK(xl.steps[2].leaf && xl.steps[2].bits.sp);
	/* bits 20:12 of a 2M leaf are reserved: 0xC */
	pte(0x22000, a, 2, 0x40001000 | B(7) | SS_RW);
	FAULTS(a, false, VTD_FR_PTE_RSVD, 2);
	CHECK_EQ_U64(xl.steps[2].rsvd, 0x1000);
	/* SP at L4 is reserved */
	pte(0x20000, a, 4, 0x21000 | B(7) | SS_RW);
	FAULTS(a, false, VTD_FR_PTE_RSVD, 4);
}

static void test_ss_5level_1g(void)
{
	uint64_t a = 0x1000000000000ULL | 0x0c0123456ULL;	/* L5 1 (bit 48), L3 3 */

	reset(57, 0xe, ECAP_LEGACY, false);
	legacy(0, 3, 0x30000);
	CHECK_EQ_U64(idx(a, 5), 1);
	pte(0x30000, a, 5, 0x31000 | SS_RW);
	pte(0x31000, a, 4, 0x32000 | SS_RW);
	pte(0x32000, a, 3, 0x80000000ULL | B(7) | SS_RW);	/* 1 GiB page */
	TRANSLATES(a, false, 0x80000000ULL | 0x00123456, 0x40000000);
	CHECK_EQ_U64(xl.nr_steps, 3);
	CHECK_EQ_U64(xl.levels, 5);
	CHECK_EQ_U64(xl.width, 57);
}

static void test_ss_faults_legacy(void)
{
	uint64_t a = 0x5000;

	reset(39, 0x2, ECAP_LEGACY, false);
	legacy(0, 1, 0x10000);
	pte(0x10000, a, 3, 0x11000 | SS_RW);
	pte(0x11000, a, 2, 0x12000 | SS_RW);
	/* not present: R=W=0 gives the permission code of the access */
	FAULTS(a, false, VTD_FR_NO_READ, 1);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_NO_READ);
	FAULTS(a, true, VTD_FR_NO_WRITE, 1);
	/* read-only page: reads pass, writes fault */
	pte(0x12000, a, 1, 0x7000 | 1);
	TRANSLATES(a, false, 0x7000, 0x1000);
	FAULTS(a, true, VTD_FR_NO_WRITE, 1);
	/* SNP (bit 11) in a legacy leaf without ECAP.SC is reserved */
	pte(0x12000, a, 1, 0x7000 | B(11) | SS_RW);
	FAULTS(a, false, VTD_FR_PTE_RSVD, 1);
	CHECK_EQ_U64(xl.steps[2].rsvd, B(11));
	model.ecap.sc = true;
	TRANSLATES(a, false, 0x7000, 0x1000);
	/* TM (bit 62) is reserved unless ECAP.DT (QEMU < 9.2 ignores it then) */
	pte(0x12000, a, 1, 0x7000 | B(62) | SS_RW);
	FAULTS(a, false, VTD_FR_PTE_RSVD, 1);
	model.ecap.dt = true;
	TRANSLATES(a, false, 0x7000, 0x1000);
	/* bits 61:52 and 63 are ignored */
	pte(0x12000, a, 1, 0x7000 | B(63) | B(52) | SS_RW);
	TRANSLATES(a, false, 0x7000, 0x1000);
	/* an address bit at or above MGAW (39) is reserved */
	pte(0x12000, a, 1, 0x7000 | B(39) | SS_RW);
	FAULTS(a, false, VTD_FR_PTE_RSVD, 1);
	/* a non-leaf entry pointing outside RAM: next table pointer invalid */
	pte(0x11000, a, 2, 0x10000000 | SS_RW);
	FAULTS(a, false, VTD_FR_NEXT_PT_INVALID, 1);
	CHECK(!xl.steps[2].read);
	/* the root table outside RAM: 0x7 per the spec, QEMU says 0x3 */
	dev.ctx.leg.slptptr = 0x20000000;
	FAULTS(a, false, VTD_FR_NEXT_PT_INVALID, 3);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_CTX_INVALID);
	/* output in the interrupt range */
	dev.ctx.leg.slptptr = 0x10000;
	pte(0x11000, a, 2, 0x12000 | SS_RW);
	pte(0x12000, a, 1, 0xfee00000 | SS_RW);
	FAULTS(a, false, VTD_FR_INTERRUPT_ADDR, 0);
}

static void test_ss_scalable(void)
{
	uint64_t a = 0x5000;

	reset(48, 0x6, ECAP_SM, false);
	pasid_entry(VTD_PGTT_SECOND, 2, 0x10000, 0, 0);
	pte(0x10000, a, 4, 0x11000 | SS_RW);
	pte(0x11000, a, 3, 0x12000 | SS_RW);
	pte(0x12000, a, 2, 0x13000 | SS_RW);
	/* not present in scalable mode: 0x79 (QEMU keeps the legacy 0x6) */
	FAULTS(a, false, VTD_FR_SM_SS_PERM, 1);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_NO_READ);
	CHECK_EQ_U64(xl.pasid, 0);
	/* SNP in a scalable-mode leaf is allowed, in a non-leaf reserved */
	pte(0x13000, a, 1, 0x9000 | B(11) | 1);
	TRANSLATES(a, false, 0x9000, 0x1000);
	FAULTS(a, true, VTD_FR_SM_NO_WRITE, 1);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_NO_WRITE);
	pte(0x12000, a, 2, 0x13000 | B(11) | SS_RW);
	FAULTS(a, false, VTD_FR_SM_SS_RSVD, 2);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_PTE_RSVD);
	/* tables outside RAM: 0x78 below the root, 0x7B for SSPTPTR */
	pte(0x12000, a, 2, 0x10000000 | SS_RW);
	FAULTS(a, false, VTD_FR_SM_SS_ACCESS, 1);
	pe.slptptr = 0x10000000;
	FAULTS(a, false, VTD_FR_SM_SSPTPTR_INVALID, 4);
	/* beyond the 48-bit width */
	pe.slptptr = 0x10000;
	FAULTS(B(48), false, VTD_FR_SM_BEYOND_HW_MAX, 0);
	/* reserved PGTT, and AW outside SAGAW */
	pe.pgtt = 5;
	FAULTS(a, false, VTD_FR_SM_PASID_ENTRY_INVALID, 0);
	pe.pgtt = VTD_PGTT_SECOND;
	pe.aw = 3;
	FAULTS(a, false, VTD_FR_SM_PASID_ENTRY_INVALID, 0);
}

/* A table whose entry 0 points at itself at every level: the walk reads it
 * once per level and ends at L1, where the entry is a leaf. */
static void test_self_reference(void)
{
	reset(48, 0x6, ECAP_LEGACY, false);
	legacy(0, 2, 0x10000);
	put64(0x10000, 0x10000 | SS_RW);
	TRANSLATES(0x123, false, 0x10123, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ_U64(xl.steps[i].table, 0x10000);
	/* the same for a first-stage table, 5 levels */
	reset(48, 0x6, ECAP_SM, true);
	pasid_entry(VTD_PGTT_FIRST, 2, 0, 1, 0x10000);
	put64(0x10000, 0x10000 | FS_PRWU);
	TRANSLATES(0x456, true, 0x10456, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 5);
}

/* --- pass-through ------------------------------------------------------- */

static void test_pass_through(void)
{
	reset(39, 0x2, ECAP_LEGACY, false);
	legacy(2, 1, 0x30000000);	/* SLPTPTR is ignored, even outside RAM */
	TRANSLATES(0x12345678, true, 0x12345678, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 0);
	CHECK(xl.stage == VTD_XS_PT);
	FAULTS(B(39), false, VTD_FR_BEYOND_MGAW, 0);
	reset(48, 0x6, ECAP_SM, false);
	pasid_entry(VTD_PGTT_PT, 2, 0x30000000, 0, 0x30000000);
	TRANSLATES(0xabcdef, false, 0xabcdef, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 0);
	/* PT not offered by ECAP: invalid PASID entry */
	model.ecap.pt = false;
	FAULTS(0xabcdef, false, VTD_FR_SM_PASID_ENTRY_INVALID, 0);
}

/* --- first stage -------------------------------------------------------- */

static void test_fs_4level(void)
{
	uint64_t a = 0x7f0000a12345ULL;	/* canonical, top half of the user range */

	reset(48, 0x6, ECAP_SM, false);
	pasid_entry(VTD_PGTT_FIRST, 2, 0, 0, 0x10000);	/* AW does not matter */
	pte(0x10000, a, 4, 0x11000 | FS_PRWU | B(5));
	pte(0x11000, a, 3, 0x12000 | FS_PRWU);
	pte(0x12000, a, 2, 0x200000 | B(7) | FS_PRWU | B(6));	/* 2 MiB */
	TRANSLATES(a, true, 0x200000 | (a & 0x1fffff), 0x200000);
	CHECK_EQ_U64(xl.levels, 4);
	CHECK_EQ_U64(xl.width, 48);
	CHECK(xl.stage == VTD_XS_FIRST);
	CHECK(xl.steps[0].stage == VTD_XS_FIRST && xl.steps[0].bits.a);
	CHECK(xl.steps[2].bits.ps && xl.steps[2].bits.d && xl.steps[2].leaf);
	/* 4 KiB below */
	pte(0x12000, a, 2, 0x13000 | FS_PRWU);
	pte(0x13000, a, 1, 0x3ff000 | FS_PRWU | B(63));	/* XD only decoded */
	TRANSLATES(a, false, 0x3ff345, 0x1000);
	CHECK(xl.steps[3].bits.xd);
	/* a 1 GiB page */
	pte(0x11000, a, 3, 0x40000000 | B(7) | FS_PRWU);
	TRANSLATES(a, false, 0x40000000 | (a & 0x3fffffff), 0x40000000);
	/* PAT (bit 12) is allowed in a 1G leaf, bit 13 reserved */
	pte(0x11000, a, 3, 0x40000000 | B(12) | B(7) | FS_PRWU);
	TRANSLATES(a, false, 0x40000000 | (a & 0x3fffffff), 0x40000000);
	pte(0x11000, a, 3, 0x40000000 | B(13) | B(7) | FS_PRWU);
	FAULTS(a, false, VTD_FR_SM_FS_RSVD, 3);
	pte(0x11000, a, 3, 0x12000 | FS_PRWU);
	/* not present; read-only; supervisor-only */
	pte(0x13000, a, 1, 0);
	FAULTS(a, false, VTD_FR_SM_FS_P, 1);
	CHECK_EQ_U64(xl.fault.qemu_reason, VTD_FR_SM_FS_P);
	pte(0x13000, a, 1, 0x3ff000 | 1 | 4);
	TRANSLATES(a, false, 0x3ff345, 0x1000);
	FAULTS(a, true, VTD_FR_SM_NO_WRITE, 1);
	pte(0x12000, a, 2, 0x13000 | 1 | 2);
	FAULTS(a, false, VTD_FR_SM_US, 2);
	/* PS at L4 is reserved */
	pte(0x10000, a, 4, 0x11000 | B(7) | FS_PRWU);
	FAULTS(a, false, VTD_FR_SM_FS_RSVD, 4);
	/* non-canonical input */
	FAULTS(B(47), false, VTD_FR_SM_NON_CANONICAL, 0);
	/* tables outside RAM: FSPTPTR 0x73, below 0x70 */
	pte(0x10000, a, 4, 0x10000000 | FS_PRWU);
	FAULTS(a, false, VTD_FR_SM_FS_ACCESS, 3);
	pe.flptptr = 0x10000000;
	FAULTS(a, false, VTD_FR_SM_FSPTPTR_ACCESS, 4);
	/* FLPM 2 is reserved; FLPM 1 needs CAP.FL5LP */
	pe.flpm = 2;
	FAULTS(a, false, VTD_FR_SM_PASID_ENTRY_INVALID, 0);
	pe.flpm = 1;
	FAULTS(a, false, VTD_FR_SM_PASID_ENTRY_INVALID, 0);
}

static void test_fs_5level(void)
{
	uint64_t a = B(56) - 0x1000 + 0x10;	/* L5 255 */

	reset(48, 0x6, ECAP_SM, true);
	pasid_entry(VTD_PGTT_FIRST, 2, 0, 1, 0x10000);
	pte(0x10000, a, 5, 0x11000 | FS_PRWU);
	pte(0x11000, a, 4, 0x12000 | FS_PRWU);
	pte(0x12000, a, 3, 0x13000 | FS_PRWU);
	pte(0x13000, a, 2, 0x14000 | FS_PRWU);
	pte(0x14000, a, 1, 0x5000 | FS_PRWU);
	TRANSLATES(a, false, 0x5010, 0x1000);
	CHECK_EQ_U64(xl.nr_steps, 5);
	CHECK_EQ_U64(xl.levels, 5);
	CHECK_EQ_U64(xl.width, 57);
	CHECK_EQ_U64(xl.steps[0].index, 255);
	/* canonical at 57 bits: bit 56 set needs bits 63:57 set too */
	FAULTS(B(56), false, VTD_FR_SM_NON_CANONICAL, 0);
}

/* --- nested ------------------------------------------------------------- */

/*
 * The second stage (3 levels at 0x100000) maps GPA [0, 2 MiB) to
 * [2 MiB, 4 MiB) with 4 KiB pages; the first stage (4 levels) lives at
 * GPAs 0x10000.. (so at 0x210000.. in memory) and maps the IOVA to GPA 0x5000.
 */
static void nested_layout(uint64_t a)
{
	reset(48, 0x6, ECAP_SM, false);
	pasid_entry(VTD_PGTT_NESTED, 1, 0x100000, 0, 0x10000);
	put64(0x100000, 0x101000 | SS_RW);
	put64(0x101000, 0x102000 | SS_RW);
	for (uint64_t i = 0; i < 512; i++)
		put64(0x102000 + 8 * i, (0x200000 + (i << 12)) | SS_RW);
	pte(0x210000, a, 4, 0x11000 | FS_PRWU);
	pte(0x211000, a, 3, 0x12000 | FS_PRWU);
	pte(0x212000, a, 2, 0x13000 | FS_PRWU);
	pte(0x213000, a, 1, 0x5000 | FS_PRWU);
}

static void test_nested(void)
{
	uint64_t a = 0x7000001234ULL;

	nested_layout(a);
	TRANSLATES(a, true, 0x205234, 0x1000);
	CHECK(xl.stage == VTD_XS_NESTED);
	CHECK_EQ_U64(xl.levels, 4);
	CHECK_EQ_U64(xl.ss_levels, 3);
	/* 4 x (3 SS + 1 FS) + 3 SS for the output */
	CHECK_EQ_U64(xl.nr_steps, 19);
	CHECK(xl.steps[0].stage == VTD_XS_SECOND && xl.steps[0].nested_for == 4);
	CHECK(xl.steps[3].stage == VTD_XS_FIRST);
	CHECK_EQ_U64(xl.steps[3].table, 0x210000);
	CHECK(xl.steps[18].nested_for == VTD_XLATE_FOR_OUTPUT);
	CHECK(xl.fault.qemu_reason == 0);
	/* the second stage does not map the first stage's root table */
	put64(0x102000 + 8 * 0x10, 0);
	FAULTS(a, false, VTD_FR_SM_FSPTPTR_NESTED_NO_R, 1);
	CHECK_EQ_U64(xl.fault.qemu_reason, 0);
	/* ... nor a lower table */
	nested_layout(a);
	put64(0x102000 + 8 * 0x12, 2);	/* write-only */
	FAULTS(a, false, VTD_FR_SM_FS_NESTED_NO_R, 1);
	/* ... nor the output page: 0x79 */
	nested_layout(a);
	put64(0x102000 + 8 * 0x5, 0);
	FAULTS(a, false, VTD_FR_SM_SS_PERM, 1);
	/* output read-only for a write: 0x85 */
	put64(0x102000 + 8 * 0x5, 0x205000 | 1);
	FAULTS(a, true, VTD_FR_SM_NO_WRITE, 1);
	/* a first-stage table beyond the second stage's 39 bits */
	nested_layout(a);
	pte(0x210000, a, 4, B(40) | FS_PRWU);
	FAULTS(a, false, VTD_FR_SM_FS_NESTED_BEYOND, 3);
}

static void test_fault_names(void)
{
	CHECK(vtd_fault_reason_name(0) == NULL);
	CHECK(vtd_fault_reason_name(0x0f) == NULL);
	CHECK(vtd_fault_reason_name(0x91) == NULL);
	CHECK(vtd_fault_reason_name(1000) == NULL);
	for (unsigned fr = 0x1; fr <= 0xd; fr++)
		CHECK(vtd_fault_reason_name(fr) != NULL);
	for (unsigned fr = 0x20; fr <= 0x26; fr++)
		CHECK(vtd_fault_reason_name(fr) != NULL);
	for (unsigned fr = 0x40; fr <= 0x48; fr++)
		CHECK(vtd_fault_reason_name(fr) != NULL);
	for (unsigned fr = 0x70; fr <= 0x7c; fr++)
		CHECK(vtd_fault_reason_name(fr) != NULL);
	for (unsigned fr = 0x80; fr <= 0x87; fr++)
		CHECK(vtd_fault_reason_name(fr) != NULL);
	CHECK(vtd_fault_reason_name(0x90) != NULL);
	CHECK(vtd_fault_reason_name(0x33) == NULL);
	CHECK_STR(vtd_xlate_stage_name(VTD_XS_NESTED), "nested");
}

int main(void)
{
	test_ss_3level();
	test_ss_4level_2m();
	test_ss_5level_1g();
	test_ss_faults_legacy();
	test_ss_scalable();
	test_self_reference();
	test_pass_through();
	test_fs_4level();
	test_fs_5level();
	test_nested();
	test_fault_names();
	return unit_summary();
}
