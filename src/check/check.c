// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the rules of `vtdctl check` that look across entries or at the
 * host side. Each rule is one function with stable finding codes.
 *
 * What QEMU does (hw/i386/intel_iommu.c, 7.2 and 10.0): one VTDAddressSpace
 * per PCI device, made when the device is realized; one per (device, PASID)
 * made lazily on the first DMA with that PASID for an emulated device, and on
 * PASID-cache invalidation for a device backed by a host IOMMU (the seed
 * patch). vtd_switch_address_space() enables the -dmar region, or the alias
 * of vtd-nodmar when DMA remapping is off (GSTS.TES clear) or the entry that
 * governs the address space is pass-through (legacy TT=2, scalable PGTT=4 in
 * the RID_PASID entry, or the PASID's own entry); it runs on TE changes and
 * on context-cache invalidations, so a changed entry without the
 * invalidation the spec requires leaves the old state behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "check/check.h"
#include "model/host.h"

static struct vtd_device *find_device(struct vtd_model *m, int bus, int devfn)
{
	for (size_t i = 0; i < m->nr_devices; i++)
		if (m->devices[i].bus == bus && m->devices[i].devfn == devfn)
			return &m->devices[i];
	return NULL;
}

static const struct vtd_pasid_rec *find_pasid(const struct vtd_device *d,
					      uint32_t pasid)
{
	for (size_t i = 0; d && i < d->nr_pasids; i++)
		if (d->pasids[i].pasid == pasid)
			return &d->pasids[i];
	return NULL;
}

/* A finding about a device also counts in its finding_count */
static void count(struct vtd_model *m, int bus, int devfn)
{
	struct vtd_device *d = find_device(m, bus, devfn);

	if (d)
		d->nr_findings++;
}

/* ---- one DID, one page-table root -------------------------------------- */

struct root_use {
	unsigned did;
	int64_t pasid;		/* -1: second stage (tagged by DID alone) */
	uint64_t root;
	int bus, devfn;
	int64_t at_pasid;	/* where it was seen (for the message) */
};

static int cmp_use(const void *a, const void *b)
{
	const struct root_use *x = a, *y = b;

	if (x->did != y->did)
		return x->did < y->did ? -1 : 1;
	if (x->pasid != y->pasid)
		return x->pasid < y->pasid ? -1 : 1;
	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return 0;
}

static int add_use(struct root_use **u, size_t *n, size_t *cap, struct root_use v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct root_use *nu = realloc(*u, nc * sizeof(**u));

		if (!nu)
			return -ENOMEM;
		*u = nu;
		*cap = nc;
	}
	(*u)[(*n)++] = v;
	return 0;
}

/* Every (DID, root) the tables use: second-stage roots are shared by all
 * users of a DID; first-stage ones by all users of a (DID, PASID). */
static int collect_uses(const struct vtd_model *m, struct root_use **u, size_t *n)
{
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < m->nr_devices && !rc; i++) {
		const struct vtd_device *d = &m->devices[i];

		if (!d->scalable) {
			if (d->ctx.leg.tt <= 1)
				rc = add_use(u, n, &cap, (struct root_use){ d->ctx.leg.did, -1,
					d->ctx.leg.slptptr, d->bus, d->devfn, -1 });
			continue;
		}
		for (size_t j = 0; j < d->nr_pasids && !rc; j++) {
			struct vtd_pasid_entry ent;
			const struct vtd_pasid_entry *e = vtd_pasid_decode(&d->pasids[j], &ent);
			int64_t p = d->pasids[j].pasid;

			if (e->pgtt == VTD_PGTT_SECOND || e->pgtt == VTD_PGTT_NESTED)
				rc = add_use(u, n, &cap, (struct root_use){ e->did, -1,
					e->slptptr, d->bus, d->devfn, p });
			if (!rc && (e->pgtt == VTD_PGTT_FIRST || e->pgtt == VTD_PGTT_NESTED))
				rc = add_use(u, n, &cap, (struct root_use){ e->did, p,
					e->flptptr, d->bus, d->devfn, p });
		}
	}
	return rc;
}

static void report_did(struct vtd_model *m, const struct root_use *a,
		       const struct root_use *b)
{
	vtd_add_finding(m, VTD_SEV_ERROR, "did_multiple_roots", b->bus, b->devfn,
			b->at_pasid, 0,
			"domain id %u uses %s-stage table 0x%" PRIx64 " here and 0x%" PRIx64
			" at %02x:%02x.%x%s: the IOTLB, tagged by domain id%s, mixes them",
			b->did, a->pasid < 0 ? "second" : "first", b->root, a->root,
			a->bus, a->devfn >> 3, a->devfn & 7,
			a->at_pasid >= 0 ? " (a PASID entry)" : "",
			a->pasid < 0 ? "" : " and PASID");
	count(m, b->bus, b->devfn);
}

int check_did_roots(struct vtd_model *m)
{
	struct root_use *u = NULL;
	size_t n = 0;
	int added = 0, rc = collect_uses(m, &u, &n);

	if (rc) {
		free(u);
		return rc;
	}
	if (n > 1)
		qsort(u, n, sizeof(*u), cmp_use);
	for (size_t i = 1; i < n; i++) {
		if (u[i].did != u[i - 1].did || u[i].pasid != u[i - 1].pasid ||
		    u[i].root == u[i - 1].root)
			continue;
		/* one finding per DID (and PASID): skip further roots of it */
		report_did(m, &u[i - 1], &u[i]);
		added++;
		while (i + 1 < n && u[i + 1].did == u[i].did && u[i + 1].pasid == u[i].pasid)
			i++;
	}
	free(u);
	return added;
}

/* ---- host rules --------------------------------------------------------- */

static bool host_known(const struct vtd_host *h)
{
	return h && h->mtree_ok;
}

int check_ctx_without_device(struct vtd_model *m, const struct vtd_host *h)
{
	int added = 0;

	for (size_t i = 0; host_known(h) && i < m->nr_devices; i++) {
		struct vtd_device *d = &m->devices[i];

		if (host_has_pcidev(h, d->bus, d->devfn) != HOST_NO)
			continue;
		vtd_add_finding(m, VTD_SEV_WARNING, "ctx_no_device", d->bus, d->devfn,
				VTD_NO_PASID, d->ctx_gpa,
				"present context entry, but QEMU has no such device");
		d->nr_findings++;
		added++;
	}
	return added;
}

enum as_state { AS_OK, AS_LAZY, AS_MISSING };

/* Per device, how many PASIDs without an address space get a finding each;
 * the rest share one (a guest may make 2^20 PASIDs present). */
static const unsigned as_report_cap[] = { [AS_LAZY] = 16, [AS_MISSING] = 256 };

/* A present PASID other than RID_PASID: does QEMU have its address space? */
static enum as_state pasid_as_state(const struct vtd_device *d,
				    const struct vtd_pasid_rec *p,
				    const struct vtd_host *h)
{
	if (host_has_as(h, d->bus, d->devfn, p->pasid) != HOST_NO ||
	    host_has_pcidev(h, d->bus, d->devfn) != HOST_YES)
		return AS_OK;
	return host_find_vfio(h, d->bus, d->devfn) ? AS_MISSING : AS_LAZY;
}

static void report_pasid_as(struct vtd_model *m, struct vtd_device *d,
			    const struct vtd_pasid_rec *p, enum as_state st)
{
	if (st == AS_MISSING)
		vtd_add_finding(m, VTD_SEV_ERROR, "host_pasid_missing", d->bus, d->devfn,
				p->pasid, p->gpa,
				"not bound to the host: QEMU has no address space for this present PASID of a vfio device");
	else
		vtd_add_finding(m, VTD_SEV_INFO, "host_pasid_lazy", d->bus, d->devfn,
				p->pasid, p->gpa,
				"no address space until first DMA (emulated device)");
	d->nr_findings++;
}

/* The PASIDs past the cap: one finding for all of them. */
static void report_more(struct vtd_model *m, struct vtd_device *d,
			enum as_state st, size_t more)
{
	vtd_add_finding(m, st == AS_MISSING ? VTD_SEV_ERROR : VTD_SEV_INFO,
			st == AS_MISSING ? "host_pasid_missing" : "host_pasid_lazy",
			d->bus, d->devfn, VTD_NO_PASID, 0,
			"and %zu more present PASID entries of this device likewise", more);
	d->nr_findings++;
}

int check_pasid_address_spaces(struct vtd_model *m, const struct vtd_host *h)
{
	int added = 0;

	for (size_t i = 0; host_known(h) && i < m->nr_devices; i++) {
		struct vtd_device *d = &m->devices[i];
		size_t n[3] = { 0 };

		for (size_t j = 0; j < d->nr_pasids; j++) {
			const struct vtd_pasid_rec *p = &d->pasids[j];
			enum as_state st;

			if (host_as_pasid_for(d, p->pasid) == HOST_NO_PASID)
				continue;
			st = pasid_as_state(d, p, h);
			if (st != AS_OK && ++n[st] <= as_report_cap[st]) {
				report_pasid_as(m, d, p, st);
				added++;
			}
		}
		for (enum as_state st = AS_LAZY; st <= AS_MISSING; st++) {
			if (n[st] > as_report_cap[st]) {
				report_more(m, d, st, n[st] - as_report_cap[st]);
				added++;
			}
		}
	}
	return added;
}

int check_host_binding(struct vtd_model *m, const struct vtd_host *h)
{
	int added = 0;

	for (size_t i = 0; h && i < h->nr_vfio; i++) {
		const struct host_vfio *v = &h->vfio[i];
		struct vtd_device *d;

		if (v->binding != HOST_NO || v->bus == HOST_NO_BUS || v->devfn < 0)
			continue;
		d = find_device(m, v->bus, v->devfn);
		if (!d)
			continue;	/* the guest does not use it */
		vtd_add_finding(m, VTD_SEV_ERROR, "host_not_bound", d->bus, d->devfn,
				VTD_NO_PASID, d->ctx_gpa,
				"vfio device %s has a present context entry but no binding in the host kernel: %s",
				v->host_bdf, v->binding_why);
		d->nr_findings++;
		added++;
	}
	return added;
}

int check_leftover_pasids(struct vtd_model *m, const struct vtd_host *h)
{
	int added = 0;

	for (size_t i = 0; host_known(h) && i < h->nr_as; i++) {
		const struct host_as *a = &h->as[i];
		struct vtd_device *d;
		bool vfio;

		if (a->pasid == HOST_NO_PASID || a->bus == HOST_NO_BUS)
			continue;
		d = find_device(m, a->bus, a->devfn);
		if (find_pasid(d, (uint32_t)a->pasid))
			continue;
		vfio = host_find_vfio(h, a->bus, a->devfn) != NULL;
		vtd_add_finding(m, vfio ? VTD_SEV_ERROR : VTD_SEV_INFO, "host_pasid_leftover",
				a->bus, a->devfn, a->pasid, 0,
				vfio ? "PASID not present, but QEMU keeps its address space (and host binding)" :
				"PASID not present, but QEMU keeps its address space (an emulated device: unused until its next DMA)");
		if (d)
			d->nr_findings++;
		added++;
	}
	return added;
}

/* What vtd_switch_address_space() would choose from the tables as they are */
static enum host_xlate expected_xlate(const struct vtd_model *m,
				      const struct vtd_device *d, int64_t pasid)
{
	const struct vtd_pasid_rec *p;
	struct vtd_pasid_entry e;

	if (!m->regs.valid)
		return HOST_XLATE_UNKNOWN;
	if (!(m->regs.gsts & VTD_GSTS_TES))
		return HOST_XLATE_NODMAR;
	if (!d)
		return HOST_XLATE_DMAR;	/* no context entry: translated, faults */
	if (!d->scalable)
		return d->ctx.leg.tt == 2 ? HOST_XLATE_NODMAR : HOST_XLATE_DMAR;
	p = find_pasid(d, pasid == HOST_NO_PASID ? d->ctx.sm.rid_pasid : (uint32_t)pasid);
	return p && vtd_pasid_decode(p, &e)->pgtt == VTD_PGTT_PT ? HOST_XLATE_NODMAR : HOST_XLATE_DMAR;
}

static void report_stale(struct vtd_model *m, const struct host_as *a,
			 enum host_xlate want)
{
	bool open = a->xlate == HOST_XLATE_NODMAR;

	vtd_add_finding(m, open ? VTD_SEV_ERROR : VTD_SEV_WARNING, "host_translation_stale",
			a->bus, a->devfn, a->pasid == HOST_NO_PASID ? VTD_NO_PASID : a->pasid, 0,
			"QEMU's address space is %s but the tables say %s: changed without the context/PASID-cache invalidation%s",
			open ? "nodmar (untranslated)" : "dmar (translated)",
			want == HOST_XLATE_NODMAR ? "pass-through or DMA remapping off" : "translated",
			open ? "; DMA bypasses translation" : "");
	count(m, a->bus, a->devfn);
}

int check_translation_state(struct vtd_model *m, const struct vtd_host *h)
{
	int added = 0;

	for (size_t i = 0; host_known(h) && i < h->nr_as; i++) {
		const struct host_as *a = &h->as[i];
		enum host_xlate want;

		if (a->bus == HOST_NO_BUS || a->xlate == HOST_XLATE_UNKNOWN)
			continue;
		want = expected_xlate(m, find_device(m, a->bus, a->devfn), a->pasid);
		if (want == HOST_XLATE_UNKNOWN || want == a->xlate)
			continue;
		report_stale(m, a, want);
		added++;
	}
	return added;
}

int vtd_check_run(struct vtd_model *m, const struct vtd_host *h)
{
	int rc, added = 0;
	int (*const host_rules[])(struct vtd_model *, const struct vtd_host *) = {
		check_ctx_without_device, check_pasid_address_spaces,
		check_host_binding, check_leftover_pasids, check_translation_state,
	};

	rc = check_did_roots(m);
	if (rc < 0)
		return rc;
	added += rc;
	if (!host_known(h)) {
		vtd_add_finding(m, VTD_SEV_INFO, "host_unknown", VTD_NO_BDF, VTD_NO_BDF,
				VTD_NO_PASID, 0, "host side not known from this source%s%s: host rules skipped",
				h && h->note[0] ? ": " : "", h && h->note[0] ? h->note : "");
		added++;
	}
	for (size_t i = 0; i < sizeof(host_rules) / sizeof(host_rules[0]); i++)
		added += host_rules[i](m, h);
	return added;
}
