// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: read the IOMMU register file through a source. */
#include <errno.h>
#include <string.h>

#include "source/source.h"
#include "walker/regfile.h"

/* How much one first read may take: the whole MMIO region when the source
 * knows it (QEMU's is exactly the register file), else VER..ECAP. */
static unsigned first_read_qwords(const struct vtd_source *src)
{
	uint64_t size = src->mmio_size;

	if (size < 0x100)
		return 3;
	return (unsigned)((size > VTD_REGFILE_MAX ? VTD_REGFILE_MAX : size) / 8);
}

int vtd_read_regfile(struct vtd_source *src, struct vtd_regfile *rf)
{
	unsigned have = first_read_qwords(src);
	int err;

	memset(rf, 0, sizeof(*rf));
	/* CAP and ECAP say where the rest ends */
	err = source_read_regs(src, 0, have, rf->q);
	if (err == -ENOTSUP)
		return 0;
	if (err)
		return err;
	vtd_decode_cap(rf->q[1], &rf->cap);
	vtd_decode_ecap(rf->q[2], &rf->ecap);
	rf->len = vtd_regfile_len(&rf->cap, &rf->ecap);
	if (rf->len > have * 8) {
		err = source_read_regs(src, 0, rf->len / 8, rf->q);
		if (err)
			return err;
	}
	/* words read past the end that CAP/ECAP give are not registers */
	memset(rf->q + rf->len / 8, 0, (have > rf->len / 8 ? have - rf->len / 8 : 0) * 8);
	rf->valid = true;
	rf->base = src->mmio_base;
	return 0;
}
