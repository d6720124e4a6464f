// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Register table, field formatting and fault records, with values built
 * by hand from the VT-d bit layouts (VTD-REFERENCE.md §3.1-3.4).
 */
#include <errno.h>
#include <stdlib.h>

#include "walker/regfile.h"
#include "source/source.h"
#include "unit.h"
#include "vtd/faults.h"
#include "vtd/regdesc.h"

#define B(n) (1ULL << (n))

static uint64_t mmio[512];

static int reg_read(struct vtd_source *s, uint32_t off, unsigned width,
		    uint64_t *val)
{
	*val = width == 64 ? mmio[off / 8] :
	       (uint32_t)(mmio[off / 8] >> (8 * (off & 4)));
	return 0;
}

static const struct vtd_source_ops ops = { .kind = "test", .read_reg = reg_read };

static const struct vtd_reg_value *find(const struct vtd_reg_value *r,
					unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

static const struct vtd_field_desc *field(const struct vtd_reg_value *r,
					  const char *name)
{
	for (unsigned i = 0; r && i < r->desc->nr_fields; i++)
		if (!strcmp(r->desc->fields[i].name, name))
			return &r->desc->fields[i];
	return NULL;
}

static void test_regfile_and_table(void)
{
	struct vtd_source s = { .ops = &ops, .mmio_base = 0xfed90000 };
	struct vtd_regfile rf;
	struct vtd_reg_value regs[600];
	const struct vtd_reg_value *r;
	char buf[32];
	unsigned n;

	memset(mmio, 0, sizeof(mmio));
	mmio[0] = 0x10;				/* VER 1.0 */
	/* CAP: ND=2, SAGAW 39+48, MGAW 48, FRO 0x22 (0x220), NFR 4 */
	mmio[1] = 2 | (0x6ULL << 8) | (47ULL << 16) | (0x22ULL << 24) |
		  (3ULL << 40);
	/* ECAP: QI, IRO 0xf (0xf0), no IR, no PRS */
	mmio[2] = B(1) | (0xfULL << 8);
	mmio[0x18 / 8] = (uint64_t)(B(31) | B(30) | B(26)) << 32;	/* GSTS */
	mmio[0x90 / 8] = 0x1234000 | B(11) | 1;		/* IQA, DW, QS=1 */
	/* FSTS at 0x34: PPF, FRI=2 */
	mmio[0x30 / 8] = (uint64_t)(B(1) | (2 << 8)) << 32;
	/* FRCD2 at 0x240: F, T (read), FR 0x06, SID 01:02.3, PP, PASID 5 */
	mmio[0x240 / 8] = 0xabc000;
	mmio[0x248 / 8] = B(63) | B(62) | (5ULL << 40) | (0x06ULL << 32) |
			  B(31) | (0x0113);

	CHECK(vtd_read_regfile(&s, &rf) == 0);
	CHECK(rf.valid);
	CHECK_EQ_U64(rf.len, 0x260);	/* FRO + 4 * 16 */
	n = vtd_list_regs(&rf, regs, 600);
	CHECK(find(regs, n, "IQA") != NULL);	/* ECAP.QI */
	CHECK(find(regs, n, "IRTA") == NULL);	/* no ECAP.IR */
	CHECK(find(regs, n, "PQA") == NULL);	/* no ECAP.PRS */
	CHECK(find(regs, n, "AFLOG") == NULL);	/* no CAP.AFL */
	r = find(regs, n, "IOTLB");
	CHECK(r && r->off == 0xf8);
	r = find(regs, n, "FRCD3.HI");
	CHECK(r && r->off == 0x258);
	CHECK(find(regs, n, "FRCD4.LO") == NULL);

	r = find(regs, n, "CAP");
	vtd_field_format(field(r, "SAGAW"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "39,48-bit");
	vtd_field_format(field(r, "ND"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "256");
	vtd_field_format(field(r, "MGAW"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "48");
	vtd_field_format(field(r, "FRO"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "0x220");
	vtd_field_format(field(r, "NFR"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "4");
	r = find(regs, n, "GSTS");
	CHECK_EQ_U64(r->val, B(31) | B(30) | B(26));
	vtd_field_format(field(r, "QIES"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "+");
	vtd_field_format(field(r, "IRES"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "-");
	r = find(regs, n, "IQA");
	CHECK_EQ_U64(vtd_field_get(field(r, "IQA"), r->val), 0x1234000);
	CHECK_EQ_U64(vtd_field_get(field(r, "QS"), r->val), 1);
	r = find(regs, n, "FRCD2.HI");
	vtd_field_format(field(r, "SID"), r->val, buf, sizeof(buf));
	CHECK_STR(buf, "01:02.3");
	free(s.ram);
}

static void test_faults(void)
{
	struct vtd_source s = { .ops = &ops };
	struct vtd_regfile rf;
	struct vtd_faults *f = malloc(sizeof(*f));
	const struct vtd_fault_rec *r;

	CHECK(vtd_read_regfile(&s, &rf) == 0);	/* same mmio as above */
	vtd_read_faults(&rf, f);
	CHECK(f->valid);
	CHECK(f->fsts.ppf && !f->fsts.pfo);
	CHECK_EQ_U64(f->fsts.fri, 2);
	CHECK_EQ_U64(f->nfr, 4);
	CHECK_EQ_U64(f->nr_pending, 1);
	r = &f->recs[0];
	CHECK_EQ_U64(r->index, 2);
	CHECK(r->read && r->pp);
	CHECK_EQ_U64(r->fr, 6);
	CHECK_EQ_U64(r->sid, 0x0113);
	CHECK_EQ_U64(r->pasid, 5);
	CHECK_EQ_U64(r->addr, 0xabc000);
	CHECK(vtd_fault_is_ir(0x22) && !vtd_fault_is_ir(0x06));
	free(f);
}

static int no_regs(struct vtd_source *s, uint32_t off, unsigned width,
		   uint64_t *val)
{
	return -ENOTSUP;
}

static void test_dump_has_no_regs(void)
{
	static const struct vtd_source_ops dops = { .kind = "d", .read_reg = no_regs };
	struct vtd_source s = { .ops = &dops };
	struct vtd_regfile rf;

	CHECK(vtd_read_regfile(&s, &rf) == 0);
	CHECK(!rf.valid);
	CHECK_EQ_U64(vtd_reg64(&rf, 8), 0);
}

int main(void)
{
	test_regfile_and_table();
	test_faults();
	test_dump_has_no_regs();
	return unit_summary();
}
