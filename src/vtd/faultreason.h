/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: VT-d fault reason numbers (the FR field of a fault record). */
#ifndef VTDCTL_FAULTREASON_H
#define VTDCTL_FAULTREASON_H

/* Legacy-mode DMA remapping */
#define VTD_FR_ROOT_P			0x01
#define VTD_FR_CTX_P			0x02
#define VTD_FR_CTX_INVALID		0x03
#define VTD_FR_BEYOND_MGAW		0x04
#define VTD_FR_NO_WRITE			0x05
#define VTD_FR_NO_READ			0x06
#define VTD_FR_NEXT_PT_INVALID		0x07
#define VTD_FR_ROOT_TABLE_INVALID	0x08
#define VTD_FR_CTX_TABLE_INVALID	0x09
#define VTD_FR_ROOT_RSVD		0x0a
#define VTD_FR_CTX_RSVD			0x0b
#define VTD_FR_PTE_RSVD			0x0c
#define VTD_FR_CTX_TT_BLOCKED		0x0d
#define VTD_FR_INTERRUPT_ADDR		0x0e	/* LGN.4: output in 0xfee00000-0xfeefffff */

/* Scalable mode: PASID table, first stage, second stage, checks */
#define VTD_FR_SM_PASID_ENTRY_P		0x59
#define VTD_FR_SM_PASID_ENTRY_INVALID	0x5b
#define VTD_FR_SM_FS_ACCESS		0x70
#define VTD_FR_SM_FS_P			0x71
#define VTD_FR_SM_FS_RSVD		0x72
#define VTD_FR_SM_FSPTPTR_ACCESS	0x73
#define VTD_FR_SM_FS_NESTED_BEYOND	0x74
#define VTD_FR_SM_FSPTPTR_NESTED_NO_R	0x75
#define VTD_FR_SM_FS_NESTED_NO_R	0x76
#define VTD_FR_SM_FS_NESTED_NO_W	0x77
#define VTD_FR_SM_SS_ACCESS		0x78
#define VTD_FR_SM_SS_PERM		0x79
#define VTD_FR_SM_SS_RSVD		0x7a
#define VTD_FR_SM_SSPTPTR_INVALID	0x7b
#define VTD_FR_SM_NON_CANONICAL		0x80
#define VTD_FR_SM_US			0x81
#define VTD_FR_SM_NX			0x82
#define VTD_FR_SM_BEYOND_HW_MAX		0x83
#define VTD_FR_SM_SS_BEYOND_MAX		0x84
#define VTD_FR_SM_NO_WRITE		0x85
#define VTD_FR_SM_NO_READ		0x86
#define VTD_FR_SM_INTERRUPT_ADDR	0x87

/* A short description of fault reason fr, or NULL when the number is not
 * defined by the specification. */
const char *vtd_fault_reason_name(unsigned fr);

#endif
