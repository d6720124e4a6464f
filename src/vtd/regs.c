// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the IOMMU register file: its extent and its words. */
#include <string.h>

#include "vtd/regs.h"

uint32_t vtd_regfile_len(const struct vtd_cap *c, const struct vtd_ecap *e)
{
	uint32_t end = 0x100;	/* VER .. PEUADDR */
	uint32_t fr_end = c->fro + 16 * c->nfr;
	uint32_t iotlb_end = e->iro + 16;

	if (fr_end > end)
		end = fr_end;
	if (iotlb_end > end)
		end = iotlb_end;
	return end > VTD_REGFILE_MAX ? VTD_REGFILE_MAX : (end + 7) & ~7u;
}

uint64_t vtd_reg64(const struct vtd_regfile *rf, uint32_t off)
{
	if (!rf->valid || off + 8 > rf->len || (off & 7))
		return 0;
	return rf->q[off / 8];
}

uint32_t vtd_reg32(const struct vtd_regfile *rf, uint32_t off)
{
	if (!rf->valid || off + 4 > rf->len || (off & 3))
		return 0;
	return (uint32_t)(rf->q[off / 8] >> (8 * (off & 4)));
}
