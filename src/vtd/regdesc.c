// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the register table. Offsets and fields follow Linux iommu.h
 * (DMAR_*_REG, cap_*, ecap_*, DMA_GSTS_*, DMA_FSTS_*, DMA_CCMD_*, DMA_TLB_*)
 * and the VT-d specification (see shared/reference/VTD-REFERENCE.md §3.1-3.3).
 * Optional registers are listed only when CAP/ECAP say the unit has them.
 */
#include <stdio.h>
#include <string.h>

#include "vtd/regdesc.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define FLAG(n, b)	{ n, b, b, VF_FLAG }
#define F(n, h, l, k)	{ n, h, l, k }

static const struct vtd_field_desc ver_f[] = {
	F("MAX", 7, 4, VF_NUM), F("MIN", 3, 0, VF_NUM),
};

static const struct vtd_field_desc cap_f[] = {
	F("ND", 2, 0, VF_NDOMS), FLAG("AFL", 3), FLAG("RWBF", 4),
	FLAG("PLMR", 5), FLAG("PHMR", 6), FLAG("CM", 7),
	F("SAGAW", 12, 8, VF_SAGAW), F("MGAW", 21, 16, VF_PLUS1),
	FLAG("ZLR", 22), FLAG("ISOCH", 23), F("FRO", 33, 24, VF_X16),
	F("SLLPS", 37, 34, VF_HEX), FLAG("PSI", 39), F("NFR", 47, 40, VF_PLUS1),
	F("MAMV", 53, 48, VF_NUM), FLAG("DWD", 54), FLAG("DRD", 55),
	FLAG("FL1GP", 56), FLAG("PI", 59), FLAG("FL5LP", 60),
	FLAG("ECMDS", 61), FLAG("ESIRTPS", 62), FLAG("ESRTPS", 63),
};

static const struct vtd_field_desc ecap_f[] = {
	FLAG("C", 0), FLAG("QI", 1), FLAG("DT", 2), FLAG("IR", 3),
	FLAG("EIM", 4), FLAG("PT", 6), FLAG("SC", 7),
	F("IRO", 17, 8, VF_X16), F("MHMV", 23, 20, VF_NUM), FLAG("MTS", 25),
	FLAG("NEST", 26), FLAG("PRS", 29), FLAG("ERS", 30), FLAG("SRS", 31),
	FLAG("NWFS", 33), FLAG("EAFS", 34), F("PSS", 39, 35, VF_PLUS1),
	FLAG("PASID", 40), FLAG("DIT", 41), FLAG("PDS", 42), FLAG("SMTS", 43),
	FLAG("VCS", 44), FLAG("SLADS", 45), FLAG("SLTS", 46), FLAG("FLTS", 47),
	FLAG("SMPWC", 48), FLAG("RPS", 49), FLAG("PMS", 51),
};

static const struct vtd_field_desc gsts_f[] = {
	FLAG("TES", 31), FLAG("RTPS", 30), FLAG("FLS", 29), FLAG("AFLS", 28),
	FLAG("WBFS", 27), FLAG("QIES", 26), FLAG("IRES", 25),
	FLAG("IRTPS", 24), FLAG("CFIS", 23),
};

static const struct vtd_field_desc rtaddr_f[] = {
	F("RTA", 63, 12, VF_ADDR), F("TTM", 11, 10, VF_NUM),
};

static const struct vtd_field_desc ccmd_f[] = {
	FLAG("ICC", 63), F("CIRG", 62, 61, VF_NUM), F("CAIG", 60, 59, VF_NUM),
	F("FM", 33, 32, VF_NUM), F("SID", 31, 16, VF_SID), F("DID", 15, 0, VF_NUM),
};

static const struct vtd_field_desc fsts_f[] = {
	F("FRI", 15, 8, VF_NUM), FLAG("PRO", 7), FLAG("ITE", 6), FLAG("ICE", 5),
	FLAG("IQE", 4), FLAG("APF", 3), FLAG("AFO", 2), FLAG("PPF", 1),
	FLAG("PFO", 0),
};

static const struct vtd_field_desc ectl_f[] = {
	FLAG("IM", 31), FLAG("IP", 30),
};

static const struct vtd_field_desc data_f[] = {
	F("DATA", 31, 0, VF_HEX),
};

static const struct vtd_field_desc uaddr_f[] = {
	F("UADDR", 31, 0, VF_HEX),
};

static const struct vtd_field_desc addr32_f[] = {
	F("ADDR", 31, 2, VF_ADDR),
};

static const struct vtd_field_desc pmen_f[] = {
	FLAG("EPM", 31), FLAG("PRS", 0),
};

static const struct vtd_field_desc qhead_f[] = {
	F("QH", 18, 4, VF_X16),
};

static const struct vtd_field_desc qtail_f[] = {
	F("QT", 18, 4, VF_X16),
};

static const struct vtd_field_desc iqa_f[] = {
	F("IQA", 63, 12, VF_ADDR), FLAG("DW", 11), F("QS", 2, 0, VF_NUM),
};

static const struct vtd_field_desc ics_f[] = {
	FLAG("IWC", 0),
};

static const struct vtd_field_desc iqer_f[] = {
	F("ICESID", 63, 48, VF_SID), F("ITESID", 47, 32, VF_SID),
	F("IQEI", 3, 0, VF_NUM),
};

static const struct vtd_field_desc irta_f[] = {
	F("IRTA", 63, 12, VF_ADDR), FLAG("EIME", 11), F("S", 3, 0, VF_NUM),
};

static const struct vtd_field_desc pqa_f[] = {
	F("PQA", 63, 12, VF_ADDR), F("PQS", 2, 0, VF_NUM),
};

static const struct vtd_field_desc prs_f[] = {
	FLAG("PRO", 1), FLAG("PPR", 0),
};

static const struct vtd_field_desc addr64_f[] = {
	F("ADDR", 63, 0, VF_HEX),
};

static const struct vtd_field_desc iva_f[] = {
	F("ADDR", 63, 12, VF_ADDR), FLAG("IH", 6), F("AM", 5, 0, VF_NUM),
};

static const struct vtd_field_desc iotlb_f[] = {
	FLAG("IVT", 63), F("IIRG", 61, 60, VF_NUM), F("IAIG", 58, 57, VF_NUM),
	FLAG("DR", 49), FLAG("DW", 48), F("DID", 47, 32, VF_NUM),
};

/* The high qword of a fault recording register (absolute bits - 64) */
static const struct vtd_field_desc frcd_hi_f[] = {
	FLAG("F", 63), FLAG("T", 62), F("PV", 59, 40, VF_HEX),
	F("FR", 39, 32, VF_HEX), FLAG("PP", 31), F("SID", 15, 0, VF_SID),
};

static const struct vtd_field_desc frcd_lo_f[] = {
	F("FI", 63, 12, VF_ADDR),
};

static bool has_afl(const struct vtd_regfile *rf)  { return (rf->cap.raw >> 3) & 1; }
static bool has_plmr(const struct vtd_regfile *rf) { return rf->cap.plmr; }
static bool has_phmr(const struct vtd_regfile *rf) { return rf->cap.phmr; }
static bool has_pmr(const struct vtd_regfile *rf)  { return rf->cap.plmr || rf->cap.phmr; }
static bool has_qi(const struct vtd_regfile *rf)   { return rf->ecap.qi; }
static bool has_ir(const struct vtd_regfile *rf)   { return rf->ecap.ir; }
static bool has_prs(const struct vtd_regfile *rf)  { return rf->ecap.prs; }

#define R(n, o, w, what, p, f) { n, o, w, what, p, f, N(f) }

static const struct vtd_reg_desc regs[] = {
	R("VER", 0x00, 32, "version", NULL, ver_f),
	R("CAP", 0x08, 64, "capability", NULL, cap_f),
	R("ECAP", 0x10, 64, "extended capability", NULL, ecap_f),
	R("GSTS", 0x1c, 32, "global status", NULL, gsts_f),
	R("RTADDR", 0x20, 64, "root table address", NULL, rtaddr_f),
	R("CCMD", 0x28, 64, "context command", NULL, ccmd_f),
	R("FSTS", 0x34, 32, "fault status", NULL, fsts_f),
	R("FECTL", 0x38, 32, "fault event control", NULL, ectl_f),
	R("FEDATA", 0x3c, 32, "fault event data", NULL, data_f),
	R("FEADDR", 0x40, 32, "fault event address", NULL, addr32_f),
	R("FEUADDR", 0x44, 32, "fault event upper address", NULL, uaddr_f),
	R("AFLOG", 0x58, 64, "advanced fault log", has_afl, addr64_f),
	R("PMEN", 0x64, 32, "protected memory enable", has_pmr, pmen_f),
	R("PLMBASE", 0x68, 32, "protected low memory base", has_plmr, data_f),
	R("PLMLIMIT", 0x6c, 32, "protected low memory limit", has_plmr, data_f),
	R("PHMBASE", 0x70, 64, "protected high memory base", has_phmr, addr64_f),
	R("PHMLIMIT", 0x78, 64, "protected high memory limit", has_phmr, addr64_f),
	R("IQH", 0x80, 64, "invalidation queue head", has_qi, qhead_f),
	R("IQT", 0x88, 64, "invalidation queue tail", has_qi, qtail_f),
	R("IQA", 0x90, 64, "invalidation queue address", has_qi, iqa_f),
	R("ICS", 0x9c, 32, "invalidation completion status", has_qi, ics_f),
	R("IECTL", 0xa0, 32, "invalidation event control", has_qi, ectl_f),
	R("IEDATA", 0xa4, 32, "invalidation event data", has_qi, data_f),
	R("IEADDR", 0xa8, 32, "invalidation event address", has_qi, addr32_f),
	R("IEUADDR", 0xac, 32, "invalidation event upper address", has_qi, uaddr_f),
	R("IQER", 0xb0, 64, "invalidation queue error record", has_qi, iqer_f),
	R("IRTA", 0xb8, 64, "interrupt remapping table address", has_ir, irta_f),
	R("PQH", 0xc0, 64, "page request queue head", has_prs, qhead_f),
	R("PQT", 0xc8, 64, "page request queue tail", has_prs, qtail_f),
	R("PQA", 0xd0, 64, "page request queue address", has_prs, pqa_f),
	R("PRS", 0xdc, 32, "page request status", has_prs, prs_f),
	R("PECTL", 0xe0, 32, "page request event control", has_prs, ectl_f),
	R("PEDATA", 0xe4, 32, "page request event data", has_prs, data_f),
	R("PEADDR", 0xe8, 32, "page request event address", has_prs, addr32_f),
	R("PEUADDR", 0xec, 32, "page request event upper address", has_prs, uaddr_f),
};

static const struct vtd_reg_desc iva_desc =
	R("IVA", 0, 64, "invalidate address (at ECAP.IRO)", NULL, iva_f);
static const struct vtd_reg_desc iotlb_desc =
	R("IOTLB", 8, 64, "IOTLB invalidate (at ECAP.IRO + 8)", NULL, iotlb_f);
static const struct vtd_reg_desc frcd_lo_desc =
	R("FRCD.LO", 0, 64, "fault recording, low (at CAP.FRO)", NULL, frcd_lo_f);
static const struct vtd_reg_desc frcd_hi_desc =
	R("FRCD.HI", 8, 64, "fault recording, high", NULL, frcd_hi_f);

static uint64_t reg_value(const struct vtd_regfile *rf,
			  const struct vtd_reg_desc *d, uint32_t off)
{
	return d->width == 32 ? vtd_reg32(rf, off) : vtd_reg64(rf, off);
}

static unsigned put(struct vtd_reg_value *out, unsigned n, unsigned max,
		    const struct vtd_regfile *rf, const struct vtd_reg_desc *d,
		    uint32_t off, const char *name)
{
	if (n >= max || off + d->width / 8 > rf->len)
		return n;
	out[n].desc = d;
	out[n].off = off;
	out[n].val = reg_value(rf, d, off);
	snprintf(out[n].name, sizeof(out[n].name), "%s", name);
	return n + 1;
}

unsigned vtd_list_regs(const struct vtd_regfile *rf, struct vtd_reg_value *out,
		       unsigned max)
{
	unsigned n = 0;
	char name[24];

	if (!rf->valid)
		return 0;
	for (size_t i = 0; i < N(regs); i++)
		if (!regs[i].present || regs[i].present(rf))
			n = put(out, n, max, rf, &regs[i], regs[i].off,
				regs[i].name);
	n = put(out, n, max, rf, &iva_desc, rf->ecap.iro, "IVA");
	n = put(out, n, max, rf, &iotlb_desc, rf->ecap.iro + 8, "IOTLB");
	for (unsigned i = 0; i < rf->cap.nfr; i++) {
		uint32_t off = rf->cap.fro + 16 * i;

		snprintf(name, sizeof(name), "FRCD%u.LO", i);
		n = put(out, n, max, rf, &frcd_lo_desc, off, name);
		snprintf(name, sizeof(name), "FRCD%u.HI", i);
		n = put(out, n, max, rf, &frcd_hi_desc, off + 8, name);
	}
	return n;
}

uint64_t vtd_field_get(const struct vtd_field_desc *f, uint64_t val)
{
	unsigned width = f->hi - f->lo + 1;

	if (f->kind == VF_ADDR)
		return width == 64 ? val : val & (((1ULL << width) - 1) << f->lo);
	return width == 64 ? val : (val >> f->lo) & ((1ULL << width) - 1);
}

static void format_sagaw(uint64_t v, char *buf, unsigned len)
{
	static const char *const widths[] = { "30", "39", "48", "57", "64" };
	unsigned pos = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < 5; i++) {
		if (!((v >> i) & 1) || pos >= len)
			continue;
		pos += snprintf(buf + pos, len - pos, "%s%s", pos ? "," : "",
				widths[i]);
	}
	if (pos < len)
		snprintf(buf + pos, len - pos, "%s", pos ? "-bit" : "none");
}

void vtd_field_format(const struct vtd_field_desc *f, uint64_t val, char *buf,
		      unsigned len)
{
	uint64_t v = vtd_field_get(f, val);

	switch (f->kind) {
	case VF_FLAG:
		snprintf(buf, len, "%c", v ? '+' : '-');
		break;
	case VF_NUM:
		snprintf(buf, len, "%llu", (unsigned long long)v);
		break;
	case VF_PLUS1:
		snprintf(buf, len, "%llu", (unsigned long long)v + 1);
		break;
	case VF_NDOMS:
		snprintf(buf, len, "%u", 1u << (4 + 2 * (unsigned)v));
		break;
	case VF_SAGAW:
		format_sagaw(v, buf, len);
		break;
	case VF_SID:
		snprintf(buf, len, "%02x:%02x.%x", (unsigned)(v >> 8) & 0xff,
			 (unsigned)(v >> 3) & 0x1f, (unsigned)v & 7);
		break;
	case VF_X16:
		snprintf(buf, len, "0x%llx", (unsigned long long)v * 16);
		break;
	default:	/* VF_HEX, VF_ADDR */
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
		break;
	}
}
