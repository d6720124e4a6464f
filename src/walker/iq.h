/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the invalidation queue (IQA/IQH/IQT) and its descriptors. */
#ifndef VTDCTL_IQ_H
#define VTDCTL_IQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_source;
struct vtd_regfile;
struct vtd_model;

/* Descriptor types, qw0 3:0 (Linux QI_*_TYPE) */
enum vtd_inv_type {
	VTD_INV_CC = 1,		/* context-cache */
	VTD_INV_IOTLB = 2,
	VTD_INV_DEV_TLB = 3,
	VTD_INV_IEC = 4,	/* interrupt entry cache */
	VTD_INV_WAIT = 5,
	VTD_INV_P_IOTLB = 6,	/* PASID-based IOTLB */
	VTD_INV_PC = 7,		/* PASID-cache */
	VTD_INV_P_DEV_TLB = 8,	/* PASID-based device-TLB */
	VTD_INV_PGRP_RESP = 9,	/* page group response */
	VTD_INV_PSTRM_RESP = 10, /* page stream response (raw only) */
};

/*
 * One decoded descriptor. Only the fields of its type are meaningful; the
 * raw qwords are kept (2 for 128-bit descriptors, 4 for 256-bit).
 */
struct vtd_inv_desc {
	uint64_t raw[4];
	unsigned nqw;		/* 2 or 4 */
	unsigned type;		/* qw0 3:0 */
	unsigned gran;		/* cc/iotlb/p_iotlb/pc: qw0 5:4; iec: bit 4 */
	unsigned did;		/* cc, iotlb, p_iotlb, pc: qw0 31:16 */
	uint16_t sid;		/* cc, dev_tlb: 47:32; p_dev_tlb: 31:16; pgrp: RID 31:16 */
	unsigned fm;		/* cc: 49:48 */
	bool dr, dw;		/* iotlb: 7, 6 */
	uint64_t addr;		/* iotlb, p_iotlb, dev_tlb, p_dev_tlb: qw1 63:12 */
	bool ih;		/* iotlb, p_iotlb: qw1 6 */
	unsigned am;		/* iotlb, p_iotlb: qw1 5:0 */
	uint32_t pasid;		/* p_iotlb, pc, p_dev_tlb, pgrp: qw0 51:32 */
	uint16_t pfsid;		/* dev_tlb, p_dev_tlb: 15:12 + 63:52 */
	unsigned qdep;		/* dev_tlb: 20:16; p_dev_tlb: 8:4 */
	bool size;		/* dev_tlb: qw1 0; p_dev_tlb: qw1 11 (S) */
	bool global;		/* p_dev_tlb: qw1 0 (G) */
	bool iec_index;		/* iec: bit 4 set = index-selective, clear = global */
	unsigned iidx, im;	/* iec: 47:32, 31:27 */
	bool iflag, sw, fn, pd;	/* wait: 4, 5, 6, 7 */
	uint32_t status_data;	/* wait: 63:32 */
	uint64_t status_addr;	/* wait: qw1 63:2 */
	bool pasid_present;	/* pgrp: 4 */
	unsigned resp_code;	/* pgrp: 15:12 */
	bool lpig;		/* pgrp: qw1 2 */
	unsigned prg_index;	/* pgrp: qw1 11:3 */
};

/* raw holds nqw qwords (2 or 4) */
void vtd_decode_inv_desc(const uint64_t *raw, unsigned nqw,
			 struct vtd_inv_desc *d);
/* "cc", "iotlb", "dev_tlb", "iec", "wait", "p_iotlb", "pc", "p_dev_tlb",
 * "pgrp_resp", "pstrm_resp"; NULL for an unknown type */
const char *vtd_inv_type_name(unsigned type);
/* Granularity of cc/iotlb/p_iotlb/pc/iec: "global", "domain", "device",
 * "page", "pasid", "domain-selective", "pasid-selective", "index", ...
 * or "reserved(N)" in buf; NULL for types without one. */
const char *vtd_inv_gran_name(const struct vtd_inv_desc *d, char *buf,
			      unsigned len);

/* The queue registers, as read */
struct vtd_iq_regs {
	uint64_t iqa, iqh, iqt, iqer, ecap;
	uint32_t gsts, fsts, ics;
};

#define VTD_IQA_DW		(1ULL << 11)
#define VTD_IQA_QS_MASK		0x7ULL
#define VTD_IQA_RSVD		0x7f8ULL	/* bits 10:3 */
#define VTD_IQ_QT_RSVD		(~0x7fff0ULL)	/* IQH/IQT: all but 18:4 */
#define VTD_FSTS_IQE		(1u << 4)
#define VTD_FSTS_ICE		(1u << 5)
#define VTD_FSTS_ITE		(1u << 6)
#define VTD_ICS_IWC		1u

struct vtd_iq_entry {
	uint32_t index;
	bool pending;		/* in [head, tail): not fetched yet */
	bool at_head;
	struct vtd_inv_desc d;
};

struct vtd_iq {
	struct vtd_iq_regs r;
	bool enabled;		/* GSTS.QIES */
	uint64_t base;		/* IQA 63:12 */
	unsigned qs;		/* IQA 2:0: 2^QS pages */
	bool dw_reg;		/* IQA.DW as the register reads */
	bool dw;		/* the descriptor width used for decoding */
	bool dw_inferred;	/* dw set although the register reads 0 */
	uint32_t bytes;		/* 4096 << QS */
	uint32_t desc_size;	/* 16 or 32 */
	uint32_t size;		/* descriptors in the queue */
	uint32_t head, tail;	/* indexes: IQH/IQT >> (4 + dw) */
	bool head_ok, tail_ok;	/* within the queue, aligned, no reserved bits */
	bool read_ok;		/* the queue was read from guest RAM */
	unsigned iqei;		/* IQER 3:0 */
	uint16_t itesid, icesid;	/* IQER 47:32, 63:48 */
	struct vtd_iq_entry *entries;	/* oldest first, ending before the tail */
	size_t nr_entries;
	unsigned nr_empty;	/* all-zero slots in the window (never written) */
};

/* The queue's geometry from its registers, and the findings about them. */
void vtd_iq_geometry(const struct vtd_iq_regs *r, struct vtd_iq *iq,
		     struct vtd_model *m);
/*
 * Decode the last count descriptors before the tail from the whole queue
 * (iq->bytes bytes at q). Infers 256-bit descriptors first when the register
 * hides DW (see iq.c). 0, or -ENOMEM.
 */
int vtd_iq_decode(struct vtd_iq *iq, const uint8_t *q, unsigned count,
		  struct vtd_model *m);
/*
 * Everything: registers from rf (which must be valid), the queue read with
 * one source_read, count descriptors decoded. Bad guest state becomes
 * findings in m; returns 0, or a negative errno for a fatal source error.
 */
int vtd_read_iq(struct vtd_source *src, const struct vtd_regfile *rf,
		unsigned count, struct vtd_iq *iq, struct vtd_model *m);
void vtd_iq_free(struct vtd_iq *iq);

#endif
