/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: fault status and fault recording registers. */
#ifndef VTDCTL_FAULTS_H
#define VTDCTL_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vtd/regs.h"

/* One 128-bit fault recording register (Linux dmar_fault(), dma_frcd_*) */
struct vtd_fault_rec {
	unsigned index;
	uint64_t raw[2];	/* lo, hi */
	bool f;			/* 127: fault recorded, pending */
	bool read;		/* 126 T: 1 = read request, 0 = write */
	bool pp;		/* 95: PASID present */
	unsigned fr;		/* 103:96 fault reason */
	uint16_t sid;		/* 79:64 source id: bus << 8 | devfn */
	uint32_t pasid;		/* 123:104, valid when pp */
	uint64_t addr;		/* 63:12 FI: page address (IR: index << 48) */
};

struct vtd_fsts {
	uint32_t raw;
	bool pfo, ppf, afo, apf, iqe, ice, ite, pro;
	unsigned fri;		/* 15:8 fault record index */
};

#define VTD_MAX_FAULT_RECS	256

struct vtd_faults {
	bool valid;		/* false when the source has no registers */
	struct vtd_fsts fsts;
	uint32_t fectl;
	unsigned nfr;		/* CAP.NFR: records the unit has */
	unsigned nr_pending;
	struct vtd_fault_rec recs[VTD_MAX_FAULT_RECS];	/* the pending ones */
};

void vtd_decode_fsts(uint32_t raw, struct vtd_fsts *f);
void vtd_decode_fault_rec(const uint64_t raw[2], unsigned index,
			  struct vtd_fault_rec *r);
/* Pending fault records from a register file. */
void vtd_read_faults(const struct vtd_regfile *rf, struct vtd_faults *f);
/* Interrupt-remapping fault reasons carry an interrupt index, not an address */
bool vtd_fault_is_ir(unsigned fr);
/* The fault reason's name; "unknown reason" for numbers the spec leaves undefined */
const char *vtd_fault_reason_str(unsigned fr);

#endif
