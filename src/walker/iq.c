// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the invalidation queue. The registers give the queue (IQA), what
 * the hardware fetched (IQH) and what software wrote (IQT); the queue itself
 * is read from guest RAM in one read and the descriptors before the tail are
 * decoded (layouts: VT-d spec 6.5.2, Linux iommu.h QI_*, VTD-REFERENCE §3.12).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "walker/iq.h"
#include "model/model.h"
#include "vtd/regs.h"

#define BITS(v, hi, lo)	(((v) >> (lo)) & ((2ULL << ((hi) - (lo))) - 1))
#define BIT(v, n)	(((v) >> (n)) & 1)

static const char *const type_names[] = {
	[VTD_INV_CC] = "cc",		[VTD_INV_IOTLB] = "iotlb",
	[VTD_INV_DEV_TLB] = "dev_tlb",	[VTD_INV_IEC] = "iec",
	[VTD_INV_WAIT] = "wait",	[VTD_INV_P_IOTLB] = "p_iotlb",
	[VTD_INV_PC] = "pc",		[VTD_INV_P_DEV_TLB] = "p_dev_tlb",
	[VTD_INV_PGRP_RESP] = "pgrp_resp", [VTD_INV_PSTRM_RESP] = "pstrm_resp",
};

const char *vtd_inv_type_name(unsigned type)
{
	if (type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

/* PFSID: bits 3:0 in qw0 15:12, bits 15:4 in qw0 63:52 */
static uint16_t pfsid_of(uint64_t qw0)
{
	return (uint16_t)(BITS(qw0, 15, 12) | BITS(qw0, 63, 52) << 4);
}

static void decode_qw0_common(uint64_t qw0, struct vtd_inv_desc *d)
{
	d->gran = BITS(qw0, 5, 4);
	d->did = BITS(qw0, 31, 16);
	d->pasid = BITS(qw0, 51, 32);
}

static void decode_addr_qw1(uint64_t qw1, struct vtd_inv_desc *d)
{
	d->addr = qw1 & ~0xfffULL;
	d->ih = BIT(qw1, 6);
	d->am = BITS(qw1, 5, 0);
}

void vtd_decode_inv_desc(const uint64_t *raw, unsigned nqw,
			 struct vtd_inv_desc *d)
{
	uint64_t qw0 = raw[0], qw1 = raw[1];

	memset(d, 0, sizeof(*d));
	d->nqw = nqw == 4 ? 4 : 2;
	memcpy(d->raw, raw, d->nqw * sizeof(raw[0]));
	d->type = BITS(qw0, 3, 0);
	switch (d->type) {
	case VTD_INV_CC:
		decode_qw0_common(qw0, d);
		d->pasid = 0;
		d->sid = BITS(qw0, 47, 32);
		d->fm = BITS(qw0, 49, 48);
		break;
	case VTD_INV_IOTLB:
		decode_qw0_common(qw0, d);
		d->pasid = 0;
		d->dw = BIT(qw0, 6);
		d->dr = BIT(qw0, 7);
		decode_addr_qw1(qw1, d);
		break;
	case VTD_INV_DEV_TLB:
		d->pfsid = pfsid_of(qw0);
		d->qdep = BITS(qw0, 20, 16);
		d->sid = BITS(qw0, 47, 32);
		d->addr = qw1 & ~0xfffULL;
		d->size = BIT(qw1, 0);
		break;
	case VTD_INV_IEC:
		d->iec_index = BIT(qw0, 4);
		d->gran = d->iec_index;
		d->im = BITS(qw0, 31, 27);
		d->iidx = BITS(qw0, 47, 32);
		break;
	case VTD_INV_WAIT:
		d->iflag = BIT(qw0, 4);
		d->sw = BIT(qw0, 5);
		d->fn = BIT(qw0, 6);
		d->pd = BIT(qw0, 7);
		d->status_data = BITS(qw0, 63, 32);
		d->status_addr = qw1 & ~3ULL;
		break;
	case VTD_INV_P_IOTLB:
		decode_qw0_common(qw0, d);
		decode_addr_qw1(qw1, d);
		break;
	case VTD_INV_PC:
		decode_qw0_common(qw0, d);
		break;
	case VTD_INV_P_DEV_TLB:
		d->pfsid = pfsid_of(qw0);
		d->qdep = BITS(qw0, 8, 4);
		d->sid = BITS(qw0, 31, 16);
		d->pasid = BITS(qw0, 51, 32);
		d->addr = qw1 & ~0xfffULL;
		d->size = BIT(qw1, 11);
		d->global = BIT(qw1, 0);
		break;
	case VTD_INV_PGRP_RESP:
		d->pasid_present = BIT(qw0, 4);
		d->resp_code = BITS(qw0, 15, 12);
		d->sid = BITS(qw0, 31, 16);
		d->pasid = BITS(qw0, 51, 32);
		d->lpig = BIT(qw1, 2);
		d->prg_index = BITS(qw1, 11, 3);
		break;
	default:
		break;
	}
}

static const char *reserved_name(unsigned g, char *buf, unsigned len)
{
	snprintf(buf, len, "reserved(%u)", g);
	return buf;
}

const char *vtd_inv_gran_name(const struct vtd_inv_desc *d, char *buf,
			      unsigned len)
{
	/* Linux QI_CC_GRAN / QI_IOTLB_GRAN (DMA_CCMD_*, DMA_TLB_*) */
	static const char *const cc[4] = { NULL, "global", "domain", "device" };
	static const char *const iotlb[4] = { NULL, "global", "domain", "page" };
	/* QI_GRAN_NONG_PASID = 2, QI_GRAN_PSI_PASID = 3 */
	static const char *const piotlb[4] = { NULL, NULL, "pasid", "page" };
	/* QI_PC_ALL_PASIDS 0, QI_PC_PASID_SEL 1, QI_PC_GLOBAL 3 */
	static const char *const pc[4] = {
		"domain-selective", "pasid-selective", NULL, "global",
	};
	const char *const *t;

	switch (d->type) {
	case VTD_INV_CC:      t = cc; break;
	case VTD_INV_IOTLB:   t = iotlb; break;
	case VTD_INV_P_IOTLB: t = piotlb; break;
	case VTD_INV_PC:      t = pc; break;
	case VTD_INV_IEC:     return d->iec_index ? "index" : "global";
	default:	      return NULL;
	}
	return t[d->gran & 3] ? t[d->gran & 3] : reserved_name(d->gran, buf, len);
}

/* --- the queue ---------------------------------------------------------- */

static void check_pointer(const char *name, uint64_t v, struct vtd_iq *iq,
			  bool *ok, struct vtd_model *m)
{
	uint64_t off = v & 0x7fff0ULL;

	*ok = false;
	if (v & VTD_IQ_QT_RSVD) {
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_pointer_reserved_bits",
				VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0,
				"%s 0x%llx has reserved bits set (only 18:4 hold the offset)",
				name, (unsigned long long)v);
		return;
	}
	if (iq->dw && (v & 0x10)) {
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_pointer_misaligned",
				VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0,
				"%s 0x%llx is not 256-bit aligned with 256-bit descriptors",
				name, (unsigned long long)v);
		return;
	}
	if (off >= iq->bytes) {
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_pointer_beyond_queue",
				VTD_NO_BDF, VTD_NO_BDF, VTD_NO_PASID, 0,
				"%s 0x%llx is beyond the %u-byte queue",
				name, (unsigned long long)v, iq->bytes);
		return;
	}
	*ok = true;
}

/* Indexes from the offsets, for the width now in iq->dw */
static void set_geometry(struct vtd_iq *iq)
{
	iq->desc_size = iq->dw ? 32 : 16;
	iq->size = iq->bytes / iq->desc_size;
	iq->head = (uint32_t)((iq->r.iqh & 0x7fff0ULL) / iq->desc_size);
	iq->tail = (uint32_t)((iq->r.iqt & 0x7fff0ULL) / iq->desc_size);
}

static void check_pointers(struct vtd_iq *iq, struct vtd_model *m)
{
	check_pointer("IQH", iq->r.iqh, iq, &iq->head_ok, m);
	check_pointer("IQT", iq->r.iqt, iq, &iq->tail_ok, m);
}

static void check_status(const struct vtd_iq_regs *r, struct vtd_iq *iq,
			 struct vtd_model *m)
{

	iq->iqei = BITS(r->iqer, 3, 0);
	iq->itesid = BITS(r->iqer, 47, 32);
	iq->icesid = BITS(r->iqer, 63, 48);
	if (r->fsts & VTD_FSTS_IQE)
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_error", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"FSTS.IQE: the hardware refused the descriptor at the head (IQH 0x%llx), IQER.IQEI %u; the queue is stopped",
				(unsigned long long)r->iqh, iq->iqei);
	if (r->fsts & VTD_FSTS_ICE)
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_completion_error",
				iq->icesid >> 8, iq->icesid & 0xff, VTD_NO_PASID, 0,
				"FSTS.ICE: invalid device-TLB invalidation completion (IQER.ICESID)");
	if (r->fsts & VTD_FSTS_ITE)
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_timeout_error",
				iq->itesid >> 8, iq->itesid & 0xff, VTD_NO_PASID, 0,
				"FSTS.ITE: device-TLB invalidation timed out (IQER.ITESID)");
	if (r->iqer)
		vtd_add_finding(m, VTD_SEV_WARNING, "iqer_set", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"IQER 0x%llx: IQEI %u, ITESID 0x%04x, ICESID 0x%04x",
				(unsigned long long)r->iqer, iq->iqei,
				iq->itesid, iq->icesid);
}

void vtd_iq_geometry(const struct vtd_iq_regs *r, struct vtd_iq *iq,
		     struct vtd_model *m)
{
	memset(iq, 0, sizeof(*iq));
	iq->r = *r;
	iq->enabled = r->gsts & VTD_GSTS_QIES;
	iq->base = r->iqa & VTD_ADDR_MASK;
	iq->qs = r->iqa & VTD_IQA_QS_MASK;
	iq->dw_reg = r->iqa & VTD_IQA_DW;
	iq->dw = iq->dw_reg;
	iq->bytes = VTD_PAGE_SIZE << iq->qs;
	set_geometry(iq);
	if (!iq->enabled) {
		vtd_add_finding(m, VTD_SEV_INFO, "qi_disabled", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"queued invalidation is off (GSTS.QIES clear): nothing to decode");
		return;
	}
	if (r->iqa & VTD_IQA_RSVD)
		vtd_add_finding(m, VTD_SEV_ERROR, "iqa_reserved_bits", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, 0,
				"IQA 0x%llx has reserved bits 10:3 set",
				(unsigned long long)r->iqa);
	check_status(r, iq, m);
}

/*
 * QEMU 7.2 keeps IQA bit 11 (DW) out of the register (its write mask is
 * 0xfffffffffffff007) but uses 256-bit descriptors when the guest wrote it,
 * and Linux writes it whenever ECAP.SMTS is set. A queue of 256-bit
 * descriptors read as 128-bit ones has every odd 16-byte slot zero (Linux's
 * qw2/qw3 are zero), a 32-byte aligned head and tail, and descriptors in the
 * even slots: then decode 32-byte descriptors and say so.
 */
static bool looks_256bit(const struct vtd_iq *iq, const uint8_t *q)
{
	unsigned even = 0;

	if (iq->dw_reg || !(iq->r.ecap & (1ULL << 43)) ||
	    ((iq->r.iqh | iq->r.iqt) & 0x10))
		return false;
	for (uint32_t off = 0; off + 32 <= iq->bytes; off += 32) {
		static const uint8_t zero[16];

		if (memcmp(q + off + 16, zero, 16))
			return false;
		even += !!memcmp(q + off, zero, 16);
	}
	return even > 0;
}

/* how far b is behind a in a ring of n slots (a, b < n) */
static uint32_t dist(uint32_t a, uint32_t b, uint32_t n)
{
	return (a + n - b) % n;
}

int vtd_iq_decode(struct vtd_iq *iq, const uint8_t *q, unsigned count,
		  struct vtd_model *m)
{
	uint32_t first, idx;

	if (looks_256bit(iq, q)) {
		iq->dw = iq->dw_inferred = true;
		set_geometry(iq);
		vtd_add_finding(m, VTD_SEV_INFO, "iq_dw_inferred", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, iq->base,
				"IQA.DW reads 0 but ECAP.SMTS is set and the queue holds 256-bit descriptors (QEMU 7.2 does not keep IQA bit 11): decoded as 256-bit");
	}
	check_pointers(iq, m);
	if (count > iq->size)
		count = iq->size;
	iq->entries = calloc(count ? count : 1, sizeof(*iq->entries));
	if (!iq->entries)
		return -ENOMEM;
	/* an impossible tail still leaves a window: the one before tail mod size */
	first = (iq->tail % iq->size + iq->size - count) % iq->size;
	for (unsigned i = 0; i < count; i++) {
		struct vtd_iq_entry *e = &iq->entries[iq->nr_entries];
		uint64_t raw[4] = { 0 };
		static const uint64_t zero[4];

		idx = (first + i) % iq->size;
		memcpy(raw, q + (size_t)idx * iq->desc_size, iq->desc_size);
		if (!memcmp(raw, zero, sizeof(zero))) {
			iq->nr_empty++;		/* a slot never written */
			continue;
		}
		e->index = idx;
		e->at_head = iq->head_ok && idx == iq->head;
		/* pending: in [head, tail), cyclically */
		e->pending = iq->head_ok && iq->tail_ok &&
			dist(idx, iq->head, iq->size) <
			dist(iq->tail, iq->head, iq->size);
		vtd_decode_inv_desc(raw, iq->desc_size / 8, &e->d);
		iq->nr_entries++;
	}
	return 0;
}

static void regs_from_file(const struct vtd_regfile *rf, struct vtd_iq_regs *r)
{
	r->iqa = vtd_reg64(rf, VTD_REG_IQA);
	r->iqh = vtd_reg64(rf, VTD_REG_IQH);
	r->iqt = vtd_reg64(rf, VTD_REG_IQT);
	r->iqer = vtd_reg64(rf, VTD_REG_IQER);
	r->ecap = vtd_reg64(rf, VTD_REG_ECAP);
	r->gsts = vtd_reg32(rf, VTD_REG_GSTS);
	r->fsts = vtd_reg32(rf, VTD_REG_FSTS);
	r->ics = vtd_reg32(rf, VTD_REG_ICS);
}

int vtd_read_iq(struct vtd_source *src, const struct vtd_regfile *rf,
		unsigned count, struct vtd_iq *iq, struct vtd_model *m)
{
	struct vtd_iq_regs r;
	uint8_t *q;
	int err;

	regs_from_file(rf, &r);
	vtd_iq_geometry(&r, iq, m);
	if (!iq->enabled)
		return 0;
	q = malloc(iq->bytes);
	if (!q)
		return -ENOMEM;
	err = source_read(src, iq->base, q, iq->bytes);
	if (err == -EFAULT) {
		vtd_add_finding(m, VTD_SEV_ERROR, "iq_outside_ram", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, iq->base,
				"the %u-byte queue at 0x%llx is not in guest RAM",
				iq->bytes, (unsigned long long)iq->base);
		check_pointers(iq, m);
		err = 0;
	} else if (err == -ENODATA) {
		vtd_add_finding(m, VTD_SEV_WARNING, "not_recorded", VTD_NO_BDF,
				VTD_NO_BDF, VTD_NO_PASID, iq->base,
				"the invalidation queue at 0x%llx was not recorded: its descriptors are unknown",
				(unsigned long long)iq->base);
		err = 0;
	} else if (!err) {
		iq->read_ok = true;
		err = vtd_iq_decode(iq, q, count, m);
	}
	free(q);
	return err;
}

void vtd_iq_free(struct vtd_iq *iq)
{
	free(iq->entries);
	iq->entries = NULL;
	iq->nr_entries = 0;
}
