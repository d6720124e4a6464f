/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the page walk of one IOVA (second stage, first stage, nested, PT). */
#ifndef VTDCTL_XLATE_H
#define VTDCTL_XLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

struct vtd_source;

enum vtd_xlate_stage {
	VTD_XS_NONE = 0,
	VTD_XS_FIRST,		/* first stage (PGTT 1) */
	VTD_XS_SECOND,		/* second stage (PGTT 2, legacy TT 0/1) */
	VTD_XS_NESTED,		/* first stage, then second stage (PGTT 3) */
	VTD_XS_PT,		/* pass-through (PGTT 4, legacy TT 2) */
};
const char *vtd_xlate_stage_name(enum vtd_xlate_stage s);

/* A paging entry's bits; which ones mean something depends on the stage. */
struct vtd_pte_bits {
	uint64_t addr;		/* bits 51:12 */
	bool r, w, sp, snp;	/* second stage: R b0, W b1, SP b7, SNP b11 */
	bool p, rw, us, pwt, pcd, a, d, ps, xd;	/* first stage: b0 1 2 3 4 5 6 7 63 */
};
void vtd_decode_sspte(uint64_t raw, struct vtd_pte_bits *b);
void vtd_decode_fspte(uint64_t raw, struct vtd_pte_bits *b);

/* Where a nested second-stage step belongs */
#define VTD_XLATE_FOR_NONE	(-1)	/* not nested */
#define VTD_XLATE_FOR_OUTPUT	0	/* the first stage's output address */
/* 1..5: the first-stage table of that level */

struct vtd_xlate_step {
	enum vtd_xlate_stage stage;	/* VTD_XS_FIRST or VTD_XS_SECOND */
	int nested_for;		/* VTD_XLATE_FOR_*, or the FS level */
	unsigned level;		/* 5..1 */
	uint64_t table;		/* guest-physical address of the table */
	unsigned index;		/* 0..511 */
	uint64_t entry;		/* table + 8 * index */
	bool read;		/* false: the entry could not be read */
	bool not_recorded;	/* its table is RAM the source did not record */
	uint64_t raw;
	struct vtd_pte_bits bits;
	bool leaf;		/* this entry maps the page */
	uint64_t rsvd;		/* reserved bits that are set */
};

#define VTD_XLATE_MAX_STEPS	40	/* 5 FS levels x (1 + 5 SS) + 5 SS */

struct vtd_xlate_fault {
	unsigned reason;	/* what the specification says for this mode */
	unsigned qemu_reason;	/* what QEMU's model records; 0: not modelled */
	enum vtd_xlate_stage stage;	/* stage of the entry that stopped it */
	unsigned level;		/* its level; 0 if not at a paging entry */
	char why[120];		/* one line: which entry, which bits */
};

struct vtd_xlate {
	/* input */
	int bus, devfn;
	int64_t pasid;		/* VTD_NO_PASID in legacy mode */
	uint64_t iova;
	bool write;
	/* what the context or PASID entry selects */
	bool scalable;
	enum vtd_xlate_stage stage;
	unsigned levels;	/* of the first stage, or of the only stage */
	unsigned ss_levels;	/* nested: of the second stage */
	unsigned width;		/* input address bits accepted */
	/* the walk */
	struct vtd_xlate_step steps[VTD_XLATE_MAX_STEPS];
	unsigned nr_steps;
	/* result: a translation, a fault, or unknown (a table the source did
	 * not record: a snapshot taken without --pages) */
	bool faulted;
	struct vtd_xlate_fault fault;
	bool unknown;
	char unknown_why[120];	/* which table was not recorded */
	uint64_t gpa;		/* output address */
	uint64_t page_size;
};

/*
 * What to translate. m gives the registers (m->regs.valid, cap, ecap; when
 * they are not known, no check depends on them) and the mode; d the device;
 * p its PASID entry in scalable mode (NULL in legacy mode).
 */
struct vtd_xlate_req {
	const struct vtd_model *m;
	const struct vtd_device *d;
	const struct vtd_pasid_rec *p;
	uint64_t iova;
	bool write;
};

/*
 * Walk the tables for one request. Returns 0 with x filled (x->faulted says
 * whether the hardware would fault, and why; x->unknown that a table on the
 * way was not recorded, so the answer is not known), or a negative errno when the
 * source failed (message in src->error). Never prints; bounded by levels.
 */
int vtd_xlate(struct vtd_source *src, const struct vtd_xlate_req *req,
	      struct vtd_xlate *x);

#endif
