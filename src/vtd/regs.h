/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the IOMMU's register file, read in one block, and its decoding. */
#ifndef VTDCTL_REGS_H
#define VTDCTL_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "vtd/vtd.h"

#define VTD_REGFILE_MAX	4096u	/* bytes; QEMU's region is 0x230 (7.2) */

/* Register offsets beyond the first five (vtd.h), Linux DMAR_*_REG */
#define VTD_REG_CCMD		0x28
#define VTD_REG_FSTS		0x34
#define VTD_REG_FECTL		0x38
#define VTD_REG_FEDATA		0x3c
#define VTD_REG_FEADDR		0x40
#define VTD_REG_FEUADDR		0x44
#define VTD_REG_AFLOG		0x58
#define VTD_REG_PMEN		0x64
#define VTD_REG_PLMBASE		0x68
#define VTD_REG_PLMLIMIT	0x6c
#define VTD_REG_PHMBASE		0x70
#define VTD_REG_PHMLIMIT	0x78
#define VTD_REG_IQH		0x80
#define VTD_REG_IQT		0x88
#define VTD_REG_IQA		0x90
#define VTD_REG_ICS		0x9c
#define VTD_REG_IECTL		0xa0
#define VTD_REG_IEDATA		0xa4
#define VTD_REG_IEADDR		0xa8
#define VTD_REG_IEUADDR		0xac
#define VTD_REG_IQER		0xb0
#define VTD_REG_IRTA		0xb8
#define VTD_REG_PQH		0xc0
#define VTD_REG_PQT		0xc8
#define VTD_REG_PQA		0xd0
#define VTD_REG_PRS		0xdc
#define VTD_REG_PECTL		0xe0
#define VTD_REG_PEDATA		0xe4
#define VTD_REG_PEADDR		0xe8
#define VTD_REG_PEUADDR		0xec

/*
 * Every register up to the end of the fault recording and IOTLB registers
 * (CAP.FRO x NFR, ECAP.IRO), read with one block read of aligned qwords.
 */
struct vtd_regfile {
	bool valid;		/* false: the source has no registers (a dump) */
	uint64_t base;		/* MMIO base */
	uint32_t len;		/* bytes read from offset 0 */
	struct vtd_cap cap;
	struct vtd_ecap ecap;
	uint64_t q[VTD_REGFILE_MAX / 8];
};

/* Where the registers CAP and ECAP describe end (bytes from offset 0). */
uint32_t vtd_regfile_len(const struct vtd_cap *c, const struct vtd_ecap *e);
/* A register's value; 0 for offsets that were not read. */
uint64_t vtd_reg64(const struct vtd_regfile *rf, uint32_t off);
uint32_t vtd_reg32(const struct vtd_regfile *rf, uint32_t off);

#endif
