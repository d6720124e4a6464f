// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: names of VT-d fault reasons. The numbers are the specification's
 * (legacy 0x1-0xE, interrupt remapping 0x20-0x26, scalable mode 0x30-0x90);
 * the wording is ours, kept short enough for one line of output.
 */
#include <stddef.h>

#include "vtd/faultreason.h"

static const char *const names[0x91] = {
	/* legacy DMA remapping */
	[0x01] = "root entry not present",
	[0x02] = "context entry not present",
	[0x03] = "invalid context entry",
	[0x04] = "address beyond MGAW",
	[0x05] = "no write permission in page-table entry",
	[0x06] = "no read permission in page-table entry",
	[0x07] = "next page-table pointer invalid",
	[0x08] = "root table address invalid",
	[0x09] = "context table pointer invalid",
	[0x0a] = "reserved bits set in root entry",
	[0x0b] = "reserved bits set in context entry",
	[0x0c] = "reserved bits set in page-table entry",
	[0x0d] = "translation type in context entry blocks the request",
	[0x0e] = "output address in the interrupt address range",
	/* interrupt remapping */
	[0x20] = "IR: reserved fields set in the interrupt request",
	[0x21] = "IR: interrupt index beyond the table size",
	[0x22] = "IR: IRTE not present",
	[0x23] = "IR: error accessing the table at IRTA",
	[0x24] = "IR: reserved bits set in IRTE",
	[0x25] = "IR: compatibility-format interrupt blocked",
	[0x26] = "IR: source-id verification failed",
	/* scalable mode: root */
	[0x30] = "SM: invalid root table address",
	[0x31] = "SM: TTM 0 for a request with PASID",
	[0x32] = "SM: TTM 0 for a page group request",
	[0x38] = "SM: error accessing root entry",
	[0x39] = "SM: root entry not present",
	[0x3a] = "SM: reserved bits set in root entry",
	/* context */
	[0x40] = "SM: error accessing context entry",
	[0x41] = "SM: context entry not present",
	[0x42] = "SM: reserved bits set in context entry",
	[0x43] = "SM: invalid context entry",
	[0x44] = "SM: DTE clear in context entry",
	[0x45] = "SM: PASIDE clear in context entry",
	[0x46] = "SM: PASID beyond the directory size (PDTS)",
	[0x47] = "SM: PRE clear in context entry",
	[0x48] = "SM: RID_PASID error in context entry",
	/* PASID directory and table */
	[0x50] = "SM: error accessing PASID directory entry",
	[0x51] = "SM: PASID directory entry not present",
	[0x52] = "SM: reserved bits set in PASID directory entry",
	[0x58] = "SM: error accessing PASID table entry",
	[0x59] = "SM: PASID table entry not present",
	[0x5a] = "SM: reserved bits set in PASID table entry",
	[0x5b] = "SM: invalid PASID table entry",
	[0x5c] = "SM: ERE clear in PASID table entry",
	[0x5d] = "SM: SRE clear in PASID table entry",
	/* first stage */
	[0x70] = "SM: error accessing first-stage paging entry",
	[0x71] = "SM: first-stage paging entry not present",
	[0x72] = "SM: reserved bits set in first-stage paging entry",
	[0x73] = "SM: error accessing first-stage table (FSPTPTR)",
	[0x74] = "SM: nested: first-stage entry address beyond the second stage's width",
	[0x75] = "SM: nested: no read permission for the first-stage root table",
	[0x76] = "SM: nested: no read permission for a first-stage table",
	[0x77] = "SM: nested: no write permission for a first-stage A/D update",
	/* second stage */
	[0x78] = "SM: error accessing second-stage paging entry",
	[0x79] = "SM: second-stage paging entry not present (R=W=0)",
	[0x7a] = "SM: reserved bits set in second-stage paging entry",
	[0x7b] = "SM: invalid second-stage table pointer (SSPTPTR)",
	[0x7c] = "SM: second-stage A/D update needed with no-snoop",
	/* translation checks */
	[0x80] = "SM: non-canonical first-stage input address",
	[0x81] = "SM: U/S clear for a user-privilege request",
	[0x82] = "SM: no execute permission",
	[0x83] = "SM: address beyond the hardware maximum (MGAW)",
	[0x84] = "SM: address beyond the second stage's width",
	[0x85] = "SM: no write permission",
	[0x86] = "SM: no read permission",
	[0x87] = "SM: output address in the interrupt address range",
	[0x90] = "SM: first-stage A/D update needed with no-snoop",
};

const char *vtd_fault_reason_name(unsigned fr)
{
	return fr < sizeof(names) / sizeof(names[0]) ? names[fr] : NULL;
}
