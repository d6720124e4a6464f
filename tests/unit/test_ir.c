// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interrupt remapping: IRTE vectors built here from the bit positions of
 * VT-d spec 9.10/9.11 (VTD-REFERENCE §3.11), and the table reader over an
 * in-memory source (hostile tables included).
 */
#include <errno.h>
#include <stdlib.h>

#include "walker/regfile.h"
#include "source/source.h"
#include "unit.h"
#include "walker/ir.h"
#include "model/model.h"
#include "vtd/regs.h"

#define B(n)		(1ULL << (n))
#define TBASE		0x20000ULL
#define ECAP_EIM	B(4)

#include "memsrc.h"

static void put_irte(uint32_t i, uint64_t lo, uint64_t hi)
{
	memcpy(ram + TBASE + 16ULL * i, &lo, 8);
	memcpy(ram + TBASE + 16ULL * i + 8, &hi, 8);
}

static void reset(uint64_t irta, uint32_t gsts, uint64_t ecap)
{
	memset(ram, 0, sizeof(ram));
	memset(regs, 0, sizeof(regs));
	regs[VTD_REG_ECAP / 8] = ecap;
	memcpy((uint8_t *)regs + VTD_REG_GSTS, &gsts, 4);
	regs[VTD_REG_IRTA / 8] = irta;
}

static int read_ir(struct vtd_ir *ir, struct vtd_model *m,
		   const struct vtd_filter *f)
{
	struct vtd_source s = { .ops = &mem_ops };
	struct vtd_regfile rf;
	int err;

	memset(m, 0, sizeof(*m));
	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	err = vtd_read_regfile(&s, &rf);
	if (!err)
		err = vtd_read_ir(&s, &rf, f, ir, m);
	free(s.ram);
	return err;
}

/* Findings of code, those a summary stands for included */
static unsigned count(const struct vtd_model *m, const char *code)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->nr_findings; i++)
		if (!strcmp(m->findings[i].code, code))
			n += m->findings[i].more ? m->findings[i].more : 1;
	return n;
}

/* Findings of code kept in the model */
static unsigned kept(const struct vtd_model *m, const char *code)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->nr_findings; i++)
		n += !strcmp(m->findings[i].code, code) && !m->findings[i].more;
	return n;
}

/* remapped, xAPIC: P, DM b2, RH b3, TM b4, DLM 1 (7:5), AVAIL 5 (11:8),
 * vector 0x41 (23:16), APIC id 3 in 47:40; SID 00:05.0 (0x0028), SQ 1
 * (81:80), SVT 1 (83:82) */
#define LO_XAPIC	(1 | B(2) | B(3) | B(4) | 1ULL << 5 | 5ULL << 8 | \
			 0x41ULL << 16 | 3ULL << 40)
#define HI_SID		(0x0028 | 1ULL << 16 | 1ULL << 18)

static void test_remapped(void)
{
	uint64_t raw[2] = { LO_XAPIC, HI_SID };
	struct vtd_irte e;
	char buf[24];

	vtd_decode_irte(raw, false, &e);
	CHECK(e.p && !e.fpd && !e.im && e.dm && e.rh && e.tm);
	CHECK_EQ_U64(e.dlm, 1);
	CHECK_STR(vtd_dlm_name(e.dlm, buf, sizeof(buf)), "lowpri");
	CHECK_EQ_U64(e.avail, 5);
	CHECK_EQ_U64(e.vector, 0x41);
	CHECK_EQ_U64(e.dest_id, 0x300);
	CHECK_EQ_U64(e.dest, 3);
	CHECK_EQ_U64(e.sid, 0x0028);
	CHECK_EQ_U64(e.sq, 1);
	CHECK_EQ_U64(e.svt, 1);
	CHECK_STR(vtd_svt_name(e.svt), "sid");
	CHECK_EQ_U64(e.rsvd[0] | e.rsvd[1], 0);

	/* x2APIC: the full 32 bits of 63:32 are the destination */
	raw[0] = 1 | 0x30ULL << 16 | 0x12345678ULL << 32;
	vtd_decode_irte(raw, true, &e);
	CHECK_EQ_U64(e.dest, 0x12345678);
	CHECK_EQ_U64(e.rsvd[0], 0);
	/* ... which in xAPIC mode sets reserved 39:32 and 63:48 */
	vtd_decode_irte(raw, false, &e);
	CHECK_EQ_U64(e.dest, 0x56);
	CHECK_EQ_U64(e.rsvd[0], 0x12340078ULL << 32);

	/* reserved: 14:12, 31:24 low; 127:84 high */
	raw[0] = 1 | B(12) | B(24);
	raw[1] = B(20) | B(63);
	vtd_decode_irte(raw, true, &e);
	CHECK_EQ_U64(e.rsvd[0], B(12) | B(24));
	CHECK_EQ_U64(e.rsvd[1], B(20) | B(63));

	CHECK_STR(vtd_dlm_name(0, buf, sizeof(buf)), "fixed");
	CHECK_STR(vtd_dlm_name(7, buf, sizeof(buf)), "extint");
	CHECK_STR(vtd_dlm_name(3, buf, sizeof(buf)), "reserved(3)");
	CHECK_STR(vtd_svt_name(2), "bus-range");
}

static void test_posted(void)
{
	/* posted: P, URG b14, IM b15, vector 0x55; descriptor at
	 * 0x1_2345_6780: bits 31:6 in 63:38, bits 63:32 in 127:96 */
	uint64_t pda = 0x123456780ULL;
	uint64_t raw[2] = {
		1 | B(14) | B(15) | 0x55ULL << 16 | (pda & 0xffffffffULL) >> 6 << 38,
		0x0100 | (pda >> 32) << 32,
	};
	struct vtd_irte e;

	vtd_decode_irte(raw, false, &e);
	CHECK(e.p && e.im && e.urg);
	CHECK_EQ_U64(e.vector, 0x55);
	CHECK_EQ_U64(e.pda, pda);
	CHECK_EQ_U64(e.sid, 0x0100);
	CHECK_EQ_U64(e.rsvd[0] | e.rsvd[1], 0);
	/* posted reserved: 7:2, 13:12, 37:24 low; 95:84 high */
	raw[0] |= B(2) | B(13) | B(37);
	raw[1] |= B(20) | B(31);
	vtd_decode_irte(raw, false, &e);
	CHECK_EQ_U64(e.rsvd[0], B(2) | B(13) | B(37));
	CHECK_EQ_U64(e.rsvd[1], B(20) | B(31));
}

static void test_table(void)
{
	struct vtd_filter f = VTD_FILTER_ALL;
	struct vtd_ir ir;
	struct vtd_model m;

	/* S=3: 16 entries; 0 and 5 present, 7 a non-present leftover */
	reset(TBASE | 3, VTD_GSTS_IRES | VTD_GSTS_IRTPS, 0);
	put_irte(0, LO_XAPIC, HI_SID);
	put_irte(5, 1 | 0x31ULL << 16, 0xff00);
	put_irte(7, 0x30ULL << 16, 0);
	CHECK(read_ir(&ir, &m, &f) == 0);
	CHECK(ir.ires && ir.irtps && !ir.eime && ir.read_ok);
	CHECK_EQ_U64(ir.base, TBASE);
	CHECK_EQ_U64(ir.nr_entries, 16);
	CHECK_EQ_U64(ir.nr_present, 2);
	CHECK_EQ_U64(ir.nr_present_all, 2);
	CHECK_EQ_U64(ir.nr_leftover, 1);
	CHECK_EQ_U64(ir.present[1].index, 5);
	CHECK_EQ_U64(ir.present[1].e.sid, 0xff00);
	CHECK_EQ_U64(m.nr_findings, 0);
	vtd_ir_free(&ir);
	vtd_model_free(&m);

	/* -s 00:05.0 keeps entry 0 only; -s 05.0 (any bus) too */
	f.bus = 0;
	f.slot = 5;
	f.func = 0;
	CHECK(read_ir(&ir, &m, &f) == 0);
	CHECK_EQ_U64(ir.nr_present, 1);
	CHECK_EQ_U64(ir.present[0].index, 0);
	CHECK_EQ_U64(ir.nr_present_all, 2);
	vtd_ir_free(&ir);
	vtd_model_free(&m);
	f.bus = -1;
	CHECK(read_ir(&ir, &m, &f) == 0);
	CHECK_EQ_U64(ir.nr_present, 1);
	vtd_ir_free(&ir);
	vtd_model_free(&m);
}

static void test_hostile(void)
{
	struct vtd_ir ir;
	struct vtd_model m;

	/* the largest table (S=15, 1 MiB) starting at 512 KiB: beyond RAM */
	reset(0x80000 | 15, VTD_GSTS_IRES | VTD_GSTS_IRTPS, 0);
	CHECK(read_ir(&ir, &m, NULL) == 0);
	CHECK_EQ_U64(count(&m, "ir_table_outside_ram"), 1);
	CHECK(!ir.read_ok && ir.nr_present == 0);
	CHECK_EQ_U64(ir.nr_entries, 65536);
	vtd_ir_free(&ir);
	vtd_model_free(&m);

	/* the whole 1 MiB of RAM as a table of all-ones entries: every entry
	 * present, posted, with reserved bits; EIME without ECAP.EIM;
	 * reserved IRTA bits 10:4 */
	reset(0 | VTD_IRTA_EIME | 0x7f0 | 15, VTD_GSTS_IRES | VTD_GSTS_IRTPS, 0);
	memset(ram, 0xff, sizeof(ram));
	CHECK(read_ir(&ir, &m, NULL) == 0);
	CHECK_EQ_U64(ir.nr_present, 65536);
	CHECK(ir.present[65535].e.im);
	CHECK_EQ_U64(count(&m, "irte_reserved_bits"), 65536);
	CHECK_EQ_U64(count(&m, "irte_reserved_svt"), 65536);
	/* the first of each kept, one summary counts the others */
	CHECK_EQ_U64(kept(&m, "irte_reserved_bits"), VTD_DEFAULT_PER_CODE);
	CHECK_EQ_U64(m.nr_findings, 2 * (VTD_DEFAULT_PER_CODE + 1) + 2);
	CHECK_EQ_U64(count(&m, "eime_not_supported"), 1);
	CHECK_EQ_U64(count(&m, "irta_reserved_bits"), 1);
	vtd_ir_free(&ir);
	vtd_model_free(&m);

	/* EIME with ECAP.EIM is fine */
	reset(TBASE | VTD_IRTA_EIME, VTD_GSTS_IRES | VTD_GSTS_IRTPS, ECAP_EIM);
	CHECK(read_ir(&ir, &m, NULL) == 0);
	CHECK(ir.eime && m.nr_findings == 0 && ir.nr_entries == 2);
	vtd_ir_free(&ir);
	vtd_model_free(&m);

	/* interrupt remapping off, no table: an info, nothing read */
	reset(TBASE | 3, 0, 0);
	CHECK(read_ir(&ir, &m, NULL) == 0);
	CHECK_EQ_U64(count(&m, "ir_disabled"), 1);
	CHECK(m.findings[0].sev == VTD_SEV_INFO);
	CHECK(!ir.read_ok && ir.nr_present == 0);
	vtd_ir_free(&ir);
	vtd_model_free(&m);
}

int main(void)
{
	test_remapped();
	test_posted();
	test_table();
	test_hostile();
	return unit_summary();
}
