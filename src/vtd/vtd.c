// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: decoders of single VT-d structures.
 *
 * Bit positions follow the Intel VT-d specification as implemented by Linux
 * (drivers/iommu/intel/iommu.h, pasid.h) and QEMU (intel_iommu_internal.h);
 * see shared/reference/VTD-REFERENCE.md. Reserved-bit masks are only those
 * the specification and QEMU agree on; bits some revision gave a meaning to
 * are left alone so that a real guest never gets a false finding.
 */
#include <stdio.h>

#include "vtd/vtd.h"

#define BIT(n)		(1ULL << (n))
#define FIELD(v, hi, lo) (((v) >> (lo)) & ((2ULL << ((hi) - (lo))) - 1))
#define TEST(v, n)	(((v) >> (n)) & 1)

const char *vtd_mode_name(enum vtd_mode m)
{
	switch (m) {
	case VTD_MODE_LEGACY:	 return "legacy";
	case VTD_MODE_SCALABLE:	 return "scalable";
	case VTD_MODE_ABORT_DMA: return "abort-dma";
	default:		 return "reserved";
	}
}

void vtd_decode_cap(uint64_t raw, struct vtd_cap *c)
{
	c->raw = raw;
	c->nd = FIELD(raw, 2, 0);
	c->ndoms = 1u << (4 + 2 * c->nd);
	c->rwbf = TEST(raw, 4);
	c->plmr = TEST(raw, 5);
	c->phmr = TEST(raw, 6);
	c->cm = TEST(raw, 7);
	c->sagaw = FIELD(raw, 12, 8);
	c->mgaw = FIELD(raw, 21, 16) + 1;
	c->zlr = TEST(raw, 22);
	c->fro = FIELD(raw, 33, 24) * 16;
	c->sllps = FIELD(raw, 37, 34);
	c->psi = TEST(raw, 39);
	c->nfr = FIELD(raw, 47, 40) + 1;
	c->mamv = FIELD(raw, 53, 48);
	c->dwd = TEST(raw, 54);
	c->drd = TEST(raw, 55);
	c->fl1gp = TEST(raw, 56);
	c->pi = TEST(raw, 59);
	c->fl5lp = TEST(raw, 60);
	c->ecmds = TEST(raw, 61);
	c->esirtps = TEST(raw, 62);
	c->esrtps = TEST(raw, 63);
}

void vtd_decode_ecap(uint64_t raw, struct vtd_ecap *e)
{
	e->raw = raw;
	e->c = TEST(raw, 0);
	e->qi = TEST(raw, 1);
	e->dt = TEST(raw, 2);
	e->ir = TEST(raw, 3);
	e->eim = TEST(raw, 4);
	e->pt = TEST(raw, 6);
	e->sc = TEST(raw, 7);
	e->iro = FIELD(raw, 17, 8) * 16;
	e->mhmv = FIELD(raw, 23, 20);
	e->mts = TEST(raw, 25);
	e->nest = TEST(raw, 26);
	e->dis = TEST(raw, 27);
	e->prs = TEST(raw, 29);
	e->ers = TEST(raw, 30);
	e->srs = TEST(raw, 31);
	e->nwfs = TEST(raw, 33);
	e->eafs = TEST(raw, 34);
	e->pss = FIELD(raw, 39, 35);
	e->pasid = TEST(raw, 40);
	e->dit = TEST(raw, 41);
	e->pds = TEST(raw, 42);
	e->smts = TEST(raw, 43);
	e->slads = TEST(raw, 45);
	e->slts = TEST(raw, 46);
	e->flts = TEST(raw, 47);
	e->smpwc = TEST(raw, 48);
	e->rps = TEST(raw, 49);
	e->pms = TEST(raw, 51);
}

void vtd_decode_rtaddr(uint64_t raw, struct vtd_rtaddr *r)
{
	r->raw = raw;
	r->addr = raw & VTD_ADDR_MASK;
	/* TTM (11:10) selects the table format; bits 9:0 are reserved */
	r->mode = (enum vtd_mode)FIELD(raw, 11, 10);
	r->rsvd = raw & 0x3ffULL;
}

void vtd_decode_root(const uint64_t raw[2], bool scalable, struct vtd_root *r)
{
	r->raw[0] = raw[0];
	r->raw[1] = raw[1];
	r->lp = TEST(raw[0], 0);
	r->lctp = raw[0] & VTD_ADDR_MASK;
	r->rsvd_lo = raw[0] & 0xffeULL;
	if (scalable) {
		r->up = TEST(raw[1], 0);
		r->uctp = raw[1] & VTD_ADDR_MASK;
		r->rsvd_hi = raw[1] & 0xffeULL;
	} else {
		/* the upper 64 bits of a legacy root entry are reserved */
		r->up = false;
		r->uctp = 0;
		r->rsvd_hi = raw[1];
	}
}

void vtd_decode_ctx_legacy(const uint64_t raw[2], struct vtd_ctx_legacy *c)
{
	c->raw[0] = raw[0];
	c->raw[1] = raw[1];
	c->p = TEST(raw[0], 0);
	c->fpd = TEST(raw[0], 1);
	/* TT is 3:2; bit 3 is not PASIDE here (that is scalable mode only) */
	c->tt = FIELD(raw[0], 3, 2);
	c->slptptr = raw[0] & VTD_ADDR_MASK;
	c->aw = FIELD(raw[1], 2, 0);
	c->avail = FIELD(raw[1], 6, 3);
	c->did = FIELD(raw[1], 23, 8);
	c->rsvd_lo = raw[0] & 0xff0ULL;
	c->rsvd_hi = raw[1] & 0xffffffffff000080ULL;
}

void vtd_decode_ctx_sm(const uint64_t raw[4], struct vtd_ctx_sm *c)
{
	for (int i = 0; i < 4; i++)
		c->raw[i] = raw[i];
	c->p = TEST(raw[0], 0);
	c->fpd = TEST(raw[0], 1);
	c->dte = TEST(raw[0], 2);
	c->paside = TEST(raw[0], 3);
	c->pre = TEST(raw[0], 4);
	c->pdts = FIELD(raw[0], 11, 9);
	c->pasid_dir = raw[0] & VTD_ADDR_MASK;
	c->rid_pasid = FIELD(raw[1], 19, 0);
	/* 8:5 reserved; hi bit 20 is RID_PRIV, 63:21 reserved (QEMU RSVD_VAL1) */
	c->rsvd[0] = raw[0] & 0x1e0ULL;
	c->rsvd[1] = raw[1] & 0xffffffffffe00000ULL;
	c->rsvd[2] = raw[2];
	c->rsvd[3] = raw[3];
}

void vtd_decode_pasid_dirent(uint64_t raw, struct vtd_pasid_dirent *d)
{
	d->raw = raw;
	d->p = TEST(raw, 0);
	d->fpd = TEST(raw, 1);
	d->table = raw & VTD_ADDR_MASK;
	d->rsvd = raw & 0xffcULL;
}

const char *vtd_pgtt_name(unsigned pgtt, char *buf, unsigned len)
{
	switch (pgtt) {
	case VTD_PGTT_FIRST:  return "first-stage";
	case VTD_PGTT_SECOND: return "second-stage";
	case VTD_PGTT_NESTED: return "nested";
	case VTD_PGTT_PT:     return "pass-through";
	}
	snprintf(buf, len, "reserved(%u)", pgtt);
	return buf;
}

void vtd_decode_pasid_entry(const uint64_t raw[8], struct vtd_pasid_entry *e)
{
	for (int i = 0; i < 8; i++) {
		e->raw[i] = raw[i];
		e->rsvd[i] = 0;
	}
	e->p = TEST(raw[0], 0);
	e->fpd = TEST(raw[0], 1);
	e->aw = FIELD(raw[0], 4, 2);
	e->pgtt = FIELD(raw[0], 8, 6);
	e->ssade = TEST(raw[0], 9);
	e->slptptr = raw[0] & VTD_ADDR_MASK;
	e->did = FIELD(raw[1], 15, 0);
	e->pwsnp = TEST(raw[1], 23);
	e->pgsnp = TEST(raw[1], 24);
	e->sre = TEST(raw[2], 0);
	e->flpm = FIELD(raw[2], 3, 2);
	e->wpe = TEST(raw[2], 4);
	e->eafe = TEST(raw[2], 7);
	e->flptptr = raw[2] & VTD_ADDR_MASK;
	/* 11:10 are reserved in every revision; bits 511:256 likewise */
	e->rsvd[0] = raw[0] & 0xc00ULL;
	for (int i = 4; i < 8; i++)
		e->rsvd[i] = raw[i];
}
