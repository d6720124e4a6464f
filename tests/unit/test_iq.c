// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The invalidation queue: descriptor decoders with vectors built here from
 * the bit positions of VT-d spec 6.5.2 (VTD-REFERENCE §3.12), and the queue
 * reader over an in-memory source (hostile registers and queues included).
 */
#include <errno.h>
#include <stdlib.h>

#include "walker/regfile.h"
#include "source/source.h"
#include "unit.h"
#include "walker/iq.h"
#include "model/model.h"
#include "vtd/regs.h"

#define B(n)		(1ULL << (n))
#define QBASE		0x10000ULL
#define ECAP_SMTS	B(43)

#include "memsrc.h"

static void put32reg(uint32_t off, uint32_t v)
{
	memcpy((uint8_t *)regs + off, &v, 4);
}

/* QI on, a queue at QBASE: iqa, head and tail byte offsets */
static void reset(uint64_t iqa, uint64_t iqh, uint64_t iqt, uint64_t ecap)
{
	memset(ram, 0, sizeof(ram));
	memset(regs, 0, sizeof(regs));
	have_regs = true;
	regs[VTD_REG_ECAP / 8] = ecap;
	put32reg(VTD_REG_GSTS, VTD_GSTS_QIES);
	regs[VTD_REG_IQA / 8] = iqa;
	regs[VTD_REG_IQH / 8] = iqh;
	regs[VTD_REG_IQT / 8] = iqt;
}

static int read_iq(struct vtd_iq *iq, struct vtd_model *m, unsigned count)
{
	struct vtd_source s = { .ops = &mem_ops };
	struct vtd_regfile rf;
	int err;

	memset(m, 0, sizeof(*m));
	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	err = vtd_read_regfile(&s, &rf);
	if (!err)
		err = vtd_read_iq(&s, &rf, count, iq, m);
	free(s.ram);
	return err;
}

static const struct vtd_finding *finding(const struct vtd_model *m,
					 const char *code)
{
	for (size_t i = 0; i < m->nr_findings; i++)
		if (!strcmp(m->findings[i].code, code))
			return &m->findings[i];
	return NULL;
}

static void decode2(uint64_t qw0, uint64_t qw1, struct vtd_inv_desc *d)
{
	uint64_t raw[2] = { qw0, qw1 };

	vtd_decode_inv_desc(raw, 2, d);
}

static void test_decode_cc_iotlb(void)
{
	struct vtd_inv_desc d;
	char buf[24];

	/* context-cache, device-selective (G=3 at 5:4), DID 0x1234, SID 02:00.1
	 * (0x0201) at 47:32, FM 2 at 49:48 */
	decode2(1 | 3 << 4 | 0x1234ULL << 16 | 0x0201ULL << 32 | 2ULL << 48, 0, &d);
	CHECK_EQ_U64(d.type, VTD_INV_CC);
	CHECK_STR(vtd_inv_type_name(d.type), "cc");
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "device");
	CHECK_EQ_U64(d.did, 0x1234);
	CHECK_EQ_U64(d.sid, 0x0201);
	CHECK_EQ_U64(d.fm, 2);
	decode2(1 | 1 << 4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "global");
	decode2(1, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "reserved(0)");

	/* IOTLB, page-selective, DW b6, DR b7, DID 7; ADDR 0xabcde000, IH b6,
	 * AM 9 */
	decode2(2 | 3 << 4 | B(6) | B(7) | 7ULL << 16,
		0xabcde000ULL | B(6) | 9, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "iotlb");
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "page");
	CHECK(d.dw && d.dr && d.ih);
	CHECK_EQ_U64(d.did, 7);
	CHECK_EQ_U64(d.addr, 0xabcde000);
	CHECK_EQ_U64(d.am, 9);
	decode2(2 | 2 << 4 | B(7), 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "domain");
	CHECK(d.dr && !d.dw && !d.ih);
}

static void test_decode_devtlb_iec_wait(void)
{
	struct vtd_inv_desc d;
	char buf[24];

	/* device-TLB: PFSID 0xabc5 (3:0 = 5 at 15:12, 15:4 = 0xabc at 63:52),
	 * QDEP 17 at 20:16, SID 03:00.0 at 47:32; ADDR 0x5000, S b0 */
	decode2(3 | 5ULL << 12 | 17ULL << 16 | 0x0300ULL << 32 | 0xabcULL << 52,
		0x5000 | 1, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "dev_tlb");
	CHECK_EQ_U64(d.pfsid, 0xabc5);
	CHECK_EQ_U64(d.qdep, 17);
	CHECK_EQ_U64(d.sid, 0x0300);
	CHECK_EQ_U64(d.addr, 0x5000);
	CHECK(d.size);
	CHECK(vtd_inv_gran_name(&d, buf, sizeof(buf)) == NULL);

	/* IEC: bit 4 clear = global (Linux qi_global_iec); set = index-
	 * selective, IM 3 at 31:27, IIDX 0x1234 at 47:32 */
	decode2(4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "global");
	CHECK(!d.iec_index);
	decode2(4 | B(4) | 3ULL << 27 | 0x1234ULL << 32, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "index");
	CHECK_EQ_U64(d.im, 3);
	CHECK_EQ_U64(d.iidx, 0x1234);

	/* wait: IF b4, SW b5, FN b6, PD b7, data 0xdeadbeef at 63:32,
	 * status address 0x11d806c (bits 1:0 are not address) */
	decode2(5 | B(5) | B(6) | 0xdeadbeefULL << 32, 0x11d806cULL | 3, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "wait");
	CHECK(d.sw && d.fn && !d.iflag && !d.pd);
	CHECK_EQ_U64(d.status_data, 0xdeadbeef);
	CHECK_EQ_U64(d.status_addr, 0x11d806c);
	decode2(5 | B(4) | B(7), 0, &d);
	CHECK(d.iflag && d.pd && !d.sw && !d.fn);
}

static void test_decode_pasid_types(void)
{
	struct vtd_inv_desc d;
	char buf[24];
	uint64_t raw4[4] = { 7 | 1 << 4 | 9ULL << 16 | 0xfffffULL << 32, 0,
			     0x1111, 0x2222 };

	/* PASID-cache (256-bit), PASID-selective (G=1), DID 9, PASID 0xfffff */
	vtd_decode_inv_desc(raw4, 4, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "pc");
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "pasid-selective");
	CHECK_EQ_U64(d.did, 9);
	CHECK_EQ_U64(d.pasid, 0xfffff);
	CHECK_EQ_U64(d.nqw, 4);
	CHECK_EQ_U64(d.raw[3], 0x2222);
	decode2(7, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "domain-selective");
	decode2(7 | 3 << 4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "global");
	decode2(7 | 2 << 4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "reserved(2)");

	/* PASID-IOTLB: G=3 page-selective-within-PASID, DID 4, PASID 5; ADDR
	 * 0x7000, IH, AM 1; G=2 all of the PASID; G=1 reserved */
	decode2(6 | 3 << 4 | 4ULL << 16 | 5ULL << 32, 0x7000 | B(6) | 1, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "p_iotlb");
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "page");
	CHECK_EQ_U64(d.did, 4);
	CHECK_EQ_U64(d.pasid, 5);
	CHECK_EQ_U64(d.addr, 0x7000);
	CHECK(d.ih);
	CHECK_EQ_U64(d.am, 1);
	decode2(6 | 2 << 4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "pasid");
	decode2(6 | 1 << 4, 0, &d);
	CHECK_STR(vtd_inv_gran_name(&d, buf, sizeof(buf)), "reserved(1)");

	/* PASID device-TLB: QDEP 31 at 8:4, PFSID 0x0013 (3 at 15:12, 1 at
	 * 63:52), SID 01:00.0 at 31:16, PASID 0x42; qw1 G b0, S b11, ADDR */
	decode2(8 | 31 << 4 | 3ULL << 12 | 0x0100ULL << 16 | 0x42ULL << 32 |
		1ULL << 52, 0x9000 | B(11) | 1, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "p_dev_tlb");
	CHECK_EQ_U64(d.qdep, 31);
	CHECK_EQ_U64(d.pfsid, 0x0013);
	CHECK_EQ_U64(d.sid, 0x0100);
	CHECK_EQ_U64(d.pasid, 0x42);
	CHECK(d.size && d.global);
	CHECK_EQ_U64(d.addr, 0x9000);

	/* page group response: PASID present b4, code 0xf at 15:12, RID
	 * 00:03.0 at 31:16, PASID 0x10; LPIG b2, index 0x1ff at 11:3 */
	decode2(9 | B(4) | 0xfULL << 12 | 0x0018ULL << 16 | 0x10ULL << 32,
		B(2) | 0x1ffULL << 3, &d);
	CHECK_STR(vtd_inv_type_name(d.type), "pgrp_resp");
	CHECK(d.pasid_present && d.lpig);
	CHECK_EQ_U64(d.resp_code, 0xf);
	CHECK_EQ_U64(d.sid, 0x0018);
	CHECK_EQ_U64(d.pasid, 0x10);
	CHECK_EQ_U64(d.prg_index, 0x1ff);

	/* unknown types keep their raw words */
	decode2(0xf, 0x1234, &d);
	CHECK(vtd_inv_type_name(d.type) == NULL);
	CHECK_EQ_U64(d.raw[1], 0x1234);
	decode2(0, 0, &d);
	CHECK(vtd_inv_type_name(0) == NULL);
}

/* 128-bit queue of one page: descriptor i at QBASE + 16 i */
static void put_desc(uint32_t i, unsigned size, uint64_t qw0, uint64_t qw1)
{
	put64(QBASE + (uint64_t)i * size, qw0);
	put64(QBASE + (uint64_t)i * size + 8, qw1);
}

static void test_queue_window(void)
{
	struct vtd_iq iq;
	struct vtd_model m;

	/* head 3, tail 5: 3 and 4 are pending; a window of 4 ends at 4 */
	reset(QBASE, 3 << 4, 5 << 4, 0);
	for (uint32_t i = 0; i < 5; i++)
		put_desc(i, 16, 1 | 1 << 4 | (uint64_t)i << 16, 0);
	CHECK(read_iq(&iq, &m, 4) == 0);
	CHECK(iq.enabled && iq.read_ok && !iq.dw && !iq.dw_inferred);
	CHECK_EQ_U64(iq.size, 256);
	CHECK_EQ_U64(iq.bytes, 4096);
	CHECK_EQ_U64(iq.head, 3);
	CHECK_EQ_U64(iq.tail, 5);
	CHECK_EQ_U64(iq.nr_entries, 4);
	CHECK_EQ_U64(iq.entries[0].index, 1);
	CHECK_EQ_U64(iq.entries[0].d.did, 1);
	CHECK_EQ_U64(iq.entries[3].index, 4);
	CHECK(!iq.entries[1].pending && iq.entries[2].pending &&
	      iq.entries[3].pending);
	CHECK(iq.entries[2].at_head && !iq.entries[3].at_head);
	CHECK_EQ_U64(m.nr_findings, 0);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* wrapping: tail 1 of 256, three before it are 254, 255, 0; the
	 * never-written slots (all zero) are left out and counted */
	reset(QBASE, 1 << 4, 1 << 4, 0);
	put_desc(255, 16, 5 | B(5), 0x100);
	put_desc(0, 16, 2 | 1 << 4, 0);
	CHECK(read_iq(&iq, &m, 3) == 0);
	CHECK_EQ_U64(iq.nr_entries, 2);
	CHECK_EQ_U64(iq.nr_empty, 1);
	CHECK_EQ_U64(iq.entries[0].index, 255);
	CHECK_EQ_U64(iq.entries[0].d.type, VTD_INV_WAIT);
	CHECK_EQ_U64(iq.entries[1].index, 0);
	CHECK(!iq.entries[0].pending && !iq.entries[1].pending);
	vtd_iq_free(&iq);
	vtd_model_free(&m);
}

static void test_queue_256bit(void)
{
	struct vtd_iq iq;
	struct vtd_model m;

	/* DW set, QS=1: 2 pages, 256 descriptors of 32 bytes, tail 2 */
	reset(QBASE | VTD_IQA_DW | 1, 2 << 5, 2 << 5, ECAP_SMTS);
	put_desc(0, 32, 7 | 1 << 4 | 3ULL << 16, 0);
	put_desc(1, 32, 5 | B(5), 0x2000);
	put64(QBASE + 32 + 24, 0x77);		/* qw3 of descriptor 1 */
	CHECK(read_iq(&iq, &m, 2) == 0);
	CHECK(iq.dw && iq.dw_reg && !iq.dw_inferred);
	CHECK_EQ_U64(iq.desc_size, 32);
	CHECK_EQ_U64(iq.size, 256);
	CHECK_EQ_U64(iq.nr_entries, 2);
	CHECK_EQ_U64(iq.entries[0].d.type, VTD_INV_PC);
	CHECK_EQ_U64(iq.entries[1].d.nqw, 4);
	CHECK_EQ_U64(iq.entries[1].d.raw[3], 0x77);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* DW hidden by the register (QEMU 7.2), SMTS: odd 16-byte slots all
	 * zero -> 256-bit inferred, an info finding */
	reset(QBASE | 1, 2 << 5, 2 << 5, ECAP_SMTS);
	put_desc(0, 32, 7 | 1 << 4 | 3ULL << 16, 0);
	put_desc(1, 32, 5 | B(5), 0x2000);
	CHECK(read_iq(&iq, &m, 16) == 0);
	CHECK(iq.dw && !iq.dw_reg && iq.dw_inferred);
	CHECK_EQ_U64(iq.tail, 2);
	CHECK_EQ_U64(iq.nr_entries, 2);
	CHECK(finding(&m, "iq_dw_inferred") &&
	      finding(&m, "iq_dw_inferred")->sev == VTD_SEV_INFO);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* ... but not when an odd slot holds a descriptor, nor without SMTS */
	reset(QBASE | 1, 3 << 4, 3 << 4, ECAP_SMTS);
	put_desc(0, 16, 1 | 1 << 4, 0);
	put_desc(1, 16, 2 | 1 << 4, 0);
	put_desc(2, 16, 5 | B(5), 0x2000);
	CHECK(read_iq(&iq, &m, 16) == 0);
	CHECK(!iq.dw && !iq.dw_inferred);
	CHECK_EQ_U64(iq.nr_entries, 3);
	vtd_iq_free(&iq);
	vtd_model_free(&m);
	reset(QBASE | 1, 2 << 5, 2 << 5, 0);
	put_desc(0, 32, 1 | 1 << 4, 0);
	CHECK(read_iq(&iq, &m, 16) == 0);
	CHECK(!iq.dw_inferred && iq.desc_size == 16);
	vtd_iq_free(&iq);
	vtd_model_free(&m);
}

static void test_queue_hostile(void)
{
	struct vtd_iq iq;
	struct vtd_model m;
	const struct vtd_finding *f;

	/* tail beyond a one-page queue (offset 0x7fff0 of 4096 bytes) */
	reset(QBASE, 0, 0x7fff0, 0);
	CHECK(read_iq(&iq, &m, 16) == 0);
	f = finding(&m, "iq_pointer_beyond_queue");
	CHECK(f && f->sev == VTD_SEV_ERROR && !iq.tail_ok && iq.head_ok);
	CHECK(iq.nr_entries <= 16);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* reserved bits 3:0 in IQH; IQT bit 4 with 256-bit descriptors */
	reset(QBASE | VTD_IQA_DW, 0x8, 0x10, ECAP_SMTS);
	CHECK(read_iq(&iq, &m, 16) == 0);
	CHECK(finding(&m, "iq_pointer_reserved_bits") != NULL);
	CHECK(finding(&m, "iq_pointer_misaligned") != NULL);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* a queue beyond RAM (the largest: 128 pages at 1 MiB - 4 KiB) */
	reset((MEMSRC_RAM_SIZE - 4096) | 7, 0, 0x20, 0);
	CHECK(read_iq(&iq, &m, 16) == 0);
	f = finding(&m, "iq_outside_ram");
	CHECK(f && f->sev == VTD_SEV_ERROR && f->gpa == MEMSRC_RAM_SIZE - 4096);
	CHECK(!iq.read_ok && iq.nr_entries == 0);
	CHECK_EQ_U64(iq.bytes, 512 * 1024);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* all-ones descriptors, reserved IQA bits, an absurd count */
	reset(QBASE | 0x7f8, 0, 0, ECAP_SMTS);
	memset(ram + QBASE, 0xff, 4096);
	CHECK(read_iq(&iq, &m, 1000000) == 0);
	CHECK(finding(&m, "iqa_reserved_bits") != NULL);
	CHECK_EQ_U64(iq.nr_entries, 256);
	CHECK_EQ_U64(iq.entries[0].d.type, 0xf);
	CHECK(vtd_inv_type_name(iq.entries[0].d.type) == NULL);
	vtd_iq_free(&iq);
	vtd_model_free(&m);

	/* FSTS.IQE, ICE, ITE and IQER: IQEI 1, ITESID 01:00.0, ICESID 02:00.0 */
	reset(QBASE, 0x20, 0x30, 0);
	put32reg(VTD_REG_FSTS, VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
	regs[VTD_REG_IQER / 8] = 1 | 0x0100ULL << 32 | 0x0200ULL << 48;
	CHECK(read_iq(&iq, &m, 16) == 0);
	CHECK(finding(&m, "iq_error") && finding(&m, "iqer_set"));
	f = finding(&m, "iq_timeout_error");
	CHECK(f && f->bus == 1 && f->devfn == 0);
	f = finding(&m, "iq_completion_error");
	CHECK(f && f->bus == 2 && f->devfn == 0);
	CHECK_EQ_U64(iq.iqei, 1);
	vtd_iq_free(&iq);
	vtd_model_free(&m);
}

static void test_queue_disabled(void)
{
	struct vtd_iq iq;
	struct vtd_model m;
	const struct vtd_finding *f;

	reset(QBASE, 0, 0x10, 0);
	put32reg(VTD_REG_GSTS, 0);
	CHECK(read_iq(&iq, &m, 16) == 0);
	f = finding(&m, "qi_disabled");
	CHECK(f && f->sev == VTD_SEV_INFO);
	CHECK(!iq.enabled && !iq.read_ok && iq.nr_entries == 0);
	CHECK_EQ_U64(m.nr_findings, 1);
	vtd_iq_free(&iq);
	vtd_model_free(&m);
}

int main(void)
{
	test_decode_cc_iotlb();
	test_decode_devtlb_iec_wait();
	test_decode_pasid_types();
	test_queue_window();
	test_queue_256bit();
	test_queue_hostile();
	test_queue_disabled();
	return unit_summary();
}
