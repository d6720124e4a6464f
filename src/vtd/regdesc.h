/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: what each register is and what its fields mean (one table). */
#ifndef VTDCTL_REGDESC_H
#define VTDCTL_REGDESC_H

#include <stdbool.h>
#include <stdint.h>

#include "vtd/regs.h"

enum vtd_field_kind {
	VF_FLAG,	/* one bit: NAME+ / NAME- */
	VF_NUM,		/* decimal */
	VF_HEX,		/* hex */
	VF_ADDR,	/* the bits in place (a 4 KiB-aligned address) */
	VF_PLUS1,	/* value + 1 (MGAW, NFR, PSS as widths/counts) */
	VF_X16,		/* value * 16 (register offsets FRO, IRO) */
	VF_NDOMS,	/* ND: 2^(4 + 2*ND) domains */
	VF_SAGAW,	/* SAGAW: supported guest address widths */
	VF_SID,		/* a source id as a BDF */
};

struct vtd_field_desc {
	const char *name;
	uint8_t hi, lo;
	uint8_t kind;		/* enum vtd_field_kind */
};

struct vtd_reg_desc {
	const char *name;
	uint32_t off;
	uint8_t width;		/* 32 or 64 */
	const char *what;
	bool (*present)(const struct vtd_regfile *rf);	/* NULL: always */
	const struct vtd_field_desc *fields;
	unsigned nr_fields;
};

/* A register of a concrete unit (IVA/IOTLB/FRCDn have computed offsets). */
struct vtd_reg_value {
	const struct vtd_reg_desc *desc;
	char name[24];		/* "FRCD3.HI" for the repeated ones */
	uint32_t off;
	uint64_t val;
};

/* The registers this unit has (per CAP/ECAP), in offset order; returns the
 * number written to out (at most max). */
unsigned vtd_list_regs(const struct vtd_regfile *rf, struct vtd_reg_value *out,
		       unsigned max);
uint64_t vtd_field_get(const struct vtd_field_desc *f, uint64_t val);
/* Write the field's value as text, in its kind's form ("39,48-bit"). */
void vtd_field_format(const struct vtd_field_desc *f, uint64_t val, char *buf,
		      unsigned len);

#endif
