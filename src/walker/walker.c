// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: walk the guest's VT-d tables into a model.
 *
 * Root table -> context tables (legacy or scalable) -> PASID directory ->
 * PASID tables. The depth is fixed, so a "cycle" can only multiply work
 * (a PDTS=7 directory whose entries all name one table); every walk is
 * bounded by a budget of entries, and aliasing is reported as a finding.
 * Guest memory is hostile: every pointer is checked against RAM before it
 * is read, and anything malformed becomes a finding, never an abort.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "walker/regfile.h"
#include "source/source.h"
#include "walker/addrmap.h"
#include "model/model.h"

#define ROOT_ENTRIES		256
#define LEGACY_CTX_ENTRIES	256
#define SM_CTX_ENTRIES		128	/* per half; 32-byte entries */
#define PASID_TABLE_ENTRIES	64

struct walk {
	struct vtd_source *src;
	const struct vtd_walk_opts *o;
	struct vtd_model *m;
	unsigned long budget;
	unsigned long pasids_left;	/* present PASID entries the model may
					 * still hold: its memory (192 B each) */
	int fatal;		/* first fatal source error */
	struct addrmap roles;	/* table page -> TABLE_* roles seen */
	struct addrmap dirs;	/* PASID directory | PDTS -> device index */
};

/* What a table page was used as; one page in two roles is a corrupt (or
 * hostile) hierarchy: the hardware would read one structure as another. */
enum {
	TABLE_ROOT = 1, TABLE_CTX = 2, TABLE_PASID_DIR = 4, TABLE_PASID = 8,
	TABLE_REPORTED = 0x80,
};

#define NO_DEV	VTD_NO_BDF, VTD_NO_BDF

/* Guest memory is little-endian; a buffer's bytes may be unaligned. */
static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void load_qwords(const uint8_t *p, uint64_t *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		q[i] = le64(p + 8 * i);
}

static void truncate_walk(struct walk *w, const char *what)
{
	if (!w->m->truncated)
		vtd_add_finding(w->m, VTD_SEV_WARNING, "walk_truncated",
				NO_DEV, VTD_NO_PASID, 0,
				"walk stopped after %lu entries (%s; --max-entries raises it)",
				w->m->entries_seen, what);
	w->m->truncated = true;
	w->budget = 0;
}

static bool spend(struct walk *w, unsigned long n)
{
	w->m->entries_seen += n;
	if (w->budget < n) {
		truncate_walk(w, "work cap");
		return false;
	}
	w->budget -= n;
	return true;
}

/* One more present PASID entry held in the model, within its budget */
static bool hold_pasid(struct walk *w)
{
	if (!w->pasids_left) {
		truncate_walk(w, "present PASID entries held: the entries budget / 32");
		return false;
	}
	w->pasids_left--;
	return true;
}

/*
 * Read a table the walker is about to decode. Returns 0 when read, 1 when
 * it is not in RAM or was not recorded (a finding has been added), or a negative errno when the
 * source failed (fatal, also kept in w->fatal).
 */
static int read_table(struct walk *w, uint64_t gpa, void *buf, size_t len,
		      int bus, int devfn, int64_t pasid, const char *what)
{
	int err = source_read(w->src, gpa, buf, len);

	if (err == -EFAULT) {
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pointer_outside_ram", bus,
				devfn, pasid, gpa,
				"%s at 0x%llx (%zu bytes) is not in guest RAM",
				what, (unsigned long long)gpa, len);
		return 1;
	}
	if (err == -ENODATA) {
		vtd_add_finding(w->m, VTD_SEV_WARNING, "not_recorded", bus,
				devfn, pasid, gpa,
				"%s at 0x%llx was not recorded: what it holds is unknown",
				what, (unsigned long long)gpa);
		return 1;
	}
	if (err < 0) {
		w->fatal = err;
		return err;
	}
	w->m->tables_read++;
	return 0;
}

static const char *role_name(unsigned role)
{
	return role & TABLE_ROOT ? "root table" :
	       role & TABLE_CTX ? "context table" :
	       role & TABLE_PASID_DIR ? "PASID directory" : "PASID table";
}

/* Note that the pages of a table serve as `role`; report a page that
 * already served as something else (once per page). */
static void claim_table(struct walk *w, uint64_t gpa, size_t len,
			unsigned role, int bus, int devfn)
{
	for (uint64_t pg = gpa & VTD_ADDR_MASK; pg < gpa + len; pg += VTD_PAGE_SIZE) {
		bool found;
		uint32_t *v = addrmap_get(&w->roles, pg, role, &found);

		if (!v || !found)
			continue;
		if ((*v & ~(role | TABLE_REPORTED)) && !(*v & TABLE_REPORTED)) {
			vtd_add_finding(w->m, VTD_SEV_ERROR, "table_overlap",
					bus, devfn, VTD_NO_PASID, pg,
					"page 0x%llx is both %s and %s",
					(unsigned long long)pg, role_name(*v),
					role_name(role));
			*v |= TABLE_REPORTED;
		}
		*v |= role;
	}
}

static bool bdf_wanted(const struct vtd_filter *f, int bus, int devfn)
{
	return vtd_filter_bdf(f, bus, devfn);
}

/* --- registers -------------------------------------------------------- */

/* The whole register file in one read; a dump has none. */
static int read_registers(struct walk *w)
{
	struct vtd_model *m = w->m;
	struct vtd_regs *r = &m->regs;
	int err = vtd_read_regfile(w->src, &m->rf);

	if (err || !m->rf.valid)
		return err;
	r->ver = vtd_reg32(&m->rf, VTD_REG_VER);
	r->cap = vtd_reg64(&m->rf, VTD_REG_CAP);
	r->ecap = vtd_reg64(&m->rf, VTD_REG_ECAP);
	r->gsts = vtd_reg32(&m->rf, VTD_REG_GSTS);
	r->rtaddr = vtd_reg64(&m->rf, VTD_REG_RTADDR);
	r->valid = true;
	m->cap = m->rf.cap;
	m->ecap = m->rf.ecap;
	vtd_read_faults(&m->rf, &m->faults);
	return 0;
}

/* Decide RTADDR: the user's value, the register, or a scan of the dump. */
static int choose_rtaddr(struct walk *w)
{
	struct vtd_model *m = w->m;
	uint64_t raw;
	int err;

	if (w->o->have_rtaddr) {
		raw = w->o->rtaddr;
		m->rtaddr_origin = VTD_RTADDR_USER;
	} else if (m->regs.valid) {
		raw = m->regs.rtaddr;
		m->rtaddr_origin = VTD_RTADDR_REGISTER;
	} else if (w->src->have_rtaddr_hint) {
		raw = w->src->rtaddr_hint;
		m->rtaddr_origin = VTD_RTADDR_RECORDED;
	} else {
		err = vtd_scan_rtaddr(w->src, &raw, &m->scan);
		if (err == -ENOENT) {
			m->rtaddr_origin = VTD_RTADDR_NONE;
			vtd_add_finding(m, VTD_SEV_WARNING, "no_root_table",
					NO_DEV, VTD_NO_PASID, 0,
					"no page in the dump validates as a root table; give --rtaddr");
			return 1;
		}
		if (err < 0) {
			w->fatal = err;
			return err;
		}
		m->rtaddr_origin = VTD_RTADDR_SCAN;
		vtd_add_finding(m, strcmp(m->scan.confidence, "high") ?
				VTD_SEV_WARNING : VTD_SEV_INFO,
				"rtaddr_guessed", NO_DEV, VTD_NO_PASID,
				raw & VTD_ADDR_MASK,
				"root table found by scanning the dump: %u candidate(s), confidence %s; give --rtaddr to be sure",
				m->scan.candidates, m->scan.confidence);
		if (m->scan.decoy)
			vtd_add_finding(m, VTD_SEV_WARNING, "rtaddr_decoy",
					NO_DEV, VTD_NO_PASID,
					m->scan.runner_up_addr,
					"another page also validates as a root table: 0x%" PRIx64 " with %u present context entries (%u with sound tables below them) against 0x%" PRIx64 " with %u (%u); one may be a decoy: give --rtaddr",
					m->scan.runner_up_addr, m->scan.runner_up,
					m->scan.runner_up_evidence,
					(uint64_t)(raw & VTD_ADDR_MASK),
					m->scan.score, m->scan.evidence);
	}
	vtd_decode_rtaddr(raw, &m->rtaddr);
	return 0;
}

/* Global state that decides whether there is anything to walk. */
static bool check_global_state(struct walk *w)
{
	struct vtd_model *m = w->m;
	const struct vtd_rtaddr *rt = &m->rtaddr;

	if (m->regs.valid && !(m->regs.gsts & VTD_GSTS_RTPS) &&
	    (m->regs.gsts & VTD_GSTS_TES))
		vtd_add_finding(m, VTD_SEV_ERROR, "te_without_root_table",
				NO_DEV, VTD_NO_PASID, 0,
				"translation enabled (GSTS.TES) but root table pointer not set (GSTS.RTPS clear)");
	if (m->regs.valid && !(m->regs.gsts & VTD_GSTS_TES))
		vtd_add_finding(m, VTD_SEV_INFO, "translation_disabled",
				NO_DEV, VTD_NO_PASID, 0,
				"DMA remapping is not enabled (GSTS.TES clear)");
	if (rt->rsvd)
		vtd_add_finding(m, VTD_SEV_ERROR, "rtaddr_reserved_bits",
				NO_DEV, VTD_NO_PASID, 0,
				"RTADDR 0x%llx has reserved bits 9:0 set",
				(unsigned long long)rt->raw);
	if (rt->mode == VTD_MODE_RESERVED) {
		vtd_add_finding(m, VTD_SEV_ERROR, "rtaddr_reserved_ttm",
				NO_DEV, VTD_NO_PASID, 0,
				"RTADDR.TTM is the reserved value 10b; no table to walk");
		return false;
	}
	if (rt->mode == VTD_MODE_ABORT_DMA) {
		vtd_add_finding(m, VTD_SEV_INFO, "abort_dma_mode",
				NO_DEV, VTD_NO_PASID, 0,
				"RTADDR.TTM selects abort-DMA mode; no table is used");
		return false;
	}
	if (rt->mode == VTD_MODE_SCALABLE && m->regs.valid && !m->ecap.smts)
		vtd_add_finding(m, VTD_SEV_ERROR, "scalable_not_supported",
				NO_DEV, VTD_NO_PASID, 0,
				"RTADDR selects scalable mode but ECAP.SMTS (bit 43) is clear");
	if (rt->addr == 0 && m->regs.valid &&
	    !(m->regs.gsts & VTD_GSTS_RTPS))
		return false;	/* never programmed: nothing to walk */
	return true;
}

/* --- legacy mode ------------------------------------------------------ */

static void check_aw(struct walk *w, unsigned aw, int bus, int devfn,
		     int64_t pasid, uint64_t gpa)
{
	if (!w->m->regs.valid || (w->m->cap.sagaw >> aw) & 1)
		return;
	vtd_add_finding(w->m, VTD_SEV_ERROR, "aw_not_supported", bus, devfn,
			pasid, gpa,
			"AW=%u (%u-level) but CAP.SAGAW bit %u is clear (SAGAW 0x%x)",
			aw, aw + 2, aw, w->m->cap.sagaw);
}

static void check_did(struct walk *w, unsigned did, int bus, int devfn,
		      int64_t pasid, uint64_t gpa)
{
	if (w->m->regs.valid && did >= w->m->cap.ndoms)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "did_beyond_nd", bus,
				devfn, pasid, gpa,
				"DID %u is beyond the %u domains CAP.ND allows",
				did, w->m->cap.ndoms);
}

static void check_ptr(struct walk *w, uint64_t ptr, const char *what, int bus,
		      int devfn, int64_t pasid, uint64_t gpa)
{
	if (!source_is_ram(w->src, ptr, VTD_PAGE_SIZE))
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pointer_outside_ram",
				bus, devfn, pasid, gpa,
				"%s 0x%llx is not in guest RAM", what,
				(unsigned long long)ptr);
}

static void legacy_context_checks(struct walk *w, const struct vtd_device *d)
{
	const struct vtd_ctx_legacy *c = &d->ctx.leg;

	if (c->rsvd_lo || c->rsvd_hi)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "ctx_reserved_bits",
				d->bus, d->devfn, VTD_NO_PASID, d->ctx_gpa,
				"context entry has reserved bits set (0x%llx 0x%llx)",
				(unsigned long long)c->rsvd_lo,
				(unsigned long long)c->rsvd_hi);
	if (c->tt == 3)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "ctx_reserved_tt", d->bus,
				d->devfn, VTD_NO_PASID, d->ctx_gpa,
				"context entry TT=3 is reserved");
	if (c->tt == 2 && w->m->regs.valid && !w->m->ecap.pt)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "tt_not_supported", d->bus,
				d->devfn, VTD_NO_PASID, d->ctx_gpa,
				"pass-through (TT=2) but ECAP.PT (bit 6) is clear");
	if (c->tt == 1 && w->m->regs.valid && !w->m->ecap.dt)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "tt_not_supported", d->bus,
				d->devfn, VTD_NO_PASID, d->ctx_gpa,
				"device-TLB translation (TT=1) but ECAP.DT (bit 2) is clear");
	/* TT=2 ignores SLPTPTR (and AW is only the width); never follow it */
	if (c->tt != 2) {
		check_aw(w, c->aw, d->bus, d->devfn, VTD_NO_PASID, d->ctx_gpa);
		check_ptr(w, c->slptptr, "second-stage table pointer", d->bus,
			  d->devfn, VTD_NO_PASID, d->ctx_gpa);
	}
	check_did(w, c->did, d->bus, d->devfn, VTD_NO_PASID, d->ctx_gpa);
}

static void leftover_bits(struct walk *w, const char *what, int bus, int devfn,
			  int64_t pasid, uint64_t gpa, uint64_t lo, uint64_t hi)
{
	vtd_add_finding(w->m, VTD_SEV_INFO, "not_present_leftover", bus, devfn,
			pasid, gpa,
			"%s is not present but has bits set (0x%llx 0x%llx)",
			what, (unsigned long long)lo, (unsigned long long)hi);
}

/*
 * Read one context table page into buf (VTD_PAGE_SIZE bytes) and claim it;
 * devfn is the first entry's, for findings. 1: walk its entries; 0: skip
 * it (a finding says why, or the budget is spent); or a negative errno.
 */
static int load_context_table(struct walk *w, uint64_t ctp, uint8_t *buf,
			      int bus, int devfn, int claim_devfn,
			      unsigned entries, const char *what)
{
	int err = read_table(w, ctp, buf, VTD_PAGE_SIZE, bus, devfn,
			     VTD_NO_PASID, what);

	if (err)
		return err < 0 ? err : 0;
	claim_table(w, ctp, VTD_PAGE_SIZE, TABLE_CTX, bus, claim_devfn);
	return spend(w, entries) ? 1 : 0;
}

static int walk_legacy_context_table(struct walk *w, int bus, uint64_t ctp)
{
	uint8_t buf[VTD_PAGE_SIZE];
	int err = load_context_table(w, ctp, buf, bus, 0, VTD_NO_BDF,
				     LEGACY_CTX_ENTRIES, "context table");

	if (err <= 0)
		return err;
	for (int devfn = 0; devfn < LEGACY_CTX_ENTRIES; devfn++) {
		uint64_t raw[2];
		uint64_t gpa = ctp + 16 * devfn;
		struct vtd_ctx_legacy c;
		struct vtd_device *d;

		if (!bdf_wanted(&w->o->filter, bus, devfn))
			continue;
		load_qwords(buf + 16 * devfn, raw, 2);
		vtd_decode_ctx_legacy(raw, &c);
		if (!c.p) {
			if (raw[0] | raw[1])
				leftover_bits(w, "context entry", bus, devfn,
					      VTD_NO_PASID, gpa, raw[0], raw[1]);
			continue;
		}
		if (w->o->filter.did >= 0 && c.did != w->o->filter.did)
			continue;
		d = vtd_add_device(w->m);
		if (!d)
			return -ENOMEM;
		d->bus = bus;
		d->devfn = devfn;
		d->ctx_gpa = gpa;
		d->ctx.leg = c;
		legacy_context_checks(w, d);
	}
	return 0;
}

/* --- scalable mode ---------------------------------------------------- */

/* The ECAP bit each PGTT needs, by its name in the specification */
static const char *pgtt_ecap_bit(unsigned pgtt)
{
	switch (pgtt) {
	case VTD_PGTT_FIRST:  return "ECAP.FLTS (bit 47)";
	case VTD_PGTT_SECOND: return "ECAP.SLTS (bit 46)";
	case VTD_PGTT_NESTED: return "ECAP.NEST (bit 26)";
	default:	      return "ECAP.PT (bit 6)";
	}
}

static unsigned pgtt_allowed(const struct vtd_ecap *e, unsigned pgtt)
{
	switch (pgtt) {
	case VTD_PGTT_FIRST:  return e->flts;
	case VTD_PGTT_SECOND: return e->slts;
	case VTD_PGTT_NESTED: return e->nest;
	case VTD_PGTT_PT:     return e->pt;
	}
	return 0;
}

static void pasid_entry_checks(struct walk *w, const struct vtd_device *d,
			       const struct vtd_pasid_rec *p)
{
	struct vtd_pasid_entry ent;
	const struct vtd_pasid_entry *e = vtd_pasid_decode(p, &ent);
	uint64_t any_rsvd = 0;
	char name[24];

	for (int i = 0; i < 8; i++)
		any_rsvd |= e->rsvd[i];
	if (any_rsvd)
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pasid_reserved_bits",
				d->bus, d->devfn, p->pasid, p->gpa,
				"PASID entry has reserved bits set");
	if (e->pgtt < VTD_PGTT_FIRST || e->pgtt > VTD_PGTT_PT) {
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pgtt_reserved", d->bus,
				d->devfn, p->pasid, p->gpa,
				"PGTT %s is reserved",
				vtd_pgtt_name(e->pgtt, name, sizeof(name)));
		return;
	}
	if (w->m->regs.valid && !pgtt_allowed(&w->m->ecap, e->pgtt))
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pgtt_not_supported",
				d->bus, d->devfn, p->pasid, p->gpa,
				"PGTT=%u (%s) but %s is clear", e->pgtt,
				vtd_pgtt_name(e->pgtt, name, sizeof(name)),
				pgtt_ecap_bit(e->pgtt));
	if (e->pgtt == VTD_PGTT_SECOND || e->pgtt == VTD_PGTT_NESTED) {
		check_aw(w, e->aw, d->bus, d->devfn, p->pasid, p->gpa);
		check_ptr(w, e->slptptr, "second-stage table pointer", d->bus,
			  d->devfn, p->pasid, p->gpa);
	}
	if (e->pgtt == VTD_PGTT_FIRST || e->pgtt == VTD_PGTT_NESTED)
		check_ptr(w, e->flptptr, "first-stage table pointer", d->bus,
			  d->devfn, p->pasid, p->gpa);
	check_did(w, e->did, d->bus, d->devfn, p->pasid, p->gpa);
	if (w->m->regs.valid && w->m->ecap.pasid &&
	    p->pasid >> (w->m->ecap.pss + 1))
		vtd_add_finding(w->m, VTD_SEV_WARNING, "pasid_beyond_pss",
				d->bus, d->devfn, p->pasid, p->gpa,
				"PASID %u is beyond the %u bits ECAP.PSS allows",
				p->pasid, w->m->ecap.pss + 1);
}

static int walk_pasid_table(struct walk *w, struct vtd_device *d,
			    uint32_t base_pasid, uint64_t table)
{
	uint8_t buf[VTD_PAGE_SIZE];
	const struct vtd_filter *f = &w->o->filter;
	int err = read_table(w, table, buf, sizeof(buf), d->bus, d->devfn,
			     base_pasid, "PASID table");

	if (err)
		return err < 0 ? err : 0;
	claim_table(w, table, sizeof(buf), TABLE_PASID, d->bus, d->devfn);
	if (!spend(w, PASID_TABLE_ENTRIES))
		return 0;
	for (uint32_t i = 0; i < PASID_TABLE_ENTRIES; i++) {
		uint32_t pasid = base_pasid + i;
		uint64_t raw[8];
		struct vtd_pasid_entry e;
		struct vtd_pasid_rec *p;

		if (f->pasid >= 0 && f->pasid != pasid)
			continue;
		load_qwords(buf + 64 * i, raw, 8);
		vtd_decode_pasid_entry(raw, &e);
		if (!e.p) {
			/* Linux leaves FPD set on a torn-down entry (SVA) */
			if ((raw[0] & ~2ULL) | raw[1] | raw[2] | raw[3])
				leftover_bits(w, "PASID entry", d->bus,
					      d->devfn, pasid, table + 64 * i,
					      raw[0], raw[1]);
			continue;
		}
		if (f->did >= 0 && e.did != f->did)
			continue;
		if (!hold_pasid(w))
			return 0;
		p = vtd_add_pasid(d);
		if (!p)
			return -ENOMEM;
		p->pasid = pasid;
		p->gpa = table + 64 * i;
		memcpy(p->raw, raw, sizeof(p->raw));
		pasid_entry_checks(w, d, p);
	}
	return 0;
}

/*
 * Linux gives each directory entry its own PASID table. Entries that name a
 * table an earlier entry named alias their PASIDs onto it: report it once
 * per table, and list the table's entries only under the first (a hostile
 * PDTS=7 directory of one table would otherwise list 2^20 copies).
 * Returns true when the table was already walked for this directory.
 */
static bool table_aliased(struct walk *w, const struct vtd_device *d,
			  struct addrmap *seen, uint64_t table, uint32_t idx)
{
	bool found;
	uint32_t *first = addrmap_get(seen, table, idx, &found);

	if (!first || !found)
		return false;
	if (!(*first & 0x80000000u))
		vtd_add_finding(w->m, VTD_SEV_ERROR, "pasid_table_aliased",
				d->bus, d->devfn, (int64_t)idx << 6, table,
				"PASID directory entries %u and later also point at the table of entry %u (0x%llx): their PASIDs alias PASIDs %u-%u, listed once",
				idx, *first, (unsigned long long)table,
				*first << 6, (*first << 6) + 63);
	*first |= 0x80000000u;
	return true;
}

/* Returns 0 when the directory was walked, 1 when it could not be read
 * (a finding says why), or a negative errno. */
static int walk_pasid_dir(struct walk *w, struct vtd_device *d)
{
	const struct vtd_ctx_sm *c = &d->ctx.sm;
	const struct vtd_filter *f = &w->o->filter;
	uint32_t n = vtd_pdts_entries(c->pdts);
	size_t len = (size_t)n * 8;
	uint8_t *buf = malloc(len);
	struct addrmap seen = { 0 };
	int err = -ENOMEM;

	if (!buf)
		goto out;
	err = read_table(w, c->pasid_dir, buf, len, d->bus, d->devfn,
			 VTD_NO_PASID, "PASID directory");
	if (err)
		goto out;
	claim_table(w, c->pasid_dir, len, TABLE_PASID_DIR, d->bus, d->devfn);
	if (!spend(w, n)) {
		err = 1;
		goto out;
	}
	for (uint32_t i = 0; i < n && !err && !w->m->truncated; i++) {
		struct vtd_pasid_dirent de;
		uint64_t gpa = c->pasid_dir + 8 * i;

		if (f->pasid >= 0 && (uint64_t)f->pasid >> 6 != i)
			continue;
		vtd_decode_pasid_dirent(le64(buf + 8 * i), &de);
		if (!de.p) {
			if (de.raw & ~2ULL)
				leftover_bits(w, "PASID directory entry",
					      d->bus, d->devfn, (int64_t)i << 6,
					      gpa, de.raw, 0);
			continue;
		}
		if (de.rsvd)
			vtd_add_finding(w->m, VTD_SEV_ERROR,
					"pasid_dir_reserved_bits", d->bus,
					d->devfn, (int64_t)i << 6, gpa,
					"PASID directory entry %u has reserved bits set (0x%llx)",
					i, (unsigned long long)de.rsvd);
		if (!table_aliased(w, d, &seen, de.table, i))
			err = walk_pasid_table(w, d, i << 6, de.table);
	}
out:
	addrmap_free(&seen);
	free(buf);
	return err;
}

/* pasids_of: the device whose PASID list holds d's (d, or the first
 * device sharing d's directory). */
static void sm_context_checks(struct walk *w, const struct vtd_device *d,
			      const struct vtd_device *pasids_of,
			      bool dir_walked)
{
	const struct vtd_ctx_sm *c = &d->ctx.sm;
	const struct vtd_filter *f = &w->o->filter;

	if (c->rsvd[0] | c->rsvd[1] | c->rsvd[2] | c->rsvd[3])
		vtd_add_finding(w->m, VTD_SEV_ERROR, "ctx_reserved_bits",
				d->bus, d->devfn, VTD_NO_PASID, d->ctx_gpa,
				"scalable context entry has reserved bits set");
	if (c->rid_pasid >= vtd_pdts_entries(c->pdts) * 64u) {
		vtd_add_finding(w->m, VTD_SEV_ERROR, "rid_pasid_beyond_pdts",
				d->bus, d->devfn, c->rid_pasid, d->ctx_gpa,
				"RID_PASID %u is beyond the PDTS=%u directory (%u PASIDs)",
				c->rid_pasid, c->pdts,
				vtd_pdts_entries(c->pdts) * 64u);
		return;
	}
	/* Only meaningful when the whole directory was walked unfiltered */
	if (dir_walked && (f->pasid < 0 || f->pasid == c->rid_pasid) &&
	    f->did < 0 && !w->m->truncated && !vtd_model_pasid(pasids_of, c->rid_pasid))
		vtd_add_finding(w->m, VTD_SEV_WARNING, "rid_pasid_not_present",
				d->bus, d->devfn, c->rid_pasid, d->ctx_gpa,
				"RID_PASID %u not present: DMA without PASID faults",
				c->rid_pasid);
}

/*
 * A device whose context entry names a PASID directory (and PDTS) that an
 * earlier device's did shares its PASIDs: DMA aliases do so legitimately.
 * It is listed once, on the first device, never walked twice.
 */
static bool dir_already_walked(struct walk *w, struct vtd_device *d)
{
	uint64_t key = d->ctx.sm.pasid_dir | d->ctx.sm.pdts;
	bool found;
	uint32_t *first = addrmap_get(&w->dirs, key, d - w->m->devices, &found);
	struct vtd_device *f;

	if (!first || !found)
		return false;
	f = &w->m->devices[*first];
	d->dir_shared_with = *first;
	vtd_add_finding(w->m, VTD_SEV_INFO, "pasid_dir_shared", d->bus,
			d->devfn, VTD_NO_PASID, d->ctx_gpa,
			"PASID directory 0x%llx shared with %02x:%02x.%x (a DMA alias?); PASIDs listed there",
			(unsigned long long)d->ctx.sm.pasid_dir, f->bus,
			f->devfn >> 3, f->devfn & 7);
	return true;
}

static int walk_device_pasids(struct walk *w, struct vtd_device *d)
{
	bool filtered = w->o->filter.did >= 0 || w->o->filter.pasid >= 0;
	int err;

	if (!filtered && dir_already_walked(w, d)) {
		sm_context_checks(w, d, &w->m->devices[d->dir_shared_with],
				  true);
		return 0;
	}
	err = walk_pasid_dir(w, d);
	if (err < 0)
		return err;
	sm_context_checks(w, d, d, err == 0);
	/* --did or --pasid alone: only devices with a match; with -s
	 * naming one device, it stays, to show that its PASID is absent */
	if (d->nr_pasids == 0 && (w->o->filter.did >= 0 ||
	    (w->o->filter.pasid >= 0 &&
	     !vtd_filter_names_function(&w->o->filter)))) {
		free(d->pasids);
		w->m->nr_devices--;
	}
	return 0;
}

static int walk_sm_context_half(struct walk *w, int bus, uint64_t ctp,
				int devfn_base)
{
	uint8_t buf[VTD_PAGE_SIZE];
	int err = load_context_table(w, ctp, buf, bus, devfn_base, devfn_base,
				     SM_CTX_ENTRIES, devfn_base ?
				     "upper context table" : "lower context table");

	if (err <= 0)
		return err;
	for (int i = 0; i < SM_CTX_ENTRIES; i++) {
		int devfn = devfn_base + i;
		uint64_t raw[4];
		uint64_t gpa = ctp + 32 * i;
		struct vtd_device *d;

		if (!bdf_wanted(&w->o->filter, bus, devfn))
			continue;
		load_qwords(buf + 32 * i, raw, 4);
		d = vtd_add_device(w->m);
		if (!d)
			return -ENOMEM;
		d->bus = bus;
		d->devfn = devfn;
		d->ctx_gpa = gpa;
		d->scalable = true;
		vtd_decode_ctx_sm(raw, &d->ctx.sm);
		if (!d->ctx.sm.p) {
			w->m->nr_devices--;
			if (raw[0] | raw[1] | raw[2] | raw[3])
				leftover_bits(w, "context entry", bus, devfn,
					      VTD_NO_PASID, gpa, raw[0], raw[1]);
			continue;
		}
		err = walk_device_pasids(w, d);
		if (err < 0)
			return err;
	}
	return 0;
}

/* --- root table ------------------------------------------------------- */

/*
 * A root table named by --rtaddr must look like one: at least one present
 * entry, and more well-formed present entries than malformed ones. A user's
 * wrong guess is a usage error, not a page of findings about random memory.
 */
static int check_user_root(struct walk *w, const uint8_t *buf, bool sm)
{
	unsigned good = 0, bad = 0;

	for (int bus = 0; bus < ROOT_ENTRIES; bus++) {
		uint64_t raw[2];
		struct vtd_root r;

		load_qwords(buf + 16 * bus, raw, 2);
		vtd_decode_root(raw, sm, &r);
		if (r.rsvd_lo || r.rsvd_hi ||
		    (r.lp && !source_is_ram(w->src, r.lctp, VTD_PAGE_SIZE)) ||
		    (r.up && !source_is_ram(w->src, r.uctp, VTD_PAGE_SIZE)))
			bad++;
		else if (r.lp || r.up)
			good++;
	}
	if (good && good > bad)
		return 0;
	source_set_error(w->src,
			 "--rtaddr 0x%llx: no %s root table there (%u well-formed and %u malformed present entries); omit --rtaddr to scan the dump",
			 (unsigned long long)w->m->rtaddr.raw,
			 sm ? "scalable-mode" : "legacy", good, bad);
	return -EINVAL;
}

static int walk_root(struct walk *w)
{
	uint8_t buf[VTD_PAGE_SIZE];
	bool sm = w->m->rtaddr.mode == VTD_MODE_SCALABLE;
	uint64_t rt = w->m->rtaddr.addr;
	int err;

	if (w->m->rtaddr_origin == VTD_RTADDR_USER &&
	    !source_is_ram(w->src, rt, VTD_PAGE_SIZE)) {
		source_set_error(w->src, "--rtaddr 0x%llx: the root table address is not in guest RAM",
				 (unsigned long long)w->m->rtaddr.raw);
		return -EINVAL;
	}
	err = read_table(w, rt, buf, sizeof(buf), NO_DEV, VTD_NO_PASID,
			 "root table");
	if (err)
		return err < 0 ? err : 0;
	claim_table(w, rt, sizeof(buf), TABLE_ROOT, NO_DEV);
	if (w->m->rtaddr_origin == VTD_RTADDR_USER) {
		err = check_user_root(w, buf, sm);
		if (err)
			return err;
	}
	spend(w, ROOT_ENTRIES);
	for (int bus = 0; bus < ROOT_ENTRIES && !err; bus++) {
		uint64_t raw[2];
		struct vtd_root r;
		uint64_t gpa = rt + 16 * bus;

		if (w->o->filter.domain > 0 ||
		    (w->o->filter.bus >= 0 && w->o->filter.bus != bus))
			continue;
		load_qwords(buf + 16 * bus, raw, 2);
		vtd_decode_root(raw, sm, &r);
		if (r.rsvd_lo || r.rsvd_hi)
			vtd_add_finding(w->m, VTD_SEV_ERROR,
					"root_reserved_bits", bus, VTD_NO_BDF,
					VTD_NO_PASID, gpa,
					"root entry for bus %02x has reserved bits set", bus);
		if (!r.lp && (raw[0] & ~1ULL) && !r.rsvd_lo)
			leftover_bits(w, "root entry", bus, VTD_NO_BDF,
				      VTD_NO_PASID, gpa, raw[0], raw[1]);
		if (!sm) {
			if (r.lp)
				err = walk_legacy_context_table(w, bus, r.lctp);
			continue;
		}
		if (r.lp)
			err = walk_sm_context_half(w, bus, r.lctp, 0);
		if (!err && r.up)
			err = walk_sm_context_half(w, bus, r.uctp, 0x80);
	}
	return err;
}

/* Pending fault records become findings on the devices they name. */
static void report_faults(struct vtd_model *m)
{
	for (unsigned i = 0; i < m->faults.nr_pending; i++) {
		const struct vtd_fault_rec *r = &m->faults.recs[i];
		struct vtd_device *d = vtd_model_device(m, r->sid >> 8,
							r->sid & 0xff);

		if (d)
			d->nr_faults++;
		vtd_add_finding(m, VTD_SEV_WARNING, "fault_pending",
				r->sid >> 8, r->sid & 0xff,
				r->pp ? (int64_t)r->pasid : VTD_NO_PASID,
				0, "%s %s 0x%llx: reason 0x%02x, %s (record %u)",
				r->read ? "read" : "write",
				vtd_fault_is_ir(r->fr) ? "of interrupt index" : "at",
				vtd_fault_is_ir(r->fr) ?
				(unsigned long long)(r->addr >> 48) :
				(unsigned long long)r->addr, r->fr,
				vtd_fault_reason_str(r->fr), r->index);
	}
}

int vtd_walk(struct vtd_source *src, const struct vtd_walk_opts *opts,
	     struct vtd_model *m)
{
	struct walk w = { .src = src, .o = opts, .m = m };
	int err;

	memset(m, 0, sizeof(*m));
	m->mmio_base = src->mmio_base;
	m->limits = opts->findings;
	w.budget = opts->max_entries ? opts->max_entries : VTD_DEFAULT_MAX_ENTRIES;
	w.pasids_left = w.budget / 32;
	err = read_registers(&w);
	if (!err)
		err = choose_rtaddr(&w);
	if (err < 0)
		return err;
	if (err == 0 && check_global_state(&w))
		err = walk_root(&w);
	addrmap_free(&w.roles);
	addrmap_free(&w.dirs);
	if (err < 0)
		return w.fatal ? w.fatal : err;
	report_faults(m);
	vtd_recount_device_findings(m);
	m->nr_walk_findings = m->nr_findings;
	return 0;
}

static void add_torn_read(struct vtd_model *m, unsigned tries)
{
	vtd_add_finding(m, VTD_SEV_WARNING, "torn_read", VTD_NO_BDF,
			VTD_NO_BDF, VTD_NO_PASID, 0,
			"the tables changed during each of %u walks: this view may mix two states (try --pause)",
			tries);
}

/* Walk until two walks in a row agree, at most tries walks; 1 if they did. */
static int walk_until_agreed(struct vtd_source *src,
			     const struct vtd_walk_opts *opts,
			     struct vtd_model *m, unsigned tries)
{
	struct vtd_model prev;
	int err = vtd_walk(src, opts, m);

	for (unsigned i = 1; !err && i < tries; i++) {
		prev = *m;
		err = vtd_walk(src, opts, m);
		if (!err && vtd_model_fingerprint(m) ==
			    vtd_model_fingerprint(&prev)) {
			vtd_model_free(&prev);
			return 1;
		}
		vtd_model_free(&prev);
	}
	return err;
}

/*
 * Streamed findings cannot be taken back: the walks that look for two that
 * agree hold theirs (bounded), and one more walk streams; it must agree
 * with them too.
 */
static int walk_consistent_streamed(struct vtd_source *src,
				    const struct vtd_walk_opts *opts,
				    struct vtd_model *m, unsigned tries)
{
	struct vtd_walk_opts quiet = *opts;
	uint64_t agreed;
	int rc;

	quiet.findings.sink = NULL;
	quiet.findings.all = false;
	rc = walk_until_agreed(src, &quiet, m, tries);
	if (rc < 0)
		return rc;
	agreed = vtd_model_fingerprint(m);
	vtd_model_free(m);
	rc = vtd_walk(src, opts, m);
	if (!rc && vtd_model_fingerprint(m) != agreed)
		add_torn_read(m, tries + 1);
	return rc;
}

/*
 * Walk until two walks in a row agree, at most tries walks; if they never
 * do, a torn_read finding says the tables changed under the reader.
 */
int vtd_walk_consistent(struct vtd_source *src, const struct vtd_walk_opts *opts,
			struct vtd_model *m, unsigned tries)
{
	int rc;

	if (opts->findings.sink)
		return walk_consistent_streamed(src, opts, m, tries);
	rc = walk_until_agreed(src, opts, m, tries);
	if (!rc)
		add_torn_read(m, tries);
	return rc < 0 ? rc : 0;
}
