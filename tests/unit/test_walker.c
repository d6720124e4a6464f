// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The walker over synthetic guest memory (an in-memory source): the tables
 * are laid out here by hand from the spec, the expected devices, PASIDs and
 * findings follow from that layout.
 */
#include <errno.h>
#include <stdlib.h>

#include "source/source.h"
#include "unit.h"
#include "model/model.h"

#include "memsrc.h"

#define B(n)		(1ULL << (n))

static void reset(uint64_t rtaddr, uint64_t ecap)
{
	memset(ram, 0, sizeof(ram));
	memset(regs, 0, sizeof(regs));
	have_regs = true;
	regs[VTD_REG_VER / 8] = 0x10;
	/* ND=2 (256 domains), SAGAW 39/48-bit */
	regs[VTD_REG_CAP / 8] = 2 | (0x6ULL << 8) | (47ULL << 16);
	regs[VTD_REG_ECAP / 8] = ecap;
	/* GSTS is the upper half of the qword at 0x18: TES | RTPS */
	regs[0x18 / 8] = (uint64_t)(VTD_GSTS_TES | VTD_GSTS_RTPS) << 32;
	regs[VTD_REG_RTADDR / 8] = rtaddr;
}

static int walk(struct vtd_model *m, const struct vtd_walk_opts *o)
{
	struct vtd_source s = { .ops = &mem_ops };
	int err;

	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	err = vtd_walk(&s, o, m);
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

static unsigned count(const struct vtd_model *m, const char *code)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->nr_findings; i++)
		n += !strcmp(m->findings[i].code, code);
	return n;
}

#define ECAP_SM	(B(6) | B(40) | B(43) | B(46) | (19ULL << 35))	/* PT PASID SMTS SLTS, PSS=19 */

/* A scalable layout: bus 0 devfn 0x08 with PASIDs 0 and 5 (PDTS=0),
 * devfn 0x80 (through the upper half) with a directory beyond RAM. */
static void layout_scalable(void)
{
	reset(0x1000 | (1ULL << 10), ECAP_SM);
	put64(0x1000, 0x2000 | 1);		/* bus 0 lower -> 0x2000 */
	put64(0x1008, 0x6000 | 1);		/* bus 0 upper -> 0x6000 */
	put64(0x2000 + 32 * 0x08, 0x3000 | B(3) | 1);	/* PDTS=0 */
	put64(0x3000, 0x4000 | 1);		/* dir[0] -> table 0x4000 */
	/* PASID 0: second-stage, AW=2, DID 3, SLPT 0x5000, PWSNP */
	put64(0x4000, 0x5000 | 1 | (2 << 2) | (2 << 6));
	put64(0x4008, 3 | B(23));
	/* PASID 5: first-stage, which ECAP_SM lacks (FLTS clear) */
	put64(0x4000 + 64 * 5, 1 | (1 << 6));
	put64(0x4000 + 64 * 5 + 8, 1);
	put64(0x4000 + 64 * 5 + 16, 0x7000);
	/* devfn 0x80: PDTS=1, RID_PASID 1, directory at 2 MiB (no RAM) */
	put64(0x6000, 0x200000 | (1 << 9) | 1);
	put64(0x6008, 1);
}

static void test_scalable(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;
	struct vtd_pasid_entry e;
	const struct vtd_finding *f;

	layout_scalable();
	CHECK(walk(&m, &o) == 0);
	CHECK(m.rtaddr.mode == VTD_MODE_SCALABLE);
	CHECK(m.rtaddr_origin == VTD_RTADDR_REGISTER);
	CHECK_EQ_U64(m.nr_devices, 2);
	CHECK_EQ_U64(m.devices[0].devfn, 0x08);
	CHECK_EQ_U64(m.devices[0].ctx.sm.pdts, 0);
	CHECK_EQ_U64(m.devices[0].nr_pasids, 2);
	CHECK_EQ_U64(m.devices[0].pasids[0].pasid, 0);
	CHECK_EQ_U64(vtd_pasid_decode(&m.devices[0].pasids[0], &e)->did, 3);
	CHECK_EQ_U64(e.pgtt, VTD_PGTT_SECOND);
	CHECK_EQ_U64(m.devices[0].pasids[0].gpa, 0x4000);
	CHECK_EQ_U64(m.devices[0].pasids[1].pasid, 5);
	CHECK_EQ_U64(vtd_pasid_decode(&m.devices[0].pasids[1], &e)->flptptr, 0x7000);
	CHECK_EQ_U64(m.devices[1].devfn, 0x80);
	CHECK_EQ_U64(m.devices[1].ctx_gpa, 0x6000);
	CHECK_EQ_U64(m.devices[1].nr_pasids, 0);
	f = finding(&m, "pgtt_not_supported");
	CHECK(f && f->pasid == 5 && f->devfn == 0x08 && f->sev == VTD_SEV_ERROR);
	f = finding(&m, "pointer_outside_ram");
	CHECK(f && f->devfn == 0x80 && f->gpa == 0x200000);
	/* the directory could not be read: no claim about RID_PASID 1 */
	CHECK_EQ_U64(m.devices[1].nr_findings, 1);
	CHECK(finding(&m, "rid_pasid_not_present") == NULL);
	CHECK_EQ_U64(count(&m, "ctx_reserved_bits"), 0);
	vtd_model_free(&m);

	/* filters: one PASID, one DID */
	o.filter.pasid = 5;
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(m.nr_devices, 1);		/* 00:10.0 has no PASID 5 */
	CHECK_EQ_U64(m.devices[0].nr_pasids, 1);
	CHECK_EQ_U64(m.devices[0].pasids[0].pasid, 5);
	vtd_model_free(&m);
	o.filter.pasid = -1;
	o.filter.did = 3;
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(m.nr_devices, 1);
	CHECK_EQ_U64(m.devices[0].nr_pasids, 1);
	vtd_model_free(&m);
	/* with -s, the device stays even without the PASID */
	o.filter.did = -1;
	o.filter.pasid = 5;
	o.filter.bus = 0;
	o.filter.slot = 0x10;
	o.filter.func = 0;
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(m.nr_devices, 1);
	CHECK_EQ_U64(m.devices[0].nr_pasids, 0);
	vtd_model_free(&m);
	o.filter.pasid = -1;
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(m.nr_devices, 1);
	CHECK_EQ_U64(m.devices[0].devfn, 0x80);
	vtd_model_free(&m);
}

static void test_rid_pasid_missing(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;
	const struct vtd_finding *f;

	layout_scalable();
	put64(0x4000, 0);	/* PASID 0 gone; RID_PASID is 0 */
	put64(0x4008, 0);
	CHECK(walk(&m, &o) == 0);
	f = finding(&m, "rid_pasid_not_present");
	CHECK(f && f->devfn == 0x08 && f->pasid == 0 &&
	      f->sev == VTD_SEV_WARNING);
	vtd_model_free(&m);
}

static void test_legacy(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;
	const struct vtd_finding *f;

	reset(0x1000, B(6));		/* legacy, ECAP.PT */
	put64(0x1000 + 16 * 1, 0x2000 | 1);	/* bus 1 -> 0x2000 */
	/* 01:00.0 translated, DID 7, AW=2, SLPT 0x3000 */
	put64(0x2000, 0x3000 | 1);
	put64(0x2008, 2 | (7 << 8));
	/* 01:00.1 pass-through: TT=2 sets bit 3; SLPTPTR beyond RAM is
	 * ignored by hardware, so no finding */
	put64(0x2010, 0x40000000 | 1 | (2 << 2));
	put64(0x2018, 2 | (8 << 8));
	/* 01:01.0 SLPTPTR beyond RAM, AW=3 not in SAGAW */
	put64(0x2000 + 16 * 8, 0x40000000 | 1);
	put64(0x2008 + 16 * 8, 3 | (9 << 8));
	CHECK(walk(&m, &o) == 0);
	CHECK(m.rtaddr.mode == VTD_MODE_LEGACY);
	CHECK_EQ_U64(m.nr_devices, 3);
	CHECK_EQ_U64(m.devices[0].bus, 1);
	CHECK_EQ_U64(m.devices[0].ctx.leg.did, 7);
	CHECK_EQ_U64(m.devices[1].ctx.leg.tt, 2);
	CHECK_EQ_U64(m.devices[1].nr_findings, 0);
	CHECK_EQ_U64(m.devices[2].devfn, 8);
	f = finding(&m, "pointer_outside_ram");
	CHECK(f && f->devfn == 8 && f->bus == 1);
	CHECK(finding(&m, "aw_not_supported") != NULL);
	CHECK_EQ_U64(m.nr_findings, 2);
	vtd_model_free(&m);
}

/* PDTS=7: 16384 directory entries that all name one PASID table. */
static void test_aliased_directory(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;

	reset(0x1000 | (1ULL << 10), ECAP_SM);
	put64(0x1000, 0x2000 | 1);
	put64(0x2000, 0x20000 | (7 << 9) | 1);	/* 128 KiB directory */
	for (unsigned i = 0; i < 16384; i++)
		put64(0x20000 + 8 * i, 0x4000 | 1);
	for (unsigned i = 0; i < 64; i++) {
		put64(0x4000 + 64 * i, 0x5000 | 1 | (2 << 2) | (2 << 6));
		put64(0x4000 + 64 * i + 8, 4);
	}
	CHECK(walk(&m, &o) == 0);
	/* listed once, under directory entry 0; one finding for the table */
	CHECK_EQ_U64(m.devices[0].nr_pasids, 64);
	CHECK_EQ_U64(count(&m, "pasid_table_aliased"), 1);
	CHECK_EQ_U64(finding(&m, "pasid_table_aliased")->pasid, 64);
	vtd_model_free(&m);

	/* the work cap stops it early and says so: 16384 distinct tables */
	for (unsigned i = 0; i < 16384; i++)
		put64(0x20000 + 8 * i, (0x40000 + 0x1000 * (i % 128)) | 1);
	o.max_entries = 10000;
	CHECK(walk(&m, &o) == 0);
	CHECK(m.truncated);
	CHECK(finding(&m, "walk_truncated") != NULL);
	CHECK(m.devices[0].nr_pasids < 10000);
	vtd_model_free(&m);
}

static void test_bad_roots(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;

	reset(0x7fff000ULL | (1ULL << 10), ECAP_SM);	/* beyond RAM */
	CHECK(walk(&m, &o) == 0);
	CHECK(finding(&m, "pointer_outside_ram") != NULL);
	CHECK_EQ_U64(m.nr_devices, 0);
	vtd_model_free(&m);

	reset(0x1000 | (3ULL << 10), ECAP_SM);		/* abort-DMA */
	put64(0x1000, 0x2000 | 1);
	CHECK(walk(&m, &o) == 0);
	CHECK(finding(&m, "abort_dma_mode") != NULL);
	CHECK_EQ_U64(m.nr_devices, 0);
	vtd_model_free(&m);

	/* the root table is the context table is the PASID table */
	reset(0x1000 | (1ULL << 10), ECAP_SM);
	put64(0x1000, 0x1000 | 1);
	CHECK(walk(&m, &o) == 0);
	CHECK(m.nr_findings > 0);
	vtd_model_free(&m);

	/* all-ones root table, legacy: reserved bits everywhere */
	reset(0x1000, ECAP_SM);
	memset(ram + 0x1000, 0xff, 4096);
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(count(&m, "root_reserved_bits"), 256);
	vtd_model_free(&m);
}

static void test_user_rtaddr_on_dump(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL,
				   .have_rtaddr = true,
				   .rtaddr = 0x1000 | (1ULL << 10) };
	struct vtd_model m;

	layout_scalable();
	have_regs = false;
	CHECK(walk(&m, &o) == 0);
	CHECK(!m.regs.valid);
	CHECK(m.rtaddr_origin == VTD_RTADDR_USER);
	CHECK_EQ_U64(m.nr_devices, 2);
	/* without registers, ECAP cannot forbid the first-stage entry */
	CHECK(finding(&m, "pgtt_not_supported") == NULL);
	vtd_model_free(&m);
}

/* A guest that rewrites a PASID entry's DID between walks (the source
 * flips it each time the PASID table page is read). */
static bool flip;
static int flipping_read(struct vtd_source *s, uint64_t gpa, void *buf,
			 size_t len)
{
	if (flip && gpa == 0x4000)
		ram[0x4008] ^= 1;
	return mem_read(s, gpa, buf, len);
}

static void test_consistent(void)
{
	static const struct vtd_source_ops flip_ops = {
		.kind = "test", .read = flipping_read, .read_reg = mem_reg,
	};
	struct vtd_source s = { .ops = &flip_ops };
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;

	layout_scalable();
	source_add_ram(&s, 0, MEMSRC_RAM_SIZE);
	flip = false;
	CHECK(vtd_walk_consistent(&s, &o, &m, 5) == 0);
	CHECK(finding(&m, "torn_read") == NULL);
	vtd_model_free(&m);
	flip = true;
	CHECK(vtd_walk_consistent(&s, &o, &m, 5) == 0);
	CHECK(finding(&m, "torn_read") != NULL);
	vtd_model_free(&m);
	flip = false;
	free(s.ram);
}

/* Structures reused in two roles, and a PASID directory two devices share. */
static void test_overlap_and_sharing(void)
{
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL };
	struct vtd_model m;
	const struct vtd_finding *f;

	/* legacy: bus 0's context table is the root table itself */
	reset(0x1000, B(6));
	put64(0x1000, 0x1000 | 1);
	CHECK(walk(&m, &o) == 0);
	f = finding(&m, "table_overlap");
	CHECK(f && f->gpa == 0x1000 && f->sev == VTD_SEV_ERROR);
	vtd_model_free(&m);

	/* scalable: 00:01.0 and 00:02.0 name one directory (as DMA aliases
	 * do): PASIDs listed once, on the first; RID_PASID 0 found there */
	layout_scalable();
	put64(0x2000 + 32 * 0x10, 0x3000 | B(3) | 1);	/* 00:02.0, PDTS=0 */
	CHECK(walk(&m, &o) == 0);
	CHECK_EQ_U64(m.devices[1].devfn, 0x10);
	CHECK(m.devices[0].dir_shared_with == -1);
	CHECK(m.devices[1].dir_shared_with == 0);
	CHECK_EQ_U64(m.devices[1].nr_pasids, 0);
	f = finding(&m, "pasid_dir_shared");
	CHECK(f && f->devfn == 0x10 && f->sev == VTD_SEV_INFO);
	CHECK(finding(&m, "rid_pasid_not_present") == NULL);
	CHECK(finding(&m, "table_overlap") == NULL);
	vtd_model_free(&m);

	/* a PASID directory that is also a PASID table of its own */
	layout_scalable();
	put64(0x3000, 0x3000 | 1);	/* dir[0] -> the directory's page */
	CHECK(walk(&m, &o) == 0);
	f = finding(&m, "table_overlap");
	CHECK(f && f->gpa == 0x3000);
	vtd_model_free(&m);
}

/* Device lookup in a model (sorted by bus, devfn), and the findings recount,
 * with findings that name no device (VTD_NO_BDF) among them. */
static void test_model_device_lookup(void)
{
	struct vtd_model m;
	static const int bdf[][2] = { { 0, 0x18 }, { 0, 0xf8 }, { 2, 0x01 } };

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < 3; i++) {
		struct vtd_device *d = vtd_add_device(&m);

		d->bus = bdf[i][0];
		d->devfn = bdf[i][1];
	}
	CHECK(vtd_model_device(&m, 0, 0xf8) == &m.devices[1]);
	CHECK(vtd_model_device(&m, 2, 0x01) == &m.devices[2]);
	CHECK(vtd_model_device(&m, 1, 0x18) == NULL);
	CHECK(vtd_model_device(&m, VTD_NO_BDF, VTD_NO_BDF) == NULL);
	CHECK(vtd_model_device(&m, 0, VTD_NO_BDF) == NULL);
	vtd_add_finding(&m, VTD_SEV_INFO, "a", VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0, "x");
	vtd_add_finding(&m, VTD_SEV_INFO, "b", 2, 0x01, VTD_NO_PASID, 0, "x");
	vtd_add_finding(&m, VTD_SEV_INFO, "c", 2, 0x01, 5, 0, "x");
	m.devices[0].nr_findings = 7;		/* stale: recounted from scratch */
	vtd_recount_device_findings(&m);
	CHECK(m.devices[0].nr_findings == 0 && m.devices[1].nr_findings == 0 &&
	      m.devices[2].nr_findings == 2);
	vtd_model_free(&m);
}

int main(void)
{
	test_model_device_lookup();
	test_scalable();
	test_rid_pasid_missing();
	test_legacy();
	test_aliased_directory();
	test_bad_roots();
	test_user_rtaddr_on_dump();
	test_consistent();
	test_overlap_and_sharing();
	return unit_summary();
}
