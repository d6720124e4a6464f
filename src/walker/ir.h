/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the interrupt remapping table (IRTA) and its entries. */
#ifndef VTDCTL_IR_H
#define VTDCTL_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_source;
struct vtd_regfile;
struct vtd_model;
struct vtd_filter;

#define VTD_IRTA_EIME		(1ULL << 11)
#define VTD_IRTA_S_MASK		0xfULL
#define VTD_IRTA_RSVD		0x7f0ULL	/* bits 10:4 */
#define VTD_IR_MAX_ENTRIES	65536u

/*
 * Interrupt remapping table entry, 128 bits (VT-d spec 9.10, Linux struct
 * irte, VTD-REFERENCE §3.11). IM (bit 15) selects the format: clear =
 * remapped, set = posted.
 */
struct vtd_irte {
	uint64_t raw[2];
	bool p, fpd;		/* 0, 1 */
	bool im;		/* 15: posted format */
	unsigned avail;		/* 11:8 */
	uint8_t vector;		/* 23:16 */
	/* remapped format */
	bool dm, rh, tm;	/* 2, 3, 4 */
	unsigned dlm;		/* 7:5 */
	uint32_t dest_id;	/* 63:32 as stored */
	uint32_t dest;		/* the APIC id: 47:40 (xAPIC) or 63:32 (x2APIC) */
	/* posted format */
	bool urg;		/* 14 */
	uint64_t pda;		/* descriptor address: 127:96 and 63:38 (<< 6) */
	/* both */
	uint16_t sid;		/* 79:64 */
	unsigned sq;		/* 81:80 */
	unsigned svt;		/* 83:82 */
	uint64_t rsvd[2];	/* reserved bits that are set */
};

/* eime: IRTA.EIME (x2APIC destinations) */
void vtd_decode_irte(const uint64_t raw[2], bool eime, struct vtd_irte *e);
/* "fixed", "lowpri", "smi", "nmi", "init", "extint", or "reserved(N)" */
const char *vtd_dlm_name(unsigned dlm, char *buf, unsigned len);
/* "none", "sid", "bus-range", "reserved(3)" */
const char *vtd_svt_name(unsigned svt);

struct vtd_ir_entry {
	uint32_t index;
	struct vtd_irte e;
};

struct vtd_ir {
	uint64_t irta;
	uint32_t gsts;
	uint64_t ecap;
	bool ires, irtps;	/* GSTS.IRES, GSTS.IRTPS */
	bool eime;		/* IRTA 11 */
	uint64_t base;		/* IRTA 63:12 */
	unsigned s;		/* IRTA 3:0 */
	uint32_t nr_entries;	/* 2^(S+1) */
	bool read_ok;		/* the table was read */
	struct vtd_ir_entry *present;	/* present entries (filtered), by index */
	size_t nr_present;
	unsigned nr_present_all;	/* before the -s filter */
	unsigned nr_leftover;	/* not present, other bits set */
};

/*
 * Registers from rf (valid), the table read with one source_read, present
 * entries decoded (those whose SID matches filter, when it names a device).
 * Bad guest state becomes findings in m. 0 or a negative errno (fatal).
 */
int vtd_read_ir(struct vtd_source *src, const struct vtd_regfile *rf,
		const struct vtd_filter *filter, struct vtd_ir *ir,
		struct vtd_model *m);
/* The same over a table already in memory (ir->nr_entries * 16 bytes). */
int vtd_ir_decode(struct vtd_ir *ir, const uint8_t *table,
		  const struct vtd_filter *filter, struct vtd_model *m);
/* IRTA/GSTS/ECAP into ir, with their findings. */
void vtd_ir_geometry(uint64_t irta, uint32_t gsts, uint64_t ecap,
		     struct vtd_ir *ir, struct vtd_model *m);
void vtd_ir_free(struct vtd_ir *ir);

#endif
