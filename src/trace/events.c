// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the events between two samples of a recording: what the guest
 * changed in its tables and registers (from the two models), what QEMU
 * built or dropped (the host side), the invalidation descriptors the queue
 * took and the fault records that appeared (from the two states).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/diff.h"
#include "model/host.h"
#include "trace/trace.h"
#include "vtd/faultreason.h"
#include "vtd/regdesc.h"
#include "walker/iq.h"

struct derive {
	const struct trace_sample *a, *b;
	struct trace_events *out;
};

static struct trace_event *add(struct derive *d, enum trace_event_kind k,
			       int bus, int devfn, int64_t pasid)
{
	struct trace_event *ev = trace_events_add(d->out, d->b->t_ms, k);

	if (ev) {
		ev->bus = bus;
		ev->devfn = devfn;
		ev->pasid = pasid;
	}
	return ev;
}

static void words(struct trace_event *ev, const uint64_t *old,
		  const uint64_t *new_, unsigned n)
{
	static const uint64_t zero[4];

	ev->nr_words = n;
	memcpy(ev->old, old ? old : zero, n * sizeof(uint64_t));
	memcpy(ev->new_, new_ ? new_ : zero, n * sizeof(uint64_t));
}

static const uint64_t *ctx_raw(const struct vtd_device *d)
{
	return d->scalable ? d->ctx.sm.raw : d->ctx.leg.raw;
}

static void on_device(void *ctx, const struct vtd_device *a,
		      const struct vtd_device *b)
{
	struct derive *d = ctx;
	const struct vtd_device *x = b ? b : a;
	enum trace_event_kind k;
	struct trace_event *ev;
	unsigned n;

	if (!x)
		return;
	n = x->scalable ? 4 : 2;
	if (a && b && a->scalable == b->scalable &&
	    !memcmp(ctx_raw(a), ctx_raw(b), n * sizeof(uint64_t)))
		return;
	k = !a ? TEV_CONTEXT_ADD : !b ? TEV_CONTEXT_REMOVE : TEV_CONTEXT_CHANGE;
	ev = add(d, k, x->bus, x->devfn, TRACE_NO_PASID);
	if (!ev)
		return;
	if (a && b && a->scalable != b->scalable)
		n = 2;
	words(ev, a ? ctx_raw(a) : NULL, b ? ctx_raw(b) : NULL, n);
	snprintf(ev->text, sizeof(ev->text), "context entry %02x:%02x.%x %s",
		 x->bus, x->devfn >> 3, x->devfn & 7,
		 k == TEV_CONTEXT_ADD ? "present" : k == TEV_CONTEXT_REMOVE ?
		 "not present" : "changed");
}

/* The seed patch's cases: a present -> not present, b present -> present
 * (changed), c not present -> present */
static void on_pasid(void *ctx, const struct vtd_device *da,
		     const struct vtd_device *db, const struct vtd_pasid_rec *a,
		     const struct vtd_pasid_rec *b)
{
	struct derive *d = ctx;
	const struct vtd_pasid_rec *x = b ? b : a;
	const struct vtd_device *dev = db ? db : da;
	enum trace_event_kind k;
	struct trace_event *ev;
	struct vtd_pasid_entry e;
	char pgtt[24];

	if (!x || !dev)
		return;
	if (a && b && !memcmp(a->raw, b->raw, sizeof(a->raw)))
		return;
	k = !a ? TEV_PASID_ADD : !b ? TEV_PASID_REMOVE : TEV_PASID_CHANGE;
	ev = add(d, k, dev->bus, dev->devfn, x->pasid);
	if (!ev)
		return;
	vtd_pasid_decode(x, &e);
	ev->pasid_case = k == TEV_PASID_ADD ? 'c' : k == TEV_PASID_REMOVE ? 'a' : 'b';
	/* the first four words hold every field vtdctl decodes */
	words(ev, a ? a->raw : NULL, b ? b->raw : NULL, 4);
	snprintf(ev->text, sizeof(ev->text),
		 "pasid %02x:%02x.%x %u %s (case %c): did=%u pgtt=%s",
		 dev->bus, dev->devfn >> 3, dev->devfn & 7, x->pasid,
		 k == TEV_PASID_ADD ? "present" : k == TEV_PASID_REMOVE ?
		 "not present" : "changed", ev->pasid_case, e.did,
		 vtd_pgtt_name(e.pgtt, pgtt, sizeof(pgtt)));
}

static void on_finding(void *ctx, bool added, const struct vtd_finding *f,
		       size_t index)
{
	struct derive *d = ctx;
	struct trace_event *ev = add(d, added ? TEV_FINDING_ADD : TEV_FINDING_REMOVE,
				     f->bus, f->devfn, f->pasid);

	(void)index;
	if (!ev)
		return;
	snprintf(ev->code, sizeof(ev->code), "%s", f->code);
	snprintf(ev->text, sizeof(ev->text), "%s %s: %s", added ? "+" : "-",
		 vtd_severity_name(f->sev), f->message);
}

/* Registers but the fault recording ones (those are faults, below) */
static void diff_registers(struct derive *d)
{
	static struct vtd_reg_value va[256], vb[256];
	const struct vtd_regfile *ra = &d->a->m->rf, *rb = &d->b->m->rf;
	unsigned na, nb;

	if (!ra->valid || !rb->valid)
		return;
	na = vtd_list_regs(ra, va, 256);
	nb = vtd_list_regs(rb, vb, 256);
	for (unsigned i = 0; i < nb; i++) {
		struct trace_event *ev;
		const struct vtd_reg_value *old = NULL;

		if (!strncmp(vb[i].name, "FRCD", 4))
			continue;
		for (unsigned k = 0; k < na && !old; k++)
			if (va[k].off == vb[i].off && va[k].desc == vb[i].desc)
				old = &va[k];
		if (!old || old->val == vb[i].val)
			continue;
		ev = add(d, TEV_REG, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
		if (!ev)
			return;
		words(ev, &old->val, &vb[i].val, 1);
		snprintf(ev->code, sizeof(ev->code), "%s", vb[i].name);
		snprintf(ev->text, sizeof(ev->text), "register %s (0x%x): 0x%" PRIx64 " -> 0x%" PRIx64,
			 vb[i].name, vb[i].off, old->val, vb[i].val);
	}
}

static bool same_fault(const struct vtd_fault_rec *x, const struct vtd_fault_rec *y)
{
	return x->index == y->index && x->raw[0] == y->raw[0] && x->raw[1] == y->raw[1];
}

static void diff_faults(struct derive *d)
{
	const struct vtd_faults *fa = &d->a->m->faults, *fb = &d->b->m->faults;

	for (unsigned i = 0; fb->valid && i < fb->nr_pending; i++) {
		const struct vtd_fault_rec *r = &fb->recs[i];
		struct trace_event *ev;
		bool seen = false;

		for (unsigned k = 0; fa->valid && k < fa->nr_pending && !seen; k++)
			seen = same_fault(&fa->recs[k], r);
		if (seen)
			continue;
		ev = add(d, TEV_FAULT, r->sid >> 8, r->sid & 0xff,
			 r->pp ? (int64_t)r->pasid : TRACE_NO_PASID);
		if (!ev)
			return;
		words(ev, NULL, r->raw, 2);
		ev->count = r->index;
		snprintf(ev->code, sizeof(ev->code), "%s", vtd_fault_reason_name(r->fr));
		snprintf(ev->text, sizeof(ev->text), "fault record %u: %s at 0x%" PRIx64 ": reason 0x%x (%s)",
			 r->index, r->read ? "read" : "write", r->addr, r->fr,
			 vtd_fault_reason_str(r->fr));
	}
}

/* --- host side ----------------------------------------------------------- */

static bool has_as(const struct vtd_host *h, const struct host_as *x)
{
	for (size_t i = 0; i < h->nr_as; i++)
		if (h->as[i].bus == x->bus && h->as[i].devfn == x->devfn &&
		    h->as[i].pasid == x->pasid)
			return true;
	return false;
}

static void diff_as_one_way(struct derive *d, const struct vtd_host *from,
			    const struct vtd_host *to, enum trace_event_kind k)
{
	for (size_t i = 0; i < from->nr_as; i++) {
		const struct host_as *x = &from->as[i];
		struct trace_event *ev;

		if (has_as(to, x))
			continue;
		ev = add(d, k, x->bus == HOST_NO_BUS ? TRACE_NO_BDF : x->bus,
			 x->bus == HOST_NO_BUS ? TRACE_NO_BDF : x->devfn,
			 x->pasid == HOST_NO_PASID ? TRACE_NO_PASID : x->pasid);
		if (!ev)
			return;
		char suffix[32] = "";

		if (x->pasid != HOST_NO_PASID)
			snprintf(suffix, sizeof(suffix), "-pasid-%" PRIx64, x->pasid);
		snprintf(ev->text, sizeof(ev->text), "QEMU %s the address space vtd-%02x.%x%s",
			 k == TEV_AS_ADD ? "built" : "dropped", x->devfn >> 3, x->devfn & 7,
			 suffix);
	}
}

static bool bound(const struct host_vfio *v)
{
	return v->binding == HOST_YES;
}

static void diff_bindings(struct derive *d, const struct vtd_host *ha,
			  const struct vtd_host *hb)
{
	for (int way = 0; way < 2; way++) {
		const struct vtd_host *from = way ? ha : hb, *to = way ? hb : ha;

		for (size_t i = 0; i < from->nr_vfio; i++) {
			const struct host_vfio *v = &from->vfio[i];
			struct trace_event *ev;
			bool other = false;

			if (!bound(v))
				continue;
			for (size_t k = 0; k < to->nr_vfio && !other; k++)
				other = !strcmp(to->vfio[k].qom_path, v->qom_path) &&
					bound(&to->vfio[k]);
			if (other)
				continue;
			ev = add(d, way ? TEV_BIND_REMOVE : TEV_BIND_ADD,
				 v->bus == HOST_NO_BUS || v->devfn < 0 ? TRACE_NO_BDF : v->bus,
				 v->bus == HOST_NO_BUS || v->devfn < 0 ? TRACE_NO_BDF : v->devfn,
				 TRACE_NO_PASID);
			if (!ev)
				return;
			snprintf(ev->text, sizeof(ev->text), "vfio-pci %s (%s) %s",
				 v->qom_path, v->host_bdf, way ? "unbound" : "bound");
		}
	}
}

static void diff_host(struct derive *d)
{
	const struct vtd_host *ha = d->a->m->host, *hb = d->b->m->host;

	if (!ha || !hb)
		return;
	if (ha->mtree_ok && hb->mtree_ok) {
		diff_as_one_way(d, hb, ha, TEV_AS_ADD);
		diff_as_one_way(d, ha, hb, TEV_AS_REMOVE);
	}
	if (ha->vfio_known && hb->vfio_known)
		diff_bindings(d, ha, hb);
}

/* --- the invalidation queue --------------------------------------------- */

struct ring {
	uint64_t base;
	uint32_t bytes, size, desc, tail;
};

static uint64_t reg(const struct vtd_snapshot *s, uint32_t off)
{
	return s->reg_valid[off / 8] ? s->regs[off / 8] : 0;
}

/* The queue's geometry as the walker reads it (IQA, IQT, the DW QEMU 7.2
 * hides inferred from the ring q), from the newer state */
static bool ring_of(const struct vtd_snapshot *s, uint8_t *q, size_t max,
		    struct ring *r)
{
	struct vtd_model scratch;
	struct vtd_iq_regs regs;
	struct vtd_iq iq;
	bool ok;

	if (!s->have_regs || !s->reg_valid[VTD_REG_IQA / 8] ||
	    !s->reg_valid[VTD_REG_IQT / 8])
		return false;
	memset(&scratch, 0, sizeof(scratch));
	memset(&regs, 0, sizeof(regs));
	regs.iqa = reg(s, VTD_REG_IQA);
	regs.iqt = reg(s, VTD_REG_IQT);
	regs.iqh = reg(s, VTD_REG_IQH);
	regs.ecap = reg(s, 0x10);
	regs.gsts = (uint32_t)(reg(s, 0x18) >> 32);
	vtd_iq_geometry(&regs, &iq, &scratch);
	ok = iq.enabled && iq.base && iq.bytes <= max &&
	     !snapshot_read(s, iq.base, q, iq.bytes, NULL) &&
	     !vtd_iq_decode(&iq, q, 0, &scratch) && iq.size;
	r->base = iq.base;
	r->bytes = iq.bytes;
	r->size = iq.size;
	r->desc = iq.desc_size;
	r->tail = iq.tail;
	vtd_iq_free(&iq);
	vtd_model_free(&scratch);
	return ok && r->tail < r->size;
}

static void add_descriptor(struct derive *d, const uint8_t *q,
			   const struct ring *r, uint32_t slot)
{
	uint64_t raw[4] = { 0 };
	struct vtd_inv_desc desc;
	struct trace_event *ev;
	const char *name, *g;
	char gran[24];

	for (unsigned w = 0; w < r->desc / 8; w++)
		for (int b = 7; b >= 0; b--)
			raw[w] = raw[w] << 8 | q[slot * r->desc + 8 * w + b];
	vtd_decode_inv_desc(raw, r->desc / 8, &desc);
	ev = add(d, TEV_INV_DESC, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
	if (!ev)
		return;
	words(ev, NULL, raw, r->desc / 8);
	ev->count = slot;
	name = vtd_inv_type_name(desc.type);
	g = vtd_inv_gran_name(&desc, gran, sizeof(gran));
	snprintf(ev->code, sizeof(ev->code), "%s", name ? name : "unknown");
	snprintf(ev->text, sizeof(ev->text), "invalidation [%u] %s%s%s did=%u", slot,
		 name ? name : "unknown", g ? " " : "", g ? g : "", desc.did);
}

/*
 * The guest writes slots in order from the tail. The slot just behind the
 * old tail (the last descriptor seen before) is written again only after
 * the queue went around: when it holds other bytes, at least a whole lap
 * was not seen. (Slots right after the new tail may hold descriptors being
 * written but not submitted yet when the ring was read: not a sign.)
 */
static bool wrapped(const uint8_t *qa, const uint8_t *qb, const struct ring *r,
		    uint32_t old_tail)
{
	uint32_t s = (old_tail + r->size - 1) % r->size;

	return memcmp(qa + s * r->desc, qb + s * r->desc, r->desc) != 0;
}

static void diff_queue(struct derive *d)
{
	static uint8_t qa[4096u << 7], qb[4096u << 7];
	const struct vtd_snapshot *sa = d->a->snap;
	struct trace_event *ev;
	struct ring rb;
	uint32_t old_tail;

	if (!ring_of(d->b->snap, qb, sizeof(qb), &rb) ||
	    !sa->reg_valid[VTD_REG_IQA / 8] || !sa->reg_valid[VTD_REG_IQT / 8] ||
	    (reg(sa, VTD_REG_IQA) & ~0xfffULL) != rb.base ||
	    (4096u << (reg(sa, VTD_REG_IQA) & VTD_IQA_QS_MASK)) != rb.bytes)
		return;
	old_tail = (uint32_t)((reg(sa, VTD_REG_IQT) & 0x7fff0) / rb.desc);
	if (old_tail >= rb.size)
		return;
	if (snapshot_read(sa, rb.base, qa, rb.bytes, NULL))
		memcpy(qa, qb, rb.bytes);	/* not read before: no wrap seen */
	if (wrapped(qa, qb, &rb, old_tail)) {
		ev = add(d, TEV_IQ_LOST, TRACE_NO_BDF, TRACE_NO_BDF, TRACE_NO_PASID);
		if (ev) {
			ev->count = rb.size;
			snprintf(ev->text, sizeof(ev->text),
				 "the invalidation queue went around between two reads: at least %u descriptors were not seen",
				 rb.size);
		}
	}
	for (uint32_t s = old_tail; s != rb.tail; s = (s + 1) % rb.size)
		add_descriptor(d, qb, &rb, s);
}

int trace_derive_events(const struct trace_sample *a,
			const struct trace_sample *b, struct trace_events *out)
{
	struct derive d = { a, b, out };
	struct vtd_model_diff_cb cb = { on_device, on_pasid, on_finding, &d };

	diff_registers(&d);
	if (vtd_model_diff(a->m, b->m, &cb))
		return -ENOMEM;
	diff_host(&d);
	diff_queue(&d);
	diff_faults(&d);
	return 0;
}

/* The unit as a reset leaves it: translation off, no root table */
static bool at_reset(const struct vtd_model *m)
{
	return m->regs.valid && !(m->regs.gsts & (1u << 31)) && !m->regs.rtaddr;
}

bool trace_restarted(const struct trace_sample *a, const struct trace_sample *b,
		     char *why, size_t len)
{
	const struct vtd_host *ha = a->m->host, *hb = b->m->host;
	int pa = a->pid ? a->pid : ha ? ha->pid : 0;
	int pb = b->pid ? b->pid : hb ? hb->pid : 0;

	if (pa > 0 && pb > 0 && pa != pb) {
		snprintf(why, len, "QEMU's pid changed from %d to %d", pa, pb);
		return true;
	}
	if (!at_reset(a->m) && a->m->regs.valid && at_reset(b->m)) {
		snprintf(why, len, "the unit is back in its reset state (translation off, RTADDR 0)");
		return true;
	}
	return false;
}
