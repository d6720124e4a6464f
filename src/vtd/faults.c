// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: decode FSTS and the fault recording registers. */
#include <string.h>

#include "vtd/faultreason.h"
#include "vtd/faults.h"

#define TEST(v, n)	(((v) >> (n)) & 1)

void vtd_decode_fsts(uint32_t raw, struct vtd_fsts *f)
{
	f->raw = raw;
	f->pfo = TEST(raw, 0);
	f->ppf = TEST(raw, 1);
	f->afo = TEST(raw, 2);
	f->apf = TEST(raw, 3);
	f->iqe = TEST(raw, 4);
	f->ice = TEST(raw, 5);
	f->ite = TEST(raw, 6);
	f->pro = TEST(raw, 7);
	f->fri = (raw >> 8) & 0xff;
}

/* Bit numbers below are within the high qword (absolute bit - 64). */
void vtd_decode_fault_rec(const uint64_t raw[2], unsigned index,
			  struct vtd_fault_rec *r)
{
	uint64_t hi = raw[1];

	r->index = index;
	r->raw[0] = raw[0];
	r->raw[1] = hi;
	r->f = TEST(hi, 63);
	r->read = TEST(hi, 62);
	r->pasid = (hi >> 40) & 0xfffff;
	r->fr = (hi >> 32) & 0xff;
	r->pp = TEST(hi, 31);
	r->sid = hi & 0xffff;
	r->addr = raw[0] & ~0xfffULL;
}

const char *vtd_fault_reason_str(unsigned fr)
{
	const char *name = vtd_fault_reason_name(fr);

	return name ? name : "unknown reason";
}

bool vtd_fault_is_ir(unsigned fr)
{
	return fr >= 0x20 && fr <= 0x26;
}

void vtd_read_faults(const struct vtd_regfile *rf, struct vtd_faults *f)
{
	memset(f, 0, sizeof(*f));
	if (!rf->valid)
		return;
	f->valid = true;
	vtd_decode_fsts(vtd_reg32(rf, VTD_REG_FSTS), &f->fsts);
	f->fectl = vtd_reg32(rf, VTD_REG_FECTL);
	f->nfr = rf->cap.nfr;
	for (unsigned i = 0; i < f->nfr && i < VTD_MAX_FAULT_RECS; i++) {
		uint32_t off = rf->cap.fro + 16 * i;
		uint64_t raw[2] = { vtd_reg64(rf, off), vtd_reg64(rf, off + 8) };
		struct vtd_fault_rec r;

		vtd_decode_fault_rec(raw, i, &r);
		if (r.f)
			f->recs[f->nr_pending++] = r;
	}
}
