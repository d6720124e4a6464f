/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl unit tests: a scalable-mode PASID table entry's 512 bits from its
 * fields, written from the bit positions of the VT-d specification (9.6),
 * not from the decoder it is then read back by.
 */
#ifndef VTDCTL_PASID_ENC_H
#define VTDCTL_PASID_ENC_H

#include <stdint.h>
#include <string.h>

#include "vtd/vtd.h"

#define ENC_ADDR(v)	((v) & 0x000ffffffffff000ULL)	/* bits 63:12 */

static inline void unit_encode_pasid(const struct vtd_pasid_entry *e,
				     uint64_t raw[8])
{
	memset(raw, 0, 8 * sizeof(raw[0]));
	raw[0] = (uint64_t)e->p | (uint64_t)e->fpd << 1 |
		 (uint64_t)(e->aw & 7) << 2 | (uint64_t)(e->pgtt & 7) << 6 |
		 (uint64_t)e->ssade << 9 | ENC_ADDR(e->slptptr);
	raw[1] = (uint64_t)(e->did & 0xffff) | (uint64_t)e->pwsnp << 23 |
		 (uint64_t)e->pgsnp << 24;
	raw[2] = (uint64_t)e->sre | (uint64_t)(e->flpm & 3) << 2 |
		 (uint64_t)e->wpe << 4 | (uint64_t)e->eafe << 7 |
		 ENC_ADDR(e->flptptr);
}

#endif
