// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the interrupt remapping table. IRTA gives the table (2^(S+1)
 * entries of 16 bytes, at most 1 MiB, read in one read) and the destination
 * mode (EIME); each present entry is decoded in its format, remapped or
 * posted (VT-d spec 9.10/9.11, Linux include/linux/dmar.h struct irte).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "walker/ir.h"
#include "model/model.h"
#include "vtd/regs.h"

#define BITS(v, hi, lo)	(((v) >> (lo)) & ((2ULL << ((hi) - (lo))) - 1))
#define BIT(v, n)	(((v) >> (n)) & 1)
#define MASK(hi, lo)	(((2ULL << ((hi) - (lo))) - 1) << (lo))

/* Reserved bits (Linux struct irte __res*, QEMU VTD_IR_TableEntry):
 * remapped 14:12, 31:24, 127:84; xAPIC destinations also 39:32 and 63:48
 * (the APIC id is in 47:40); posted 7:2, 13:12, 37:24 and 95:84. */
#define IRTE_RSVD_LO		(MASK(14, 12) | MASK(31, 24))
#define IRTE_RSVD_LO_XAPIC	(MASK(39, 32) | MASK(63, 48))
#define IRTE_RSVD_HI		MASK(63, 20)
#define PIRTE_RSVD_LO		(MASK(7, 2) | MASK(13, 12) | MASK(37, 24))
#define PIRTE_RSVD_HI		MASK(31, 20)

void vtd_decode_irte(const uint64_t raw[2], bool eime, struct vtd_irte *e)
{
	uint64_t lo = raw[0], hi = raw[1];

	memset(e, 0, sizeof(*e));
	e->raw[0] = lo;
	e->raw[1] = hi;
	e->p = BIT(lo, 0);
	e->fpd = BIT(lo, 1);
	e->avail = BITS(lo, 11, 8);
	e->im = BIT(lo, 15);
	e->vector = BITS(lo, 23, 16);
	e->sid = BITS(hi, 15, 0);
	e->sq = BITS(hi, 17, 16);
	e->svt = BITS(hi, 19, 18);
	if (e->im) {
		e->urg = BIT(lo, 14);
		e->pda = BITS(hi, 63, 32) << 32 | BITS(lo, 63, 38) << 6;
		e->rsvd[0] = lo & PIRTE_RSVD_LO;
		e->rsvd[1] = hi & PIRTE_RSVD_HI;
		return;
	}
	e->dm = BIT(lo, 2);
	e->rh = BIT(lo, 3);
	e->tm = BIT(lo, 4);
	e->dlm = BITS(lo, 7, 5);
	e->dest_id = BITS(lo, 63, 32);
	e->dest = eime ? e->dest_id : BITS(lo, 47, 40);
	e->rsvd[0] = lo & (IRTE_RSVD_LO | (eime ? 0 : IRTE_RSVD_LO_XAPIC));
	e->rsvd[1] = hi & IRTE_RSVD_HI;
}

const char *vtd_dlm_name(unsigned dlm, char *buf, unsigned len)
{
	static const char *const names[8] = {
		"fixed", "lowpri", "smi", NULL, "nmi", "init", NULL, "extint",
	};

	if (dlm < 8 && names[dlm])
		return names[dlm];
	snprintf(buf, len, "reserved(%u)", dlm);
	return buf;
}

const char *vtd_svt_name(unsigned svt)
{
	static const char *const names[4] = {
		"none", "sid", "bus-range", "reserved(3)",
	};

	return names[svt & 3];
}

void vtd_ir_geometry(uint64_t irta, uint32_t gsts, uint64_t ecap,
		     struct vtd_ir *ir, struct vtd_model *m)
{
	memset(ir, 0, sizeof(*ir));
	ir->irta = irta;
	ir->gsts = gsts;
	ir->ecap = ecap;
	ir->ires = gsts & VTD_GSTS_IRES;
	ir->irtps = gsts & VTD_GSTS_IRTPS;
	ir->eime = irta & VTD_IRTA_EIME;
	ir->base = irta & VTD_ADDR_MASK;
	ir->s = irta & VTD_IRTA_S_MASK;
	ir->nr_entries = 2u << ir->s;
	if (!ir->ires)
		vtd_add_finding(m, VTD_SEV_INFO, "ir_disabled", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"interrupt remapping is off (GSTS.IRES clear)%s",
				ir->irtps ? "" : "; no table was set (GSTS.IRTPS clear)");
	if (!ir->irtps)
		return;
	if (irta & VTD_IRTA_RSVD)
		vtd_add_finding(m, VTD_SEV_ERROR, "irta_reserved_bits", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"IRTA 0x%llx has reserved bits 10:4 set",
				(unsigned long long)irta);
	if (ir->eime && !(ecap & (1ULL << 4)))
		vtd_add_finding(m, VTD_SEV_ERROR, "eime_not_supported", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"IRTA.EIME (x2APIC mode) is set but ECAP.EIM (bit 4) is clear");
}

static bool sid_matches(uint16_t sid, const struct vtd_filter *f)
{
	return !f || vtd_filter_bdf(f, sid >> 8, sid & 0xff);
}

static int add_present(struct vtd_ir *ir, uint32_t index,
		       const struct vtd_irte *e, size_t *cap)
{
	struct vtd_ir_entry *p;

	if (ir->nr_present == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		p = realloc(ir->present, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ir->present = p;
		*cap = ncap;
	}
	p = &ir->present[ir->nr_present++];
	p->index = index;
	p->e = *e;
	return 0;
}

static void irte_findings(const struct vtd_ir *ir, uint32_t index,
			  const struct vtd_irte *e, struct vtd_model *m)
{
	uint64_t gpa = ir->base + 16ULL * index;

	if (e->rsvd[0] || e->rsvd[1])
		vtd_add_finding(m, VTD_SEV_ERROR, "irte_reserved_bits",
				e->sid >> 8, e->sid & 0xff, VTD_NO_PASID, gpa,
				"IRTE %u (%s format%s) has reserved bits set: 0x%llx 0x%llx",
				index, e->im ? "posted" : "remapped",
				!e->im && !ir->eime ? ", xAPIC destination" : "",
				(unsigned long long)e->rsvd[0],
				(unsigned long long)e->rsvd[1]);
	if (e->svt == 3)
		vtd_add_finding(m, VTD_SEV_ERROR, "irte_reserved_svt",
				e->sid >> 8, e->sid & 0xff, VTD_NO_PASID, gpa,
				"IRTE %u: SVT 3 is reserved", index);
}

int vtd_ir_decode(struct vtd_ir *ir, const uint8_t *table,
		  const struct vtd_filter *filter, struct vtd_model *m)
{
	size_t cap = 0;

	for (uint32_t i = 0; i < ir->nr_entries; i++) {
		uint64_t raw[2];
		struct vtd_irte e;

		memcpy(raw, table + 16ULL * i, 16);
		if (!(raw[0] & 1)) {
			ir->nr_leftover += raw[0] || raw[1];
			continue;
		}
		ir->nr_present_all++;
		vtd_decode_irte(raw, ir->eime, &e);
		if (!sid_matches(e.sid, filter))
			continue;
		irte_findings(ir, i, &e, m);
		if (add_present(ir, i, &e, &cap))
			return -ENOMEM;
	}
	return 0;
}

int vtd_read_ir(struct vtd_source *src, const struct vtd_regfile *rf,
		const struct vtd_filter *filter, struct vtd_ir *ir,
		struct vtd_model *m)
{
	size_t bytes;
	uint8_t *t;
	int err;

	vtd_ir_geometry(vtd_reg64(rf, VTD_REG_IRTA), vtd_reg32(rf, VTD_REG_GSTS),
			vtd_reg64(rf, VTD_REG_ECAP), ir, m);
	if (!ir->irtps)
		return 0;
	bytes = 16u * (size_t)ir->nr_entries;
	t = malloc(bytes);
	if (!t)
		return -ENOMEM;
	err = source_read(src, ir->base, t, bytes);
	if (err == -EFAULT) {
		vtd_add_finding(m, VTD_SEV_ERROR, "ir_table_outside_ram",
				VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, ir->base,
				"the %zu-byte interrupt remapping table at 0x%llx is not in guest RAM",
				bytes, (unsigned long long)ir->base);
		err = 0;
	} else if (err == -ENODATA) {
		vtd_add_finding(m, VTD_SEV_WARNING, "not_recorded", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, ir->base,
				"the interrupt remapping table at 0x%llx was not recorded: its entries are unknown",
				(unsigned long long)ir->base);
		err = 0;
	} else if (!err) {
		ir->read_ok = true;
		err = vtd_ir_decode(ir, t, filter, m);
	}
	free(t);
	return err;
}

void vtd_ir_free(struct vtd_ir *ir)
{
	free(ir->present);
	ir->present = NULL;
	ir->nr_present = 0;
}
