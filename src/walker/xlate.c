// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the page walk of one IOVA for one device (and PASID), as the
 * remapping hardware would do it: second stage (legacy TT 0/1, PGTT 2),
 * first stage (PGTT 1, 4 or 5 levels from FLPM), nested (PGTT 3: every
 * first-stage table pointer and the output go through the second stage) and
 * pass-through (legacy TT 2, PGTT 4: no table is read).
 *
 * Each level read is one step; a walk stops at a leaf or at the first fault,
 * so its length is bounded by the level counts (a table that points at
 * itself is simply read once per level). Guest memory is hostile: every
 * table must be guest RAM before it is read.
 *
 * Reserved bits are those QEMU's intel-iommu enforces (VTD_SPTE_*_RSVD_MASK,
 * VTD_FPTE_*_RSVD_MASK in hw/i386/intel_iommu_internal.h), with the host
 * address width taken from CAP.MGAW. Fault reasons are the specification's
 * for the mode (legacy or scalable); fault.qemu_reason is what QEMU 7.2 and
 * 10.0 record instead, where it differs (QEMU keeps legacy numbers for
 * second-stage faults in scalable mode, and does not model nesting).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "source/source.h"
#include "vtd/faultreason.h"
#include "walker/xlate.h"

#define PTE_ADDR_MASK	0x000ffffffffff000ULL	/* bits 51:12 */
#define SS_IGN_COM	0xbff0000000000000ULL	/* VTD_SL_IGN_COM: 63, 61:52 */
#define SS_TM		(1ULL << 62)		/* transient mapping (gone in 3.2) */
#define SS_SNP		(1ULL << 11)
#define FS_UPPER_IGN	0xfff0000000000000ULL	/* VTD_FS_UPPER_IGNORED */
#define PS_BIT		(1ULL << 7)
#define INTR_FIRST	0xfee00000ULL
#define INTR_LAST	0xfeefffffULL

struct xw {
	struct vtd_source *src;
	const struct vtd_model *m;
	struct vtd_xlate *x;
	bool regs;		/* CAP/ECAP known */
	unsigned haw;		/* host address width: CAP.MGAW, else 52 */
	bool snp_ok;		/* SNP allowed in leaves: scalable mode or ECAP.SC */
	bool tm_ok;		/* TM ignored in leaves: ECAP.DT (QEMU < 9.2) */
};

const char *vtd_xlate_stage_name(enum vtd_xlate_stage s)
{
	switch (s) {
	case VTD_XS_FIRST:  return "first-stage";
	case VTD_XS_SECOND: return "second-stage";
	case VTD_XS_NESTED: return "nested";
	case VTD_XS_PT:     return "pass-through";
	default:	    return "none";
	}
}

void vtd_decode_sspte(uint64_t raw, struct vtd_pte_bits *b)
{
	memset(b, 0, sizeof(*b));
	b->r = raw & 1;
	b->w = raw >> 1 & 1;
	b->sp = raw >> 7 & 1;
	b->snp = raw >> 11 & 1;
	b->addr = raw & PTE_ADDR_MASK;
}

void vtd_decode_fspte(uint64_t raw, struct vtd_pte_bits *b)
{
	memset(b, 0, sizeof(*b));
	b->p = raw & 1;
	b->rw = raw >> 1 & 1;
	b->us = raw >> 2 & 1;
	b->pwt = raw >> 3 & 1;
	b->pcd = raw >> 4 & 1;
	b->a = raw >> 5 & 1;
	b->d = raw >> 6 & 1;
	b->ps = raw >> 7 & 1;
	b->xd = raw >> 63 & 1;
	b->addr = raw & PTE_ADDR_MASK;
}

static uint64_t level_size(unsigned level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static unsigned level_index(uint64_t addr, unsigned level)
{
	return (addr >> (12 + 9 * (level - 1))) & 511;
}

/* An entry maps a page at level 1, and at 2 or 3 with its page-size bit */
static bool is_leaf(unsigned level, bool large)
{
	return level == 1 || ((level == 2 || level == 3) && large);
}

/* addr's place in the page of size bytes at base */
static uint64_t in_page(uint64_t base, uint64_t addr, uint64_t size)
{
	return (base & ~(size - 1)) | (addr & (size - 1));
}

/* Bits [haw, 52): addresses beyond the host address width */
static uint64_t beyond_haw(unsigned haw)
{
	return haw >= 52 ? 0 : ~((1ULL << haw) - 1) & PTE_ADDR_MASK;
}

__attribute__((format(printf, 6, 7)))
static int fault(struct xw *w, unsigned spec, unsigned qemu,
		 enum vtd_xlate_stage stage, unsigned level,
		 const char *fmt, ...)
{
	struct vtd_xlate_fault *f = &w->x->fault;
	va_list ap;

	w->x->faulted = true;
	f->reason = spec;
	f->qemu_reason = qemu;
	f->stage = stage;
	f->level = level;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return 1;
}

/* Second-stage reserved bits (QEMU vtd_spte_rsvd / vtd_spte_rsvd_large) */
static uint64_t ss_rsvd_mask(const struct xw *w, unsigned level, bool sp)
{
	uint64_t above = beyond_haw(w->haw) | SS_TM;
	uint64_t leaf_above = w->tm_ok ? above & ~SS_TM : above;
	uint64_t snp = w->snp_ok ? 0 : SS_SNP;

	if (level == 1)
		return snp | leaf_above;
	if ((level == 2 || level == 3) && sp) {
		uint64_t m = level == 2 ? 0x1ff000ULL : 0x3ffff000ULL;

		/* a page size CAP.SLLPS does not offer */
		if (w->regs && !(w->m->cap.sllps >> (level - 2) & 1))
			m |= PS_BIT;
		return m | snp | leaf_above;
	}
	if (level == 2 || level == 3)
		return SS_SNP | above;
	return SS_SNP | PS_BIT | above;		/* 4 and 5 */
}

/* First-stage reserved bits (QEMU vtd_fpte_rsvd / vtd_fpte_rsvd_large) */
static uint64_t fs_rsvd_mask(const struct xw *w, unsigned level, bool ps)
{
	uint64_t above = beyond_haw(w->haw);

	if (level == 2 && ps)
		return 0x1fe000ULL | above;
	if (level == 3 && ps)
		return 0x3fffe000ULL | above |
		       (w->regs && !w->m->cap.fl1gp ? PS_BIT : 0);
	if (level >= 4)
		return PS_BIT | above;
	return above;
}

/* The next step of a walk; NULL with a fault recorded if there is no room. */
static struct vtd_xlate_step *new_step(struct xw *w, enum vtd_xlate_stage st,
				       int nested_for, unsigned level,
				       uint64_t table, uint64_t addr)
{
	struct vtd_xlate_step *s;

	if (w->x->nr_steps >= VTD_XLATE_MAX_STEPS) {
		fault(w, 0, 0, st, level, "walk longer than %u steps",
		      VTD_XLATE_MAX_STEPS);
		return NULL;
	}
	s = &w->x->steps[w->x->nr_steps++];
	memset(s, 0, sizeof(*s));
	s->stage = st;
	s->nested_for = nested_for;
	s->level = level;
	s->table = table & VTD_ADDR_MASK;
	s->index = level_index(addr, level);
	s->entry = s->table + 8ULL * s->index;
	return s;
}

/* The walk stops, neither translated nor faulted: a table it needs is RAM
 * that the source did not record (-ENODATA). Returns 1, as fault() does. */
static int unrecorded(struct xw *w, struct vtd_xlate_step *s)
{
	s->not_recorded = true;
	w->x->unknown = true;
	snprintf(w->x->unknown_why, sizeof(w->x->unknown_why),
		 "%s L%u table 0x%llx was not recorded",
		 vtd_xlate_stage_name(s->stage), s->level,
		 (unsigned long long)s->table);
	return 1;
}

/* 0 read, 1 not in guest RAM, <0 source failure; a table that was not
 * recorded stops the walk as unknown (1, x->unknown set) */
static int read_entry(struct xw *w, struct vtd_xlate_step *s)
{
	uint8_t b[8];
	int err;

	if (!source_is_ram(w->src, s->table, VTD_PAGE_SIZE))
		return 1;
	err = source_read(w->src, s->entry, b, sizeof(b));
	if (err == -EFAULT)
		return 1;
	if (err == -ENODATA)
		return unrecorded(w, s);
	if (err < 0)
		return err;
	s->raw = 0;
	for (int i = 7; i >= 0; i--)
		s->raw = s->raw << 8 | b[i];
	s->read = true;
	return 0;
}

/* --- second stage --------------------------------------------------------- */

struct ss_ctx {
	uint64_t root;
	unsigned levels;
	unsigned width;
	int nested_for;		/* VTD_XLATE_FOR_NONE when not nested */
	unsigned fs_levels;	/* nested: the first stage's top level */
};

/* Codes for "this second-stage entry does not allow the access" */
static int ss_perm_fault(struct xw *w, const struct ss_ctx *c, unsigned level,
			 bool present, bool write, uint64_t raw)
{
	bool sm = w->x->scalable;
	unsigned legacy = write ? VTD_FR_NO_WRITE : VTD_FR_NO_READ;
	unsigned spec;

	if (!sm)
		spec = legacy;
	else if (c->nested_for > 0)	/* reading a first-stage table */
		spec = c->nested_for == (int)c->fs_levels ?
		       VTD_FR_SM_FSPTPTR_NESTED_NO_R : VTD_FR_SM_FS_NESTED_NO_R;
	else if (!present)
		spec = VTD_FR_SM_SS_PERM;
	else
		spec = write ? VTD_FR_SM_NO_WRITE : VTD_FR_SM_NO_READ;
	return fault(w, spec, c->nested_for >= 0 ? 0 : legacy, VTD_XS_SECOND,
		     level, "second-stage L%u entry 0x%llx: %s", level,
		     (unsigned long long)raw,
		     !present ? "not present (R=W=0)" :
		     write ? "W clear for a write" : "R clear for a read");
}

/*
 * Translate addr through the second stage. 0: *out and *size set; 1: a
 * fault is recorded; <0: source failure.
 */
static int ss_walk(struct xw *w, const struct ss_ctx *c, uint64_t addr,
		   bool write, uint64_t *out, uint64_t *size)
{
	bool sm = w->x->scalable;
	bool nested = c->nested_for >= 0;
	uint64_t table = c->root;

	for (unsigned level = c->levels; level >= 1; level--) {
		struct vtd_xlate_step *s = new_step(w, VTD_XS_SECOND,
						    c->nested_for, level,
						    table, addr);
		int err;

		if (!s)
			return 1;
		err = read_entry(w, s);
		if (err < 0 || w->x->unknown)
			return err;
		if (err) {
			bool top = level == c->levels;

			return fault(w, !sm ? VTD_FR_NEXT_PT_INVALID :
				     top ? VTD_FR_SM_SSPTPTR_INVALID :
				     VTD_FR_SM_SS_ACCESS,
				     nested ? 0 : top ? VTD_FR_CTX_INVALID :
				     VTD_FR_NEXT_PT_INVALID, VTD_XS_SECOND,
				     level, "second-stage L%u table 0x%llx is not in guest RAM",
				     level, (unsigned long long)s->table);
		}
		vtd_decode_sspte(s->raw, &s->bits);
		s->leaf = is_leaf(level, s->bits.sp);
		if (!s->bits.r && !s->bits.w)
			return ss_perm_fault(w, c, level, false, write, s->raw);
		s->rsvd = s->raw & ss_rsvd_mask(w, level, s->bits.sp);
		if (s->rsvd)
			return fault(w, sm ? VTD_FR_SM_SS_RSVD : VTD_FR_PTE_RSVD,
				     nested ? 0 : VTD_FR_PTE_RSVD,
				     VTD_XS_SECOND, level,
				     "second-stage L%u entry 0x%llx has reserved bits 0x%llx",
				     level, (unsigned long long)s->raw,
				     (unsigned long long)s->rsvd);
		if (write ? !s->bits.w : !s->bits.r)
			return ss_perm_fault(w, c, level, true, write, s->raw);
		if (s->leaf) {
			*size = level_size(level);
			*out = in_page(s->bits.addr, addr, *size);
			return 0;
		}
		table = s->bits.addr;
	}
	return fault(w, 0, 0, VTD_XS_SECOND, 0, "no leaf");	/* not reached */
}

/* --- first stage ------------------------------------------------------------ */

static bool canonical(uint64_t addr, unsigned width)
{
	uint64_t top = addr >> (width - 1);

	return top == 0 || top == (~0ULL >> (width - 1));
}

/* A first-stage pointer through the second stage (nested only) */
static int nested_table(struct xw *w, const struct ss_ctx *ss, unsigned level,
			uint64_t *table)
{
	struct ss_ctx c = *ss;
	uint64_t size;

	c.nested_for = level;
	if (*table >> c.width)
		return fault(w, VTD_FR_SM_FS_NESTED_BEYOND, 0, VTD_XS_FIRST,
			     level, "first-stage L%u table 0x%llx is beyond the second stage's %u bits",
			     level, (unsigned long long)*table, c.width);
	return ss_walk(w, &c, *table, false, table, &size);
}

static int fs_walk(struct xw *w, uint64_t root, const struct ss_ctx *ss)
{
	struct vtd_xlate *x = w->x;
	uint64_t table = root, addr = x->iova;

	for (unsigned level = x->levels; level >= 1; level--) {
		struct vtd_xlate_step *s;
		int err;

		if (ss) {
			err = nested_table(w, ss, level, &table);
			if (err)
				return err;
		}
		s = new_step(w, VTD_XS_FIRST, VTD_XLATE_FOR_NONE, level,
			     table, addr);
		if (!s)
			return 1;
		err = read_entry(w, s);
		if (err < 0 || w->x->unknown)
			return err;
		if (err) {
			unsigned fr = level == x->levels ?
				      VTD_FR_SM_FSPTPTR_ACCESS : VTD_FR_SM_FS_ACCESS;

			return fault(w, fr, ss ? 0 : fr, VTD_XS_FIRST, level,
				     "first-stage L%u table 0x%llx is not in guest RAM",
				     level, (unsigned long long)s->table);
		}
		vtd_decode_fspte(s->raw, &s->bits);
		s->leaf = is_leaf(level, s->bits.ps);
		if (!s->bits.p)
			return fault(w, VTD_FR_SM_FS_P, ss ? 0 : VTD_FR_SM_FS_P,
				     VTD_XS_FIRST, level,
				     "first-stage L%u entry 0x%llx: not present (P=0)",
				     level, (unsigned long long)s->raw);
		s->rsvd = s->raw & fs_rsvd_mask(w, level, s->bits.ps);
		if (s->rsvd)
			return fault(w, VTD_FR_SM_FS_RSVD,
				     ss ? 0 : VTD_FR_SM_FS_RSVD, VTD_XS_FIRST,
				     level, "first-stage L%u entry 0x%llx has reserved bits 0x%llx",
				     level, (unsigned long long)s->raw,
				     (unsigned long long)s->rsvd);
		/* requests without PASID, and DMA in general, are user requests */
		if (!s->bits.us)
			return fault(w, VTD_FR_SM_US, ss ? 0 : VTD_FR_SM_US,
				     VTD_XS_FIRST, level,
				     "first-stage L%u entry 0x%llx: U/S clear for a user request",
				     level, (unsigned long long)s->raw);
		if (x->write && !s->bits.rw)
			return fault(w, VTD_FR_SM_NO_WRITE,
				     ss ? 0 : VTD_FR_SM_NO_WRITE, VTD_XS_FIRST,
				     level, "first-stage L%u entry 0x%llx: R/W clear for a write",
				     level, (unsigned long long)s->raw);
		if (s->leaf) {
			x->page_size = level_size(level);
			x->gpa = in_page(s->bits.addr, addr, x->page_size);
			return 0;
		}
		table = s->bits.addr;
	}
	return fault(w, 0, 0, VTD_XS_FIRST, 0, "no leaf");	/* not reached */
}

/* --- what the context or PASID entry selects ----------------------------- */

static bool ss_levels_ok(const struct xw *w, unsigned aw)
{
	if (aw > 3)
		return false;
	return !w->regs || (w->m->cap.sagaw >> aw & 1);
}

static unsigned ss_width(const struct xw *w, unsigned levels)
{
	unsigned width = 12 + 9 * levels;

	return w->regs && w->m->cap.mgaw < width ? w->m->cap.mgaw : width;
}

/* Legacy context entry: TT and AW. 0 ok, 1 fault recorded. */
static int setup_legacy(struct xw *w, const struct vtd_ctx_legacy *c,
			struct ss_ctx *ss)
{
	struct vtd_xlate *x = w->x;

	if (c->tt == 2) {
		x->stage = VTD_XS_PT;
		return 0;
	}
	x->stage = VTD_XS_SECOND;
	if (c->tt == 3)
		return fault(w, VTD_FR_CTX_INVALID, VTD_FR_CTX_INVALID,
			     VTD_XS_NONE, 0, "context entry TT=3 is reserved");
	if (!ss_levels_ok(w, c->aw))
		return fault(w, VTD_FR_CTX_INVALID, VTD_FR_CTX_INVALID,
			     VTD_XS_NONE, 0, "context entry AW=%u is not supported (SAGAW 0x%x)",
			     c->aw, w->regs ? w->m->cap.sagaw : 0);
	x->levels = c->aw + 2;
	ss->root = c->slptptr;
	ss->levels = x->levels;
	ss->width = ss_width(w, ss->levels);
	return 0;
}

static int pasid_invalid(struct xw *w, const char *why, unsigned v)
{
	return fault(w, VTD_FR_SM_PASID_ENTRY_INVALID,
		     VTD_FR_SM_PASID_ENTRY_INVALID, VTD_XS_NONE, 0,
		     "PASID entry: %s (%u)", why, v);
}

static bool pgtt_offered(const struct vtd_ecap *e, unsigned pgtt)
{
	switch (pgtt) {
	case VTD_PGTT_FIRST:  return e->flts;
	case VTD_PGTT_SECOND: return e->slts;
	case VTD_PGTT_NESTED: return e->nest;
	default:	      return e->pt;
	}
}

/* Scalable PASID entry: PGTT, AW, FLPM. 0 ok, 1 fault recorded. */
static int setup_pasid(struct xw *w, const struct vtd_pasid_entry *e,
		       struct ss_ctx *ss, uint64_t *fs_root)
{
	struct vtd_xlate *x = w->x;
	static const enum vtd_xlate_stage stage_of[] = {
		[VTD_PGTT_FIRST] = VTD_XS_FIRST, [VTD_PGTT_SECOND] = VTD_XS_SECOND,
		[VTD_PGTT_NESTED] = VTD_XS_NESTED, [VTD_PGTT_PT] = VTD_XS_PT,
	};

	if (e->pgtt < VTD_PGTT_FIRST || e->pgtt > VTD_PGTT_PT)
		return pasid_invalid(w, "reserved PGTT", e->pgtt);
	x->stage = stage_of[e->pgtt];
	if (w->regs && !pgtt_offered(&w->m->ecap, e->pgtt))
		return pasid_invalid(w, "PGTT not offered by ECAP", e->pgtt);
	if (x->stage == VTD_XS_PT)
		return 0;
	if (x->stage == VTD_XS_SECOND || x->stage == VTD_XS_NESTED) {
		if (!ss_levels_ok(w, e->aw))
			return pasid_invalid(w, "AW not in CAP.SAGAW", e->aw);
		ss->root = e->slptptr;
		ss->levels = e->aw + 2;
		ss->width = ss_width(w, ss->levels);
		x->levels = ss->levels;
	}
	if (x->stage == VTD_XS_FIRST || x->stage == VTD_XS_NESTED) {
		if (e->flpm > 1 || (e->flpm == 1 && w->regs && !w->m->cap.fl5lp))
			return pasid_invalid(w, "FLPM not supported", e->flpm);
		x->ss_levels = x->stage == VTD_XS_NESTED ? ss->levels : 0;
		x->levels = 4 + e->flpm;
		*fs_root = e->flptptr;
	}
	return 0;
}

/* --- the walk ---------------------------------------------------------------- */

static int check_output(struct xw *w)
{
	struct vtd_xlate *x = w->x;

	if (x->gpa < INTR_FIRST || x->gpa > INTR_LAST)
		return 0;
	return fault(w, x->scalable ? VTD_FR_SM_INTERRUPT_ADDR :
		     VTD_FR_INTERRUPT_ADDR,
		     x->stage == VTD_XS_NESTED ? 0 :
		     x->stage == VTD_XS_FIRST ? VTD_FR_SM_INTERRUPT_ADDR :
		     VTD_FR_INTERRUPT_ADDR, x->stage, 0,
		     "output address 0x%llx is in the interrupt range",
		     (unsigned long long)x->gpa);
}

static int walk_pt(struct xw *w)
{
	struct vtd_xlate *x = w->x;

	x->width = w->regs ? w->m->cap.mgaw : 64;
	if (x->width < 64 && x->iova >> x->width)
		return fault(w, x->scalable ? VTD_FR_SM_BEYOND_HW_MAX :
			     VTD_FR_BEYOND_MGAW, 0, VTD_XS_PT, 0,
			     "address beyond the %u-bit MGAW", x->width);
	x->gpa = x->iova;
	x->page_size = VTD_PAGE_SIZE;
	return 0;
}

static int walk_second(struct xw *w, const struct ss_ctx *ss)
{
	struct vtd_xlate *x = w->x;

	x->width = ss->width;
	if (x->iova >> ss->width)
		return fault(w, x->scalable ? VTD_FR_SM_BEYOND_HW_MAX :
			     VTD_FR_BEYOND_MGAW, VTD_FR_BEYOND_MGAW,
			     VTD_XS_SECOND, 0,
			     "address beyond the %u bits the %u-level table translates",
			     ss->width, ss->levels);
	return ss_walk(w, ss, x->iova, x->write, &x->gpa, &x->page_size);
}

static int walk_first(struct xw *w, uint64_t fs_root, const struct ss_ctx *ss)
{
	struct vtd_xlate *x = w->x;
	struct ss_ctx out = ss ? *ss : (struct ss_ctx){ 0 };
	uint64_t size;
	int err;

	x->width = 12 + 9 * x->levels;
	if (!canonical(x->iova, x->width))
		return fault(w, VTD_FR_SM_NON_CANONICAL,
			     ss ? 0 : VTD_FR_SM_NON_CANONICAL, VTD_XS_FIRST, 0,
			     "address not canonical for %u-level paging",
			     x->levels);
	err = fs_walk(w, fs_root, ss);
	if (err || !ss)
		return err;
	out.nested_for = VTD_XLATE_FOR_OUTPUT;
	if (x->gpa >> out.width)
		return fault(w, VTD_FR_SM_SS_BEYOND_MAX, 0, VTD_XS_SECOND, 0,
			     "first-stage output 0x%llx is beyond the second stage's %u bits",
			     (unsigned long long)x->gpa, out.width);
	err = ss_walk(w, &out, x->gpa, x->write, &x->gpa, &size);
	if (!err && size < x->page_size)
		x->page_size = size;
	return err;
}

int vtd_xlate(struct vtd_source *src, const struct vtd_xlate_req *req,
	      struct vtd_xlate *x)
{
	const struct vtd_model *m = req->m;
	struct xw w = { .src = src, .m = m, .x = x };
	struct ss_ctx ss = { .nested_for = VTD_XLATE_FOR_NONE };
	struct vtd_pasid_entry pe;
	uint64_t fs_root = 0;
	int err;

	memset(x, 0, sizeof(*x));
	x->bus = req->d->bus;
	x->devfn = req->d->devfn;
	x->pasid = req->p ? (int64_t)req->p->pasid : VTD_NO_PASID;
	x->iova = req->iova;
	x->write = req->write;
	x->scalable = req->d->scalable;
	w.regs = m->regs.valid;
	w.haw = w.regs && m->cap.mgaw && m->cap.mgaw < 52 ? m->cap.mgaw : 52;
	w.snp_ok = x->scalable || (w.regs && m->ecap.sc);
	w.tm_ok = w.regs && m->ecap.dt;

	if (x->scalable)
		err = req->p ? setup_pasid(&w, vtd_pasid_decode(req->p, &pe), &ss, &fs_root) :
		      pasid_invalid(&w, "no PASID entry", 0);
	else
		err = setup_legacy(&w, &req->d->ctx.leg, &ss);
	if (err)
		return err < 0 ? err : 0;
	ss.fs_levels = x->levels;
	switch (x->stage) {
	case VTD_XS_PT:
		return walk_pt(&w) < 0 ? -EIO : 0;
	case VTD_XS_SECOND:
		err = walk_second(&w, &ss);
		break;
	case VTD_XS_FIRST:
		err = walk_first(&w, fs_root, NULL);
		break;
	default:
		err = walk_first(&w, fs_root, &ss);
		break;
	}
	if (err < 0)
		return err;
	if (!err && !x->unknown)
		check_output(&w);
	return 0;
}
