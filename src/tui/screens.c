// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: the device list, one device's PASIDs, one entry decoded. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"
#include "vmm/host.h"
#include "tui/events.h"
#include "tui/fmt.h"
#include "tui/screens.h"

static const char *tt_str(unsigned tt)
{
	static const char *const names[] = {
		"translate", "translate+devtlb", "pass-through", "reserved(3)",
	};

	return names[tt & 3];
}

static int64_t dev_key(const struct vtd_device *d)
{
	return d->bus << 8 | d->devfn;
}

/* --- device list ------------------------------------------------------ */

static const char *const devices_sorts[] = { "bdf", "pasids", "findings",
					     "faults", NULL };

/* A scalable device's DID lives in its PASID entries: show the RID_PASID
 * entry's (else the first present one's), then "(N)" when its PASIDs use N
 * different DIDs ("+" is the new-row mark). */
#define DID_COUNT_MAX	9u

static void sm_device_did(const struct vtd_device *d, char *buf, size_t len)
{
	const struct vtd_pasid_rec *shown = NULL;
	unsigned n = 0, seen[DID_COUNT_MAX + 1], did;
	struct vtd_pasid_entry e;

	for (size_t i = 0; i < d->nr_pasids; i++)
		if (d->pasids[i].pasid == d->ctx.sm.rid_pasid)
			shown = &d->pasids[i];
	if (!shown && d->nr_pasids)
		shown = &d->pasids[0];
	if (!shown)
		return;
	/* count up to DID_COUNT_MAX distinct DIDs: linear in the PASIDs */
	for (size_t i = 0; i < d->nr_pasids && n <= DID_COUNT_MAX; i++) {
		unsigned j = 0;

		did = vtd_pasid_decode(&d->pasids[i], &e)->did;
		while (j < n && seen[j] != did)
			j++;
		if (j == n && n < DID_COUNT_MAX + 1)
			seen[n++] = did;
	}
	did = vtd_pasid_decode(shown, &e)->did;
	if (n > DID_COUNT_MAX)
		snprintf(buf, len, "%u(>%u)", did, DID_COUNT_MAX);
	else if (n > 1)
		snprintf(buf, len, "%u(%u)", did, n);
	else
		snprintf(buf, len, "%u", did);
}

static void device_row(const struct watch *w, struct ui_list *l,
		       const struct vtd_device *d)
{
	char bdf[8], host[32], did[24] = "-", pdts[8] = "-", np[12] = "-";
	char mark = mark_get(&w->marks, MK_DEV, dev_key(d), 0);
	enum ui_col col = d->nr_faults ? UC_ERROR : d->nr_findings ? UC_WARN :
			  UC_DEFAULT;
	struct ui_row *r;

	bdf_str(bdf, d->bus, d->devfn);
	host_text_device(w->cur->host, d, host, sizeof(host));
	if (d->scalable) {
		snprintf(pdts, sizeof(pdts), "%u", d->ctx.sm.pdts);
		snprintf(np, sizeof(np), "%zu", d->nr_pasids);
		sm_device_did(d, did, sizeof(did));
	} else {
		snprintf(did, sizeof(did), "%u", d->ctx.leg.did);
	}
	if (mark == ' ' && d->nr_faults)
		mark = '!';
	r = list_add(l, dev_key(d), col, mark,
		     "%-8s %-9s %5s %5s %7s  %-12s %8u %7u", bdf,
		     d->scalable ? "scalable" : "legacy", did, pdts, np, host,
		     d->nr_findings, d->nr_faults);
	if (r) {
		r->sk[1] = -(int64_t)d->nr_pasids;
		r->sk[2] = -(int64_t)d->nr_findings;
		r->sk[3] = -(int64_t)d->nr_faults;
	}
}

void devices_draw(struct view *v, const struct watch *w)
{
	struct ui_list *l = &v->lists[ST_DEVICES];

	l->sort_names = devices_sorts;
	ui_title(&v->frame, "Devices (Enter: open)");
	col_header(&v->frame, "BDF      MODE        DID  PDTS  PASIDS  HOST         FINDINGS  FAULTS");
	list_begin(l);
	for (size_t i = 0; w->have_model && i < w->cur->nr_devices; i++)
		device_row(w, l, &w->cur->devices[i]);
	list_end(l);
	if (!w->have_model)
		mvaddstr(v->frame.body_top + 1, 2, w->src ? "reading the target..." :
			 "no picture yet: not connected");
	else if (!l->n)
		mvaddstr(v->frame.body_top + 1, 2, l->hidden ? "no device matches the filter" :
			 "no present context entry (translation not set up?)");
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

bool devices_key(struct view *v, int ch)
{
	const struct ui_row *r = list_selected(&v->lists[ST_DEVICES]);

	if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
		return false;
	if (!r)
		return true;
	v->focus.bus = r->key >> 8;
	v->focus.devfn = r->key & 0xff;
	view_goto(v, ST_DEVICE);
	return true;
}

/* --- one device ----------------------------------------------------------- */

static const char *const device_sorts[] = { "pasid", "did", "pgtt", NULL };

static void context_row(const struct watch *w, struct ui_list *l,
			const struct vtd_device *d)
{
	char mark = mark_get(&w->marks, MK_PASID, dev_key(d), PASID_CTX);

	if (d->scalable)
		list_add(l, PASID_CTX, UC_DEFAULT, mark,
			 "context  PDTS %u (%u dir entries)  directory 0x%" PRIx64 "  RID_PASID %u  %s%s%s",
			 d->ctx.sm.pdts, vtd_pdts_entries(d->ctx.sm.pdts),
			 d->ctx.sm.pasid_dir, d->ctx.sm.rid_pasid,
			 d->ctx.sm.fpd ? "FPD " : "", d->ctx.sm.pre ? "PRE " : "",
			 d->ctx.sm.dte ? "DTE" : "");
	else
		list_add(l, PASID_CTX, UC_DEFAULT, mark,
			 "context  DID %u  TT %u (%s)  AW %u (%u-level)  SLPTPTR 0x%" PRIx64 "%s",
			 d->ctx.leg.did, d->ctx.leg.tt, tt_str(d->ctx.leg.tt),
			 d->ctx.leg.aw, d->ctx.leg.aw + 2, d->ctx.leg.slptptr,
			 d->ctx.leg.fpd ? "  FPD" : "");
}

static void pasid_row(const struct watch *w, struct ui_list *l,
		      const struct vtd_device *d, const struct vtd_pasid_rec *p)
{
	char pg[24], host[32];
	unsigned nf = watch_pasid_findings(w, d, p->pasid);
	struct vtd_pasid_entry e;
	struct ui_row *r;

	vtd_pasid_decode(p, &e);
	host_text_pasid(w->cur->host, d, p, host, sizeof(host));
	r = list_add(l, p->pasid, nf ? UC_WARN : UC_DEFAULT,
		     mark_get(&w->marks, MK_PASID, dev_key(d), p->pasid),
		     "%-8u %5u  %-13s %2u  0x%016" PRIx64 "  0x%016" PRIx64 "  %-10s %6u",
		     p->pasid, e.did, pgtt_str(e.pgtt, pg, sizeof(pg)),
		     e.aw, e.slptptr, e.flptptr, host, nf);
	if (r) {
		r->sk[1] = e.did;
		r->sk[2] = e.pgtt;
	}
}

void device_draw(struct view *v, const struct watch *w)
{
	const struct vtd_device *d = watch_device(w, v->focus.bus, v->focus.devfn);
	struct ui_list *l = &v->lists[ST_DEVICE];
	char bdf[8];

	bdf_str(bdf, v->focus.bus, v->focus.devfn);
	l->sort_names = device_sorts;
	list_begin(l);
	if (!d) {
		ui_title(&v->frame, "%s: no longer present (Backspace: back)", bdf);
		list_end(l);
		return;
	}
	ui_title(&v->frame, "%s  %s  context entry at 0x%" PRIx64 "  %zu PASIDs  (Enter: decode, Backspace: back)",
		 bdf, d->scalable ? "scalable" : "legacy", d->ctx_gpa, d->nr_pasids);
	col_header(&v->frame, "PASID      DID  PGTT          AW  SLPTPTR             FLPTPTR             HOST       FINDINGS");
	context_row(w, l, d);
	for (size_t i = 0; i < d->nr_pasids; i++)
		pasid_row(w, l, d, &d->pasids[i]);
	list_end(l);
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

bool device_key(struct view *v, int ch)
{
	const struct ui_row *r = list_selected(&v->lists[ST_DEVICE]);

	if (ch != '\n' && ch != '\r' && ch != KEY_ENTER)
		return false;
	if (r) {
		v->focus.pasid = r->key;
		view_goto(v, ST_ENTRY);
	}
	return true;
}

/* --- one entry, field by field ------------------------------------------- */

#define FIELD(l, name, bits, fmt, ...) \
	list_add(l, (l)->n, UC_DEFAULT, ' ', "  %-10s %-8s " fmt, name, bits, __VA_ARGS__)

static void raw_rows(struct ui_list *l, const uint64_t *raw, unsigned n,
		     const uint64_t *rsvd)
{
	list_add(l, l->n, UC_TITLE, ' ', "raw qwords");
	for (unsigned i = 0; i < n; i++)
		list_add(l, l->n, rsvd[i] ? UC_ERROR : UC_DEFAULT, ' ',
			 "  qw%u  0x%016" PRIx64 "%s", i, raw[i],
			 rsvd[i] ? "  reserved bits set" : "");
	for (unsigned i = 0; i < n; i++)
		if (rsvd[i])
			list_add(l, l->n, UC_ERROR, '!',
				 "  qw%u reserved bits set: 0x%016" PRIx64, i, rsvd[i]);
}

static void legacy_ctx_rows(struct ui_list *l, const struct vtd_ctx_legacy *c)
{
	uint64_t rsvd[2] = { c->rsvd_lo, c->rsvd_hi };

	FIELD(l, "P", "0", "%u", c->p);
	FIELD(l, "FPD", "1", "%u", c->fpd);
	FIELD(l, "TT", "3:2", "%u  %s", c->tt, tt_str(c->tt));
	FIELD(l, "SLPTPTR", "63:12", "0x%" PRIx64, c->slptptr);
	FIELD(l, "AW", "66:64", "%u  %u-level", c->aw, c->aw + 2);
	FIELD(l, "AVAIL", "70:67", "%u", c->avail);
	FIELD(l, "DID", "87:72", "%u", c->did);
	raw_rows(l, c->raw, 2, rsvd);
}

static void sm_ctx_rows(struct ui_list *l, const struct vtd_ctx_sm *c)
{
	FIELD(l, "P", "0", "%u", c->p);
	FIELD(l, "FPD", "1", "%u", c->fpd);
	FIELD(l, "DTE", "2", "%u", c->dte);
	FIELD(l, "PASIDE", "3", "%u", c->paside);
	FIELD(l, "PRE", "4", "%u", c->pre);
	FIELD(l, "PDTS", "11:9", "%u  %u directory entries", c->pdts,
	      vtd_pdts_entries(c->pdts));
	FIELD(l, "PASIDDIR", "63:12", "0x%" PRIx64, c->pasid_dir);
	FIELD(l, "RID_PASID", "83:64", "%u", c->rid_pasid);
	raw_rows(l, c->raw, 4, c->rsvd);
}

static void pasid_entry_rows(struct ui_list *l, const struct vtd_pasid_entry *e)
{
	char pg[24];

	FIELD(l, "P", "0", "%u", e->p);
	FIELD(l, "FPD", "1", "%u", e->fpd);
	FIELD(l, "AW", "4:2", "%u  %u-level", e->aw, e->aw + 2);
	FIELD(l, "PGTT", "8:6", "%u  %s", e->pgtt, pgtt_str(e->pgtt, pg, sizeof(pg)));
	FIELD(l, "SSADE", "9", "%u", e->ssade);
	FIELD(l, "SLPTPTR", "63:12", "0x%" PRIx64, e->slptptr);
	FIELD(l, "DID", "79:64", "%u", e->did);
	FIELD(l, "PWSNP", "87", "%u", e->pwsnp);
	FIELD(l, "PGSNP", "88", "%u", e->pgsnp);
	FIELD(l, "SRE", "128", "%u", e->sre);
	FIELD(l, "FLPM", "131:130", "%u  %s", e->flpm,
	      e->flpm == 0 ? "4-level" : e->flpm == 1 ? "5-level" : "reserved");
	FIELD(l, "WPE", "132", "%u", e->wpe);
	FIELD(l, "EAFE", "135", "%u", e->eafe);
	FIELD(l, "FLPTPTR", "191:140", "0x%" PRIx64, e->flptptr);
	raw_rows(l, e->raw, 8, e->rsvd);
}

static void entry_findings(const struct watch *w, struct ui_list *l,
			   const struct vtd_device *d, int64_t pasid)
{
	list_add(l, l->n, UC_TITLE, ' ', "findings");
	for (size_t i = 0; i < w->cur->nr_findings; i++) {
		const struct vtd_finding *f = &w->cur->findings[i];

		if (f->bus != d->bus || f->devfn != d->devfn ||
		    (pasid != PASID_CTX && f->pasid != pasid))
			continue;
		list_add(l, l->n, f->sev == VTD_SEV_ERROR ? UC_ERROR : UC_WARN, ' ',
			 "  %-7s %s: %s", vtd_severity_name(f->sev), f->code,
			 f->message);
	}
}

void entry_draw(struct view *v, const struct watch *w)
{
	const struct vtd_device *d = watch_device(w, v->focus.bus, v->focus.devfn);
	const struct vtd_pasid_rec *p = NULL;
	struct ui_list *l = &v->lists[ST_ENTRY];
	char bdf[8], host[32];
	struct vtd_pasid_entry e;

	bdf_str(bdf, v->focus.bus, v->focus.devfn);
	if (d && v->focus.pasid != PASID_CTX)
		p = watch_pasid(d, v->focus.pasid);
	list_begin(l);
	if (!d || (v->focus.pasid != PASID_CTX && !p)) {
		ui_title(&v->frame, "%s %s: no longer present (Backspace: back)", bdf,
			 v->focus.pasid == PASID_CTX ? "context entry" : "PASID entry");
		list_end(l);
		return;
	}
	if (p) {
		host_text_pasid(w->cur->host, d, p, host, sizeof(host));
		ui_title(&v->frame, "%s PASID %u: PASID table entry at 0x%" PRIx64 "  host: %s",
			 bdf, p->pasid, p->gpa, host);
		pasid_entry_rows(l, vtd_pasid_decode(p, &e));
	} else {
		host_text_device(w->cur->host, d, host, sizeof(host));
		ui_title(&v->frame, "%s: %s context entry at 0x%" PRIx64 "  host: %s", bdf,
			 d->scalable ? "scalable-mode" : "legacy", d->ctx_gpa, host);
		if (d->scalable)
			sm_ctx_rows(l, &d->ctx.sm);
		else
			legacy_ctx_rows(l, &d->ctx.leg);
	}
	entry_findings(w, l, d, p ? (int64_t)p->pasid : PASID_CTX);
	list_end(l);
	col_header(&v->frame, "FIELD      BITS     VALUE");
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}
