// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoder vectors worked out by hand from the VT-d bit layouts
 * (shared/reference/VTD-REFERENCE.md §3.2-3.9): each raw value is built from
 * named bit positions here, never taken from vtdctl's output.
 */
#include "unit.h"
#include "vtd/vtd.h"

#define B(n) (1ULL << (n))

static void test_rtaddr(void)
{
	struct vtd_rtaddr r;

	/* table at 0x7f000, TTM=01 (bits 11:10) -> scalable */
	vtd_decode_rtaddr(0x7f000ULL | (1ULL << 10), &r);
	CHECK_EQ_U64(r.addr, 0x7f000);
	CHECK(r.mode == VTD_MODE_SCALABLE);
	CHECK_EQ_U64(r.rsvd, 0);
	vtd_decode_rtaddr(0x7f000ULL, &r);
	CHECK(r.mode == VTD_MODE_LEGACY);
	vtd_decode_rtaddr(0x7f000ULL | (3ULL << 10), &r);
	CHECK(r.mode == VTD_MODE_ABORT_DMA);
	vtd_decode_rtaddr(0x7f000ULL | (2ULL << 10) | 0x5, &r);
	CHECK(r.mode == VTD_MODE_RESERVED);
	CHECK_EQ_U64(r.rsvd, 0x5);
	CHECK_STR(vtd_mode_name(VTD_MODE_ABORT_DMA), "abort-dma");
}

static void test_cap_ecap(void)
{
	struct vtd_cap c;
	struct vtd_ecap e;
	/* ND=2, SAGAW=0b00110 (39/48-bit), MGAW=47 (48 bits), FRO=0x22
	 * (offset 0x220), NFR=7 (8 records), PSI, FL1GP */
	uint64_t cap = 2 | (0x6ULL << 8) | (47ULL << 16) | (0x22ULL << 24) |
		       B(39) | (7ULL << 40) | B(56);
	/* QI, IR, EIM, PT, IRO=0x10 (0x100), PSS=19 (20 bits), PASID,
	 * SMTS, SLTS, FLTS */
	uint64_t ecap = B(1) | B(3) | B(4) | B(6) | (0x10ULL << 8) |
			(19ULL << 35) | B(40) | B(43) | B(46) | B(47);

	vtd_decode_cap(cap, &c);
	CHECK_EQ_U64(c.nd, 2);
	CHECK_EQ_U64(c.ndoms, 256);
	CHECK_EQ_U64(c.sagaw, 6);
	CHECK_EQ_U64(c.mgaw, 48);
	CHECK_EQ_U64(c.fro, 0x220);
	CHECK_EQ_U64(c.nfr, 8);
	CHECK(c.psi && c.fl1gp && !c.fl5lp && !c.cm);
	vtd_decode_ecap(ecap, &e);
	CHECK(e.qi && e.ir && e.eim && e.pt && !e.c && !e.dt);
	CHECK_EQ_U64(e.iro, 0x100);
	CHECK_EQ_U64(e.pss, 19);
	CHECK(e.pasid && e.smts && e.slts && e.flts && !e.nest);
}

static void test_root(void)
{
	struct vtd_root r;
	uint64_t leg[2] = { 0x1000 | 1, 0 };
	uint64_t sm[2] = { 0x2000 | 1, 0x3000 | 1 };
	uint64_t bad[2] = { 0x1000 | 1 | B(5), 0x99 };

	vtd_decode_root(leg, false, &r);
	CHECK(r.lp && !r.up);
	CHECK_EQ_U64(r.lctp, 0x1000);
	CHECK_EQ_U64(r.rsvd_lo | r.rsvd_hi, 0);
	vtd_decode_root(sm, true, &r);
	CHECK(r.lp && r.up);
	CHECK_EQ_U64(r.lctp, 0x2000);
	CHECK_EQ_U64(r.uctp, 0x3000);
	/* legacy hi is wholly reserved; lo 11:1 reserved */
	vtd_decode_root(bad, false, &r);
	CHECK_EQ_U64(r.rsvd_lo, B(5));
	CHECK_EQ_U64(r.rsvd_hi, 0x99);
	/* the same hi word is a valid upper pointer in scalable mode, but
	 * bit 3 and bit 4 there are reserved */
	vtd_decode_root(bad, true, &r);
	CHECK(r.up);
	CHECK_EQ_U64(r.rsvd_hi, 0x98);
}

static void test_ctx_legacy(void)
{
	struct vtd_ctx_legacy c;
	/* P, FPD, TT=2 (bits 3:2), SLPTPTR 0x12345000; AW=2, AVAIL=5, DID 0x2a */
	uint64_t raw[2] = { 0x12345000ULL | B(0) | B(1) | (2ULL << 2),
			    2 | (5ULL << 3) | (0x2aULL << 8) };

	vtd_decode_ctx_legacy(raw, &c);
	CHECK(c.p && c.fpd);
	CHECK_EQ_U64(c.tt, 2);	/* bit 3 set, yet TT, not PASIDE */
	CHECK_EQ_U64(c.slptptr, 0x12345000);
	CHECK_EQ_U64(c.aw, 2);
	CHECK_EQ_U64(c.avail, 5);
	CHECK_EQ_U64(c.did, 0x2a);
	CHECK_EQ_U64(c.rsvd_lo | c.rsvd_hi, 0);
	/* bit 7 of hi, bit 24 of hi and bit 4 of lo are reserved */
	raw[0] |= B(4);
	raw[1] |= B(7) | B(24);
	vtd_decode_ctx_legacy(raw, &c);
	CHECK_EQ_U64(c.rsvd_lo, B(4));
	CHECK_EQ_U64(c.rsvd_hi, B(7) | B(24));
}

static void test_ctx_sm(void)
{
	struct vtd_ctx_sm c;
	/* As Linux programs it: dir 0x4567000, PDTS=2 (bits 11:9),
	 * PASIDE, P; RID_PASID 0 */
	uint64_t raw[4] = { 0x4567000ULL | (2ULL << 9) | B(3) | B(0), 0, 0, 0 };

	vtd_decode_ctx_sm(raw, &c);
	CHECK(c.p && c.paside && !c.fpd && !c.dte && !c.pre);
	CHECK_EQ_U64(c.pdts, 2);
	CHECK_EQ_U64(vtd_pdts_entries(c.pdts), 512);
	CHECK_EQ_U64(c.pasid_dir, 0x4567000);
	CHECK_EQ_U64(c.rid_pasid, 0);
	CHECK_EQ_U64(c.rsvd[0] | c.rsvd[1] | c.rsvd[2] | c.rsvd[3], 0);
	/* RID_PASID 0xabcde in hi 19:0; hi bit 20 (RID_PRIV) is not reserved,
	 * bit 21 is; lo bits 8:5 reserved; qwords 2-3 reserved */
	raw[1] = 0xabcde | B(20) | B(21);
	raw[0] |= B(6);
	raw[3] = 1;
	vtd_decode_ctx_sm(raw, &c);
	CHECK_EQ_U64(c.rid_pasid, 0xabcde);
	CHECK_EQ_U64(c.rsvd[1], B(21));
	CHECK_EQ_U64(c.rsvd[0], B(6));
	CHECK_EQ_U64(c.rsvd[3], 1);
	CHECK_EQ_U64(vtd_pdts_entries(7), 16384);
	CHECK_EQ_U64(vtd_pdts_entries(0), 128);
}

static void test_pasid_dirent(void)
{
	struct vtd_pasid_dirent d;

	vtd_decode_pasid_dirent(0xabc000ULL | B(1) | B(0), &d);
	CHECK(d.p && d.fpd);
	CHECK_EQ_U64(d.table, 0xabc000);
	CHECK_EQ_U64(d.rsvd, 0);
	vtd_decode_pasid_dirent(0xabc000ULL | B(0) | B(2) | B(11), &d);
	CHECK_EQ_U64(d.rsvd, B(2) | B(11));
}

static void test_pasid_entry(void)
{
	struct vtd_pasid_entry e;
	char buf[24];
	/* second-stage as Linux 6.1 writes it: P, AW=2 (4:2), PGTT=2 (8:6),
	 * SLPTPTR 0x9999000, DID 5 (79:64), PWSNP (87) */
	uint64_t ss[8] = { 0x9999000ULL | B(0) | (2ULL << 2) | (2ULL << 6),
			   5 | B(23) };
	/* first-stage: PGTT=1, FLPTR 0x7777000 (191:140), FLPM=1 (131:130),
	 * SRE (128), WPE (132), EAFE (135), PGSNP (88), SSADE (9) */
	uint64_t fs[8] = { B(0) | B(1) | (1ULL << 6) | B(9), 1 | B(24),
			   0x7777000ULL | B(0) | (1ULL << 2) | B(4) | B(7) };

	vtd_decode_pasid_entry(ss, &e);
	CHECK(e.p && !e.fpd && e.pwsnp && !e.pgsnp);
	CHECK_EQ_U64(e.aw, 2);
	CHECK_EQ_U64(e.pgtt, VTD_PGTT_SECOND);
	CHECK_EQ_U64(e.slptptr, 0x9999000);
	CHECK_EQ_U64(e.did, 5);
	CHECK_EQ_U64(e.flptptr, 0);
	vtd_decode_pasid_entry(fs, &e);
	CHECK(e.p && e.fpd && e.ssade && e.pgsnp && !e.pwsnp);
	CHECK_EQ_U64(e.pgtt, VTD_PGTT_FIRST);
	CHECK_EQ_U64(e.did, 1);
	CHECK(e.sre && e.wpe && e.eafe);
	CHECK_EQ_U64(e.flpm, 1);
	CHECK_EQ_U64(e.flptptr, 0x7777000);
	CHECK_EQ_U64(e.rsvd[0] | e.rsvd[4], 0);
	CHECK_STR(vtd_pgtt_name(VTD_PGTT_FIRST, buf, sizeof(buf)), "first-stage");
	CHECK_STR(vtd_pgtt_name(VTD_PGTT_NESTED, buf, sizeof(buf)), "nested");
	CHECK_STR(vtd_pgtt_name(VTD_PGTT_PT, buf, sizeof(buf)), "pass-through");
	CHECK_STR(vtd_pgtt_name(0, buf, sizeof(buf)), "reserved(0)");
	CHECK_STR(vtd_pgtt_name(7, buf, sizeof(buf)), "reserved(7)");
	/* bits 11:10 and the upper 256 bits are reserved */
	fs[0] |= B(10);
	fs[5] = 0x10;
	vtd_decode_pasid_entry(fs, &e);
	CHECK_EQ_U64(e.rsvd[0], B(10));
	CHECK_EQ_U64(e.rsvd[5], 0x10);
}

int main(void)
{
	test_rtaddr();
	test_cap_ecap();
	test_root();
	test_ctx_legacy();
	test_ctx_sm();
	test_pasid_dirent();
	test_pasid_entry();
	return unit_summary();
}
