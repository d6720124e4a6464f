// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch: keeping the picture fresh, cheaply.
 *
 * Each tick reads the register file in one block read. The tables are
 * walked again (vtd_walk: the CLI's walker and model) only when something
 * suggests they changed: GSTS, RTADDR, FSTS or CCMD moved, a fault record
 * changed, the invalidation queue gained a context-cache or a domain or
 * global PASID-cache descriptor (or more descriptors than the decoded window
 * holds), and in any case every SAFETY_TICKS ticks. A PASID-selective
 * PASID-cache invalidation names the one PASID whose entries the guest
 * changed: that PASID alone is read again (the same walker, filtered to it)
 * and merged into the picture, with the host side and check's rules run
 * again. The new picture is compared with the previous one; every
 * difference becomes an event and a highlight.
 *
 * A transport error closes the source; the view keeps the last picture,
 * says "disconnected" and asks for a new source with exponential backoff.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "walker/regfile.h"
#include "model/diff.h"
#include "pipeline/inspect.h"
#include "tui/events.h"
#include "tui/fmt.h"
#include "tui/refresh.h"

#define SAFETY_TICKS	5
#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	10000
#define EVENTS_PER_REFRESH	40

/* Events of one refresh, capped: a restarted VM changes everything at once */
#define EV(w, col, ...) do {						\
		if ((w)->ev_budget) {					\
			(w)->ev_budget--;				\
			event_add(&(w)->log, col, __VA_ARGS__);		\
		} else {						\
			(w)->ev_dropped++;				\
		}							\
	} while (0)

void watch_ev_begin(struct watch *w)
{
	w->ev_budget = EVENTS_PER_REFRESH;
	w->ev_dropped = 0;
}

void watch_ev_end(struct watch *w)
{
	if (w->ev_dropped)
		event_add(&w->log, UC_WARN, "... and %u more changes", w->ev_dropped);
}

/* --- registers and faults ------------------------------------------------ */

/* The register file in one block read, once its length is known. */
static int read_regs_tick(struct watch *w, struct vtd_regfile *rf)
{
	const struct vtd_regfile *old = w->rf;
	int err;

	if (!old->valid || !old->len)
		return vtd_read_regfile(w->src, rf);
	memset(rf, 0, sizeof(*rf));
	err = source_read_regs(w->src, 0, old->len / 8, rf->q);
	if (err)
		return err;
	/* a new unit (the VM came back with other options): start over */
	if (rf->q[1] != old->q[1] || rf->q[2] != old->q[2])
		return vtd_read_regfile(w->src, rf);
	rf->len = old->len;
	rf->cap = old->cap;
	rf->ecap = old->ecap;
	rf->base = old->base;
	rf->valid = true;
	return 0;
}

static void log_gsts(struct watch *w, uint32_t o, uint32_t n)
{
	static const char *const bits[] = { "CFIS", "IRTPS", "IRES", "QIES",
		"WBFS", "AFLS", "FLS", "RTPS", "TES" };
	char buf[128] = "";
	size_t len = 0;

	for (unsigned b = 23; b < 32; b++)
		if (((o ^ n) >> b) & 1 && len < sizeof(buf))
			len += snprintf(buf + len, sizeof(buf) - len, " %s%c",
					bits[b - 23], (n >> b) & 1 ? '+' : '-');
	EV(w, UC_CHANGED, "GSTS 0x%08x -> 0x%08x:%s", o, n, buf);
}

/* Marks changed registers (by 32-bit half); true when the tables may have
 * changed with them. */
static bool diff_regs(struct watch *w, const struct vtd_regfile *o,
		      const struct vtd_regfile *n)
{
	uint32_t len = o->len < n->len ? o->len : n->len;
	bool walk = false;

	for (uint32_t off = 0; off < len; off += 4)
		if (vtd_reg32(o, off) != vtd_reg32(n, off))
			mark_set(&w->marks, MK_REG, off, 0, '~');
	if (vtd_reg32(o, VTD_REG_GSTS) != vtd_reg32(n, VTD_REG_GSTS)) {
		log_gsts(w, vtd_reg32(o, VTD_REG_GSTS), vtd_reg32(n, VTD_REG_GSTS));
		walk = true;
	}
	if (vtd_reg64(o, VTD_REG_RTADDR) != vtd_reg64(n, VTD_REG_RTADDR)) {
		EV(w, UC_CHANGED, "RTADDR 0x%" PRIx64 " -> 0x%" PRIx64,
		   vtd_reg64(o, VTD_REG_RTADDR), vtd_reg64(n, VTD_REG_RTADDR));
		walk = true;
	}
	return walk || vtd_reg32(o, VTD_REG_FSTS) != vtd_reg32(n, VTD_REG_FSTS) ||
	       vtd_reg64(o, VTD_REG_CCMD) != vtd_reg64(n, VTD_REG_CCMD);
}

static const struct vtd_fault_rec *find_fault(const struct vtd_faults *f,
					      const struct vtd_fault_rec *r)
{
	for (unsigned i = 0; i < f->nr_pending; i++)
		if (f->recs[i].index == r->index &&
		    !memcmp(f->recs[i].raw, r->raw, sizeof(r->raw)))
			return &f->recs[i];
	return NULL;
}

static void log_fault(struct watch *w, const struct vtd_fault_rec *r)
{
	char bdf[8];

	bdf_str(bdf, r->sid >> 8, r->sid & 0xff);
	EV(w, UC_ERROR, "%s new fault %u: %s 0x%" PRIx64 "%s, reason 0x%02x (%s)",
	   bdf, r->index, r->read ? "read" : "write",
	   vtd_fault_is_ir(r->fr) ? r->addr >> 48 : r->addr,
	   vtd_fault_is_ir(r->fr) ? " (interrupt index)" : "", r->fr,
	   vtd_fault_reason_str(r->fr));
}

/* New and cleared fault records; true if any */
static bool diff_faults(struct watch *w, const struct vtd_faults *o,
			const struct vtd_faults *n)
{
	bool changed = false;

	for (unsigned i = 0; i < n->nr_pending; i++) {
		if (find_fault(o, &n->recs[i]))
			continue;
		mark_set(&w->marks, MK_FAULT, n->recs[i].index, 0, '+');
		log_fault(w, &n->recs[i]);
		changed = true;
	}
	for (unsigned i = 0; i < o->nr_pending; i++) {
		if (find_fault(n, &o->recs[i]))
			continue;
		EV(w, UC_DEFAULT, "fault record %u cleared", o->recs[i].index);
		changed = true;
	}
	return changed;
}

/* --- the invalidation queue -------------------------------------------- */

static bool desc_changes_tables(unsigned type)
{
	return type == VTD_INV_CC || type == VTD_INV_PC ||
	       !vtd_inv_type_name(type);
}

/* A PASID-cache invalidation of one PASID (granularity 1, PASID-selective
 * within a domain): queue that PASID for re-reading. */
static bool want_reread(struct watch *w, const struct vtd_inv_desc *d)
{
	if (d->type != VTD_INV_PC || d->gran != 1)
		return false;
	for (unsigned i = 0; i < w->reread.n; i++)
		if (w->reread.pasid[i] == d->pasid)
			return true;
	if (w->reread.n == MAX_REREADS)
		w->reread.overflow = true;
	else
		w->reread.pasid[w->reread.n++] = d->pasid;
	return true;
}

static void log_cache_inv(struct watch *w, const struct vtd_iq_entry *e)
{
	const struct vtd_inv_desc *d = &e->d;
	char gbuf[24], bdf[8];
	const char *gran = vtd_inv_gran_name(d, gbuf, sizeof(gbuf));

	if (d->type == VTD_INV_PC) {
		EV(w, UC_CHANGED, "invalidation %u: pc %s did=%u pasid=%u", e->index,
		   gran ? gran : "?", d->did, d->pasid);
	} else if (d->type == VTD_INV_CC) {
		bdf_str(bdf, d->sid >> 8, d->sid & 0xff);
		EV(w, UC_CHANGED, "invalidation %u: cc %s did=%u sid=%s", e->index,
		   gran ? gran : "?", d->did, bdf);
	}
}

/* Log the k newest descriptors (n moved in all); true if a walk is due */
static bool log_new_descs(struct watch *w, uint32_t old_tail, uint32_t n)
{
	const struct vtd_iq *q = &w->iq;
	size_t k = n < q->nr_entries ? n : q->nr_entries;
	unsigned count[16] = { 0 }, other = 0;
	char sum[160] = "";
	size_t len = 0;
	bool walk = n > k;

	for (size_t i = q->nr_entries - k; i < q->nr_entries; i++) {
		const struct vtd_iq_entry *e = &q->entries[i];

		mark_set(&w->marks, MK_IQ, e->index, 0, '+');
		if (e->d.type < 16 && vtd_inv_type_name(e->d.type))
			count[e->d.type]++;
		else
			other++;
		if (!want_reread(w, &e->d))
			walk |= desc_changes_tables(e->d.type);
		log_cache_inv(w, e);
	}
	for (unsigned t = 0; t < 16; t++)
		if (count[t] && len < sizeof(sum))
			len += snprintf(sum + len, sizeof(sum) - len, "%s%s %u",
					len ? ", " : "", vtd_inv_type_name(t), count[t]);
	if (other && len < sizeof(sum))
		snprintf(sum + len, sizeof(sum) - len, "%sunknown %u", len ? ", " : "", other);
	EV(w, UC_DEFAULT, "IQ tail %u -> %u: %u new descriptor%s (%s)%s", old_tail,
	   q->tail, n, n == 1 ? "" : "s", sum, n > k ? ", older ones not decoded" : "");
	return walk || w->reread.overflow;
}

/* Re-read the queue when its registers moved; true if a walk is due.
 * *err gets a fatal source error. */
static bool update_iq(struct watch *w, int *err)
{
	uint64_t iqt = vtd_reg64(w->rf, VTD_REG_IQT), iqa = vtd_reg64(w->rf, VTD_REG_IQA);
	uint32_t gsts = vtd_reg32(w->rf, VTD_REG_GSTS);
	bool had = w->have_iq && w->iq.enabled && w->iq.read_ok;
	uint32_t old_tail = w->iq.tail, old_size = w->iq.size, n;

	*err = 0;
	if (!w->rf->valid)
		return false;
	if (w->have_iq && iqt == w->iq_seen.iqt && iqa == w->iq_seen.iqa &&
	    (gsts & VTD_GSTS_QIES) == (w->iq_seen.gsts & VTD_GSTS_QIES))
		return false;
	w->iq_seen.iqt = iqt;
	w->iq_seen.iqa = iqa;
	w->iq_seen.gsts = gsts;
	vtd_iq_free(&w->iq);
	vtd_model_free(w->iq_scratch);
	*err = vtd_read_iq(w->src, w->rf, w->conf.iq_count, &w->iq, w->iq_scratch);
	if (*err)
		return false;
	w->have_iq = true;
	if (!had || !w->iq.enabled || !w->iq.read_ok || w->iq.size != old_size)
		return had;	/* a new queue: a baseline, nothing to log */
	n = (w->iq.tail + w->iq.size - old_tail) % w->iq.size;
	return n ? log_new_descs(w, old_tail, n) : false;
}

/* --- the model ------------------------------------------------------------ */

static void log_device(struct watch *w, const struct vtd_device *d,
		       const char *what)
{
	char bdf[8];

	bdf_str(bdf, d->bus, d->devfn);
	if (d->scalable)
		EV(w, what[0] == 'a' ? UC_NEW : UC_GONE,
		   "%s device %s (scalable, PDTS %u, %zu PASIDs)", bdf, what,
		   d->ctx.sm.pdts, d->nr_pasids);
	else
		EV(w, what[0] == 'a' ? UC_NEW : UC_GONE, "%s device %s (legacy, DID %u)",
		   bdf, what, d->ctx.leg.did);
}

static void diff_context(struct watch *w, const struct vtd_device *o,
			 const struct vtd_device *n, const char *bdf)
{
	if (o->scalable != n->scalable) {
		EV(w, UC_CHANGED, "%s context entry now %s", bdf,
		   n->scalable ? "scalable" : "legacy");
	} else if (!n->scalable) {
		const struct vtd_ctx_legacy *a = &o->ctx.leg, *b = &n->ctx.leg;

		if (!memcmp(a->raw, b->raw, sizeof(a->raw)))
			return;
		EV(w, UC_CHANGED, "%s context changed: DID %u -> %u, TT %u -> %u, SLPTPTR 0x%" PRIx64 " -> 0x%" PRIx64,
		   bdf, a->did, b->did, a->tt, b->tt, a->slptptr, b->slptptr);
	} else {
		const struct vtd_ctx_sm *a = &o->ctx.sm, *b = &n->ctx.sm;

		if (!memcmp(a->raw, b->raw, sizeof(a->raw)))
			return;
		EV(w, UC_CHANGED, "%s context changed: PDTS %u -> %u, directory 0x%" PRIx64 " -> 0x%" PRIx64 ", RID_PASID %u -> %u",
		   bdf, a->pdts, b->pdts, a->pasid_dir, b->pasid_dir,
		   a->rid_pasid, b->rid_pasid);
	}
	mark_set(&w->marks, MK_PASID, n->bus << 8 | n->devfn, PASID_CTX, '~');
	mark_set(&w->marks, MK_DEV, n->bus << 8 | n->devfn, 0, '~');
}

static void pasid_what(const struct vtd_pasid_entry *e, char *buf, size_t len)
{
	char pg[24];

	snprintf(buf, len, "DID %u, %s", e->did, pgtt_str(e->pgtt, pg, sizeof(pg)));
}

static void diff_pasid(struct watch *w, const struct vtd_pasid_entry *a,
		       const struct vtd_pasid_entry *b, const char *bdf,
		       uint32_t pasid)
{
	char what[200], pa[24], pb[24];
	size_t len = 0;

	if (!memcmp(a->raw, b->raw, sizeof(a->raw)))
		return;
	what[0] = 0;
#define WHAT(...) do { if (len < sizeof(what))				\
		len += snprintf(what + len, sizeof(what) - len, __VA_ARGS__); } while (0)
	if (a->did != b->did)
		WHAT(" DID %u -> %u", a->did, b->did);
	if (a->pgtt != b->pgtt)
		WHAT(" PGTT %s -> %s", pgtt_str(a->pgtt, pa, sizeof(pa)),
		     pgtt_str(b->pgtt, pb, sizeof(pb)));
	if (a->slptptr != b->slptptr)
		WHAT(" SLPTPTR 0x%" PRIx64 " -> 0x%" PRIx64, a->slptptr, b->slptptr);
	if (a->flptptr != b->flptptr)
		WHAT(" FLPTPTR 0x%" PRIx64 " -> 0x%" PRIx64, a->flptptr, b->flptptr);
	if (!len)
		WHAT(" other fields (see the raw qwords)");
#undef WHAT
	EV(w, UC_CHANGED, "%s PASID %u changed:%s", bdf, pasid, what);
}

/* One PASID of device dk, before (a) and after (b); either may be NULL. */
static void diff_pasid_rec(struct watch *w, int64_t dk, const char *bdf,
			   const struct vtd_pasid_rec *a,
			   const struct vtd_pasid_rec *b)
{
	struct vtd_pasid_entry ea, eb;
	char what[64];

	if (b && !a) {
		pasid_what(vtd_pasid_decode(b, &eb), what, sizeof(what));
		EV(w, UC_NEW, "%s PASID %u added: %s", bdf, b->pasid, what);
		mark_set(&w->marks, MK_PASID, dk, b->pasid, '+');
		mark_set(&w->marks, MK_DEV, dk, 0, '~');
	} else if (a && !b) {
		pasid_what(vtd_pasid_decode(a, &ea), what, sizeof(what));
		EV(w, UC_GONE, "%s PASID %u removed (was %s)", bdf, a->pasid, what);
		mark_set(&w->marks, MK_DEV, dk, 0, '~');
	} else if (a && b && memcmp(a->raw, b->raw, sizeof(a->raw))) {
		diff_pasid(w, vtd_pasid_decode(a, &ea), vtd_pasid_decode(b, &eb),
			   bdf, b->pasid);
		mark_set(&w->marks, MK_PASID, dk, b->pasid, '~');
		mark_set(&w->marks, MK_DEV, dk, 0, '~');
	}
}

/* vtd_model_diff()'s callbacks: the log and the change marks */
static void device_changed(void *ctx, const struct vtd_device *o,
			   const struct vtd_device *n)
{
	struct watch *w = ctx;
	char bdf[8];

	if (!o) {
		mark_set(&w->marks, MK_DEV, n->bus << 8 | n->devfn, 0, '+');
		log_device(w, n, "added");
		return;
	}
	if (!n) {
		log_device(w, o, "removed");
		return;
	}
	bdf_str(bdf, n->bus, n->devfn);
	diff_context(w, o, n, bdf);
	if (o->nr_faults != n->nr_faults || o->nr_findings != n->nr_findings)
		mark_set(&w->marks, MK_DEV, n->bus << 8 | n->devfn, 0, '~');
}

static void pasid_changed(void *ctx, const struct vtd_device *o,
			  const struct vtd_device *n, const struct vtd_pasid_rec *a,
			  const struct vtd_pasid_rec *b)
{
	struct watch *w = ctx;
	char bdf[8];

	bdf_str(bdf, n->bus, n->devfn);
	diff_pasid_rec(w, n->bus << 8 | n->devfn, bdf, a, b);
}

/* Findings that came (highlighted, logged) or went (logged); a pending
 * fault is logged as a fault. */
static void finding_changed(void *ctx, bool added, const struct vtd_finding *f,
			    size_t index)
{
	struct watch *w = ctx;
	bool fault = !strcmp(f->code, "fault_pending");

	if (added) {
		mark_set(&w->marks, MK_FINDING, (int64_t)index, 0, '+');
		if (!fault)
			EV(w, f->sev == VTD_SEV_ERROR ? UC_ERROR : UC_WARN,
			   "finding: %s %s: %s", vtd_severity_name(f->sev),
			   f->code, f->message);
	} else if (!fault) {
		EV(w, UC_DEFAULT, "finding gone: %s: %s", f->code, f->message);
	}
}

static void diff_models(struct watch *w, const struct vtd_model *o,
			const struct vtd_model *n)
{
	const struct vtd_model_diff_cb cb = {
		.device = device_changed,
		.pasid = pasid_changed,
		.finding = finding_changed,
		.ctx = w,
	};

	vtd_model_diff(o, n, &cb);
}

static void diff_findings(struct watch *w, const struct vtd_model *o,
			  const struct vtd_model *n)
{
	const struct vtd_model_diff_cb cb = { .finding = finding_changed, .ctx = w };

	vtd_model_diff(o, n, &cb);
}

static size_t total_pasids(const struct vtd_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nr_devices; i++)
		n += m->devices[i].nr_pasids;
	return n;
}

/* What a refresh runs after the walk: the findings are check's, every rule,
 * the host side's too. */
#define REFRESH_STAGES (VTD_STAGE_HOST | VTD_STAGE_CHECK)

static int rewalk(struct watch *w)
{
	struct vtd_model *n = w->next_model, *o = w->cur;
	int64_t t0 = mono_ms();
	struct vtd_inspect_opts io = { .walk = w->conf.walk, .stages = REFRESH_STAGES };
	int err = vtd_inspect(w->src, &io, n);

	if (err < 0)
		return err;
	w->walk_ms = mono_ms() - t0;
	if (w->have_model) {
		diff_models(w, o, n);
	} else {
		event_add(&w->log, UC_DEFAULT, "walked: %zu devices, %zu PASIDs, %zu findings",
			  n->nr_devices, total_pasids(n), n->nr_findings);
	}
	w->cur = n;
	w->next_model = o;
	vtd_model_free(o);
	w->have_model = true;
	w->ticks_since_walk = 0;
	w->walks++;
	return 0;
}

/* --- re-reading the PASIDs an invalidation named ---------------------------- */

struct pasid_key {
	const struct vtd_device *d;
	uint32_t pasid;
};

static bool pasid_below(size_t i, const void *ctx)
{
	const struct pasid_key *k = ctx;

	return k->d->pasids[i].pasid < k->pasid;
}

/* Where PASID p is, or would go, in d's list (sorted by PASID). */
static size_t pasid_slot(const struct vtd_device *d, uint32_t p, bool *found)
{
	struct pasid_key k = { d, p };
	size_t i = lower_bound(d->nr_pasids, pasid_below, &k);

	*found = i < d->nr_pasids && d->pasids[i].pasid == p;
	return i;
}

/* d's record of PASID p becomes *r (NULL: there is none). */
static int put_pasid(struct vtd_device *d, uint32_t p, const struct vtd_pasid_rec *r)
{
	bool found;
	size_t i = pasid_slot(d, p, &found);
	size_t sz = sizeof(*d->pasids);

	if (found && r) {
		d->pasids[i] = *r;
	} else if (found) {
		memmove(&d->pasids[i], &d->pasids[i + 1], (d->nr_pasids - i - 1) * sz);
		d->nr_pasids--;
	} else if (r) {
		if (!vtd_add_pasid(d))
			return -ENOMEM;
		memmove(&d->pasids[i + 1], &d->pasids[i], (d->nr_pasids - 1 - i) * sz);
		d->pasids[i] = *r;
	}
	return 0;
}

static bool same_context(const struct vtd_device *a, const struct vtd_device *b)
{
	if (a->bus != b->bus || a->devfn != b->devfn || a->scalable != b->scalable)
		return false;
	return a->scalable ? !memcmp(a->ctx.sm.raw, b->ctx.sm.raw, sizeof(a->ctx.sm.raw)) :
			     !memcmp(a->ctx.leg.raw, b->ctx.leg.raw, sizeof(a->ctx.leg.raw));
}

/* The walker's findings about PASID p: t's instead of m's. */
static int merge_pasid_findings(struct vtd_model *m, const struct vtd_model *t,
				uint32_t p)
{
	size_t keep = 0;

	for (size_t i = 0; i < m->nr_walk_findings; i++)
		if (m->findings[i].pasid != p)
			m->findings[keep++] = m->findings[i];
	m->nr_findings = keep;
	for (size_t i = 0; i < t->nr_walk_findings; i++) {
		const struct vtd_finding *f = &t->findings[i];

		if (f->pasid == p &&
		    !vtd_add_finding(m, f->sev, f->code, f->bus, f->devfn, f->pasid,
				     f->gpa, "%s", f->message))
			return -ENOMEM;
	}
	m->nr_walk_findings = m->nr_findings;
	return 0;
}

/*
 * Merge what a walk filtered to PASID p found (t: only the devices that
 * have p) into the picture (m): 0, a negative errno, or 1 when t cannot be
 * merged because it has a device m lacks or another context entry (that
 * takes a context-cache invalidation, hence a full walk, to be seen right).
 */
static int merge_pasid(struct watch *w, struct vtd_model *m, struct vtd_model *t,
		       uint32_t p)
{
	char bdf[8];
	int err;

	for (size_t i = 0; i < t->nr_devices; i++) {
		const struct vtd_device *td = &t->devices[i];
		const struct vtd_device *d = vtd_model_device(m, td->bus, td->devfn);

		if (!d || !same_context(d, td))
			return 1;
	}
	for (size_t i = 0; i < m->nr_devices; i++) {
		struct vtd_device *d = &m->devices[i];
		const struct vtd_device *td = vtd_model_device(t, d->bus, d->devfn);
		bool had, has = false;
		size_t a = pasid_slot(d, p, &had), b = td ? pasid_slot(td, p, &has) : 0;

		bdf_str(bdf, d->bus, d->devfn);
		diff_pasid_rec(w, d->bus << 8 | d->devfn, bdf, had ? &d->pasids[a] : NULL,
			       has ? &td->pasids[b] : NULL);
		err = put_pasid(d, p, has ? &td->pasids[b] : NULL);
		if (err)
			return err;
	}
	return merge_pasid_findings(m, t, p);
}

/* Re-read the PASIDs that new PASID-selective invalidations named: 0, 1
 * when a full walk must do it instead, or a negative errno. */
static int reread_pasids(struct watch *w)
{
	struct vtd_inspect_opts o = { .walk = w->conf.walk };	/* the walk alone */
	struct vtd_model *m = w->cur, *t = w->next_model;
	size_t nb = m->nr_findings;
	struct vtd_finding *before = malloc(nb * sizeof(*before) + 1);
	int64_t t0 = mono_ms();
	int rc = 0;

	if (!before)
		return -ENOMEM;
	memcpy(before, m->findings, nb * sizeof(*before));
	for (unsigned i = 0; !rc && i < w->reread.n; i++) {
		if (w->conf.walk.filter.pasid >= 0 && w->conf.walk.filter.pasid != w->reread.pasid[i])
			continue;	/* not in this view */
		o.walk.filter.pasid = w->reread.pasid[i];
		rc = vtd_inspect(w->src, &o, t);
		if (!rc)
			rc = merge_pasid(w, m, t, w->reread.pasid[i]);
		vtd_model_free(t);
	}
	if (!rc)
		rc = vtd_inspect_again(w->src, REFRESH_STAGES, m);
	if (!rc) {
		struct vtd_model b = { .findings = before, .nr_findings = nb };

		diff_findings(w, &b, m);
		w->walk_ms = mono_ms() - t0;
		w->rereads++;
	}
	free(before);
	return rc;
}

/* --- connection ------------------------------------------------------------ */

static void lose_connection(struct watch *w, int err, const char *what)
{
	snprintf(w->conn_msg, sizeof(w->conn_msg), "%s: %s", what,
		 source_strerror(w->src, err));
	event_add(&w->log, UC_ERROR, "connection lost (%s)", w->conn_msg);
	source_close(w->src);
	w->src = NULL;
	w->have_iq = false;
	w->backoff_ms = BACKOFF_MIN_MS;
	w->next_reconnect = mono_ms() + w->backoff_ms;
}

static void reconnect(struct watch *w)
{
	char err[512] = "";
	struct vtd_source *s = w->conf.reopen ? w->conf.reopen(err, sizeof(err)) : NULL;

	if (!s) {
		snprintf(w->conn_msg, sizeof(w->conn_msg), "%s",
			 err[0] ? err : "cannot open the target");
		w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
			       w->backoff_ms * 2;
		w->next_reconnect = mono_ms() + w->backoff_ms;
		return;
	}
	w->src = s;
	w->conn_msg[0] = 0;
	w->ticks_since_walk = SAFETY_TICKS;	/* walk at once */
	w->next_tick = mono_ms();
	memset(w->rf, 0, sizeof(*w->rf));		/* read the unit afresh */
	event_add(&w->log, UC_NEW, "reconnected to %s", w->target);
}

/* --- ticks ------------------------------------------------------------------ */

int watch_tick(struct watch *w, bool force_walk)
{
	bool walk = !w->have_model || ++w->ticks_since_walk >= SAFETY_TICKS ||
		    force_walk;
	struct vtd_regfile *rf;
	struct vtd_faults *f;
	int err = read_regs_tick(w, w->next_rf);

	if (err) {
		lose_connection(w, err, "registers");
		return err;
	}
	if (w->rf->valid && w->next_rf->valid)
		walk |= diff_regs(w, w->rf, w->next_rf);
	rf = w->rf, w->rf = w->next_rf, w->next_rf = rf;
	vtd_read_faults(w->rf, w->next_faults);
	if (w->rf->valid && w->next_rf->valid)
		walk |= diff_faults(w, w->faults, w->next_faults);
	f = w->faults, w->faults = w->next_faults, w->next_faults = f;
	walk |= update_iq(w, &err);
	if (err) {
		lose_connection(w, err, "invalidation queue");
		return err;
	}
	if (!walk && w->reread.n && w->have_model) {
		err = reread_pasids(w);
		if (err < 0) {
			w->reread.n = 0;
			lose_connection(w, err, "re-read");
			return err;
		}
		walk = err > 0;
	}
	w->reread.n = 0;
	w->reread.overflow = false;
	if (walk || !w->rf->valid) {
		err = rewalk(w);
		if (err) {
			lose_connection(w, err, "walk");
			return err;
		}
	}
	return 0;
}

bool watch_poll(struct watch *w)
{
	int64_t now = mono_ms(), start;

	if (w->conf.replay)
		return replay_poll(w);
	if (!w->src) {
		if (w->conf.still || now < w->next_reconnect)
			return false;
		reconnect(w);
		if (!w->src)
			return true;	/* the header shows the new attempt */
	}
	if (w->have_model && (w->conf.still || w->paused || now < w->next_tick))
		return false;
	start = now;
	watch_ev_begin(w);
	watch_tick(w, false);
	watch_ev_end(w);
	w->ticks++;
	w->last_tick_wall = wall_ms();
	w->next_tick = start + w->interval_ms;
	if (w->next_tick < mono_ms())	/* the target is slower than asked */
		w->next_tick = mono_ms() + w->interval_ms / 2;
	return true;
}

long watch_wait_ms(const struct watch *w)
{
	int64_t now = mono_ms(), when;

	if (w->conf.replay)
		return replay_wait_ms(w);
	if (!w->src)
		when = w->conf.still ? -1 : w->next_reconnect;
	else if (w->have_model && (w->conf.still || w->paused))
		when = -1;
	else
		when = w->next_tick;
	if (when < 0)
		return -1;
	return when > now ? (long)(when - now) : 0;
}

void watch_set_interval(struct watch *w, long ms)
{
	w->interval_ms = ms;
	w->marks.hold_ms = marks_hold_ms(ms);
	w->next_tick = mono_ms() + ms;
}

void watch_kick(struct watch *w)
{
	w->next_tick = mono_ms();
}

/* --- setup and lookups -------------------------------------------------- */

int watch_init(struct watch *w, const struct tui_conf *conf,
	       struct vtd_source *src)
{
	memset(w, 0, sizeof(*w));
	w->conf = *conf;
	w->src = src;
	snprintf(w->target, sizeof(w->target), "%s", conf->target ? conf->target : src->target);
	w->interval_ms = conf->interval_ms > 0 ? conf->interval_ms : 1000;
	w->marks.hold_ms = marks_hold_ms(w->interval_ms);
	w->cur = calloc(1, sizeof(*w->cur));
	w->iq_scratch = calloc(1, sizeof(*w->iq_scratch));
	w->rf = calloc(1, sizeof(*w->rf));
	w->faults = calloc(1, sizeof(*w->faults));
	w->next_model = calloc(1, sizeof(*w->next_model));
	w->next_rf = calloc(1, sizeof(*w->next_rf));
	w->next_faults = calloc(1, sizeof(*w->next_faults));
	w->next_tick = mono_ms();
	w->rp.speed = 1;
	if (!w->cur || !w->iq_scratch || !w->rf || !w->faults || !w->next_model ||
	    !w->next_rf || !w->next_faults)
		return -ENOMEM;
	return 0;
}

void watch_free(struct watch *w)
{
	if (w->src)
		source_close(w->src);
	vtd_iq_free(&w->iq);
	if (w->cur)
		vtd_model_free(w->cur);
	if (w->iq_scratch)
		vtd_model_free(w->iq_scratch);
	free(w->cur);
	free(w->iq_scratch);
	free(w->rf);
	free(w->faults);
	free(w->next_model);
	free(w->next_rf);
	free(w->next_faults);
	memset(w, 0, sizeof(*w));
}

const struct vtd_device *watch_device(const struct watch *w, int bus,
				      int devfn)
{
	if (!w->have_model)
		return NULL;
	for (size_t i = 0; i < w->cur->nr_devices; i++)
		if (w->cur->devices[i].bus == bus && w->cur->devices[i].devfn == devfn)
			return &w->cur->devices[i];
	return NULL;
}

const struct vtd_pasid_rec *watch_pasid(const struct vtd_device *d,
					uint32_t pasid)
{
	size_t lo = 0, hi = d ? d->nr_pasids : 0;

	while (lo < hi) {		/* sorted by PASID */
		size_t mid = (lo + hi) / 2;

		if (d->pasids[mid].pasid == pasid)
			return &d->pasids[mid];
		if (d->pasids[mid].pasid < pasid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

unsigned watch_pasid_findings(const struct watch *w, const struct vtd_device *d,
			      int64_t pasid)
{
	unsigned n = 0;

	for (size_t i = 0; w->have_model && i < w->cur->nr_findings; i++) {
		const struct vtd_finding *f = &w->cur->findings[i];

		n += f->bus == d->bus && f->devfn == d->devfn && f->pasid == pasid;
	}
	return n;
}
