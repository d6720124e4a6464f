// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: the registers, faults, invalidation queue, findings, event
 * log and help panes. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tui/events.h"
#include "tui/fmt.h"
#include "tui/panes.h"
#include "vtd/regdesc.h"

/* --- registers ------------------------------------------------------------ */

/* Fields as `regs` prints them: long registers (CAP, ECAP) show set flags only */
static void reg_fields(const struct vtd_reg_value *r, char *buf, size_t len)
{
	bool terse = r->desc->nr_fields > 12;
	size_t n = 0;
	char v[48];

	buf[0] = 0;
	for (unsigned i = 0; i < r->desc->nr_fields && n < len; i++) {
		const struct vtd_field_desc *fd = &r->desc->fields[i];

		if (fd->kind == VF_FLAG && terse && !vtd_field_get(fd, r->val))
			continue;
		vtd_field_format(fd, r->val, v, sizeof(v));
		n += snprintf(buf + n, len - n, fd->kind == VF_FLAG ? " %s%s" : " %s=%s",
			      fd->name, v);
	}
}

static char reg_mark(const struct watch *w, const struct vtd_reg_value *r)
{
	char m = mark_get(&w->marks, MK_REG, r->off, 0);

	if (m == ' ' && r->desc->width == 64)
		m = mark_get(&w->marks, MK_REG, r->off + 4, 0);
	return m;
}

void regs_draw(struct view *v, const struct watch *w)
{
	struct vtd_reg_value regs[VTD_REGFILE_MAX / 8 + 8];
	struct ui_list *l = &v->lists[ST_REGS];
	char fields[UI_ROW_MAX];
	unsigned n;

	ui_title(&v->frame, "Registers at 0x%" PRIx64 " (%u bytes, read every refresh; changed ones highlighted)",
		 w->rf->base, w->rf->len);
	list_begin(l);
	if (!w->rf->valid) {
		list_end(l);
		body_note(&v->frame, "no registers: this target is a memory dump");
		return;
	}
	col_header(&v->frame, "NAME      OFF    VALUE               FIELDS");
	n = vtd_list_regs(w->rf, regs, sizeof(regs) / sizeof(regs[0]));
	for (unsigned i = 0; i < n; i++) {
		reg_fields(&regs[i], fields, sizeof(fields));
		list_add(l, regs[i].off, UC_DEFAULT, reg_mark(w, &regs[i]),
			 regs[i].desc->width == 32 ? "%-9s 0x%03x  0x%08" PRIx64 "         %s" :
			 "%-9s 0x%03x  0x%016" PRIx64 " %s",
			 regs[i].name, regs[i].off, regs[i].val, fields);
	}
	list_end(l);
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

/* --- faults ------------------------------------------------------------------- */

void faults_draw(struct view *v, const struct watch *w)
{
	const struct vtd_faults *x = w->faults;
	const struct vtd_fsts *s = &x->fsts;
	struct ui_list *l = &v->lists[ST_FAULTS];
	char bdf[8];

	list_begin(l);
	if (!x->valid) {
		ui_title(&v->frame, "Faults");
		list_end(l);
		body_note(&v->frame, "no fault registers: this target is a memory dump");
		return;
	}
	ui_title(&v->frame, "Faults: FSTS 0x%08x%s%s%s%s%s FRI %u  %u pending of %u records",
		 s->raw, s->ppf ? " PPF" : "", s->pfo ? " PFO" : "",
		 s->iqe ? " IQE" : "", s->ice ? " ICE" : "", s->ite ? " ITE" : "",
		 s->fri, x->nr_pending, x->nfr);
	col_header(&v->frame, "REC  BDF      TYPE   ADDRESS             PASID   REASON");
	for (unsigned i = 0; i < x->nr_pending; i++) {
		const struct vtd_fault_rec *r = &x->recs[i];
		char pasid[16] = "-";

		bdf_str(bdf, r->sid >> 8, r->sid & 0xff);
		if (r->pp)
			snprintf(pasid, sizeof(pasid), "%u", r->pasid);
		list_add(l, r->index, UC_ERROR, mark_get(&w->marks, MK_FAULT, r->index, 0),
			 "%3u  %-8s %-6s 0x%016" PRIx64 "  %-7s 0x%02x %s", r->index, bdf,
			 r->read ? "read" : "write",
			 vtd_fault_is_ir(r->fr) ? r->addr >> 48 : r->addr, pasid,
			 r->fr, vtd_fault_reason_str(r->fr));
	}
	list_end(l);
	if (!l->n && !l->hidden)
		body_note(&v->frame, "no pending fault");
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

/* --- invalidation queue ---------------------------------------------------- */

static void iq_row(const struct watch *w, struct ui_list *l,
		   const struct vtd_iq_entry *e)
{
	const struct vtd_inv_desc *d = &e->d;
	const char *name = vtd_inv_type_name(d->type);
	char gbuf[24], what[128] = "", bdf[8];
	const char *gran = vtd_inv_gran_name(d, gbuf, sizeof(gbuf));
	bool pc = d->type == VTD_INV_PC;
	char mark = mark_get(&w->marks, MK_IQ, e->index, 0);

	bdf_str(bdf, d->sid >> 8, d->sid & 0xff);
	if (d->type == VTD_INV_PC || d->type == VTD_INV_P_IOTLB)
		snprintf(what, sizeof(what), "did=%u pasid=%u", d->did, d->pasid);
	else if (d->type == VTD_INV_CC)
		snprintf(what, sizeof(what), "did=%u sid=%s", d->did, bdf);
	else if (d->type == VTD_INV_IOTLB)
		snprintf(what, sizeof(what), "did=%u addr=0x%" PRIx64 " am=%u",
			 d->did, d->addr, d->am);
	else if (d->type == VTD_INV_WAIT)
		snprintf(what, sizeof(what), "status 0x%x -> 0x%" PRIx64 "%s",
			 d->status_data, d->status_addr, d->iflag ? " IF" : "");
	list_add(l, e->index, pc ? UC_CHANGED : UC_DEFAULT, mark,
		 "%5u %c %-10s %-16s %-40s 0x%016" PRIx64 " 0x%016" PRIx64,
		 e->index, pc ? '*' : ' ', name ? name : "unknown",
		 gran ? gran : "", what, d->raw[0], d->raw[1]);
}

void iq_draw(struct view *v, const struct watch *w)
{
	const struct vtd_iq *q = &w->iq;
	struct ui_list *l = &v->lists[ST_IQ];

	list_begin(l);
	if (!w->have_iq || !q->enabled) {
		ui_title(&v->frame, "Invalidation queue");
		list_end(l);
		body_note(&v->frame,
			  !w->rf->valid ? "not available: this target has no registers" :
			  !w->have_iq ? "not read yet" :
			  "queued invalidation is off (GSTS.QIES clear)");
		return;
	}
	ui_title(&v->frame, "Invalidation queue at 0x%" PRIx64 ": %u x %u-bit descriptors, head index %u, tail index %u, oldest first  (* PASID-cache, + new)",
		 q->base, q->size, q->desc_size * 8, q->head, q->tail);
	col_header(&v->frame, "INDEX   TYPE       GRANULARITY      WHAT                                     QW0                QW1");
	for (size_t i = 0; i < q->nr_entries; i++)	/* oldest first, as `iq` */
		iq_row(w, l, &q->entries[i]);
	list_end(l);
	if (!q->read_ok)
		body_note(&v->frame, "the queue is not in guest RAM (see findings)");
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

/* --- findings --------------------------------------------------------------- */

static const char *const findings_sorts[] = { "walk", "severity", "code", NULL };

void findings_draw(struct view *v, const struct watch *w)
{
	struct ui_list *l = &v->lists[ST_FINDINGS];
	char bdf[8], pasid[16];
	struct ui_row *r;

	l->sort_names = findings_sorts;
	ui_title(&v->frame, "Findings (the rules of `check`)");
	col_header(&v->frame, "SEVERITY CODE                       BDF      PASID    MESSAGE");
	list_begin(l);
	for (size_t i = 0; w->have_model && i < w->cur->nr_findings; i++) {
		const struct vtd_finding *f = &w->cur->findings[i];

		if (f->bus == VTD_NO_BDF)
			snprintf(bdf, sizeof(bdf), "-");
		else
			bdf_str(bdf, f->bus, f->devfn);
		snprintf(pasid, sizeof(pasid), f->pasid == VTD_NO_PASID ? "-" : "%" PRId64,
			 f->pasid);
		r = list_add(l, (int64_t)i, f->sev == VTD_SEV_ERROR ? UC_ERROR :
			     f->sev == VTD_SEV_WARNING ? UC_WARN : UC_DEFAULT,
			     mark_get(&w->marks, MK_FINDING, (int64_t)i, 0), "%-8s %-26s %-8s %-8s %s",
			     vtd_severity_name(f->sev), f->code, bdf, pasid, f->message);
		if (r) {
			r->sk[1] = -(int64_t)f->sev;
			r->sk[2] = (unsigned char)f->code[0] << 8 | (unsigned char)f->code[1];
		}
	}
	list_end(l);
	if (w->have_model && !l->n && !l->hidden)
		body_note(&v->frame, "no finding");
	list_draw(&v->frame, l, v->frame.body_top + 1, v->frame.body_bottom,
		  true);
}

/* --- event log -------------------------------------------------------------- */

void events_draw(struct view *v, const struct watch *w)
{
	struct ui_list *l = &v->lists[ST_EVENTS];
	const struct ui_event *e;
	char t[16];

	ui_title(&v->frame, "Event log, newest first (%u kept)", event_count(&w->log));
	list_begin(l);
	for (unsigned i = 0; (e = event_get(&w->log, i)); i++) {
		event_time(e, t, sizeof(t));
		list_add(l, e->seq, e->col, ' ', "%s  %s", t, e->text);
	}
	list_end(l);
	list_draw(&v->frame, l, v->frame.body_top, v->frame.body_bottom,
		  true);
}

/* --- help ------------------------------------------------------------------------ */

static const char *const help_lines[] = {
	"Panes",
	"  d        devices (Enter opens one: its context entry and PASIDs)",
	"  r        registers, read every refresh",
	"  f        fault status and pending fault records",
	"  i        invalidation queue, oldest first as in `iq` (* PASID-cache)",
	"  c        findings (the rules of `check`)",
	"  l        event log with timestamps",
	"  Tab      next pane",
	"Moving",
	"  Up/Down k/j, PgUp/PgDn, Home/End g/G",
	"  Enter    open: device -> its PASIDs -> one entry decoded field by field",
	"  Backspace, h, Esc   back",
	"  Left/Right  scroll the pane sideways by half a screen (as in less)",
	"  /        filter the rows of this pane (Enter keeps it, Esc clears it)",
	"  x        xlate: walk an IOVA (hex) on the selected device or PASID",
	"  s        next sort order of this pane",
	"Refresh",
	"  p        pause / resume",
	"  S        save a snapshot: vtdctl-DATE-TIME.snap in the current directory",
	"  E        save the event log: vtdctl-events-DATE-TIME.log",
	"  + / -    refresh interval longer / shorter",
	"  Ctrl-L   redraw the screen",
	"  q        quit",
	"Replay (watch --trace=FILE)",
	"  .  ,     next / previous sample of the recording",
	"  ]  [     next / previous sample where a fault or a finding appeared",
	"  p        play / stop, at the recorded pace times the speed",
	"  > <      faster / slower (+ and - too): 1x 2x 5x 10x 30x 60x 300x",
	"  The status line shows the sample's recorded time (UTC), the time since the",
	"  recording began and the sample's number; the event log shows what changed.",
	"Marks",
	"  +  new since a recent refresh      ~  changed      !  pending fault",
	"  Marks stay for three refreshes (at least 4 s); every change is in the event log.",
	"Refresh",
	"  Registers are read every tick in one block read; the tables are walked again when",
	"  GSTS, RTADDR, FSTS, CCMD or a fault record change, when the invalidation queue gains",
	"  a context- or PASID-cache descriptor, and every 5th tick in any case.",
	"  A lost connection is retried with backoff; the last picture stays on screen.",
	NULL,
};

void help_draw(struct view *v, const struct watch *w)
{
	struct ui_list *l = &v->lists[ST_HELP];

	ui_title(&v->frame, "Help (Backspace, Esc or ? to go back)");
	list_begin(l);
	for (unsigned i = 0; help_lines[i]; i++)
		list_add(l, i, help_lines[i][0] == ' ' ? UC_DEFAULT : UC_TITLE, ' ',
			 "%s", help_lines[i]);
	list_end(l);
	list_draw(&v->frame, l, v->frame.body_top, v->frame.body_bottom,
		  false);
}
