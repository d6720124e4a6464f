// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of `vtdctl check` on models and host states built here by hand:
 * each case is one planted mismatch, and the expected code and severity come
 * from the rule's definition (README "Finding codes").
 */
#include <stdlib.h>

#include "check/check.h"
#include "vmm/host.h"
#include "pasid_enc.h"
#include "unit.h"

static struct vtd_device *sm_device(struct vtd_model *m, int bus, int devfn)
{
	struct vtd_device *d = vtd_add_device(m);

	d->bus = (uint8_t)bus;
	d->devfn = (uint8_t)devfn;
	d->scalable = true;
	d->ctx.sm.p = true;
	d->ctx.sm.rid_pasid = 0;
	return d;
}

static void add_pasid(struct vtd_device *d, uint32_t pasid, unsigned pgtt,
		      unsigned did, uint64_t root)
{
	struct vtd_pasid_rec *p = vtd_add_pasid(d);
	struct vtd_pasid_entry e = { .p = true, .pgtt = pgtt, .did = did };

	if (pgtt == VTD_PGTT_FIRST)
		e.flptptr = root;
	else
		e.slptptr = root;
	p->pasid = pasid;
	unit_encode_pasid(&e, p->raw);
}

static void model_init(struct vtd_model *m, bool tes)
{
	memset(m, 0, sizeof(*m));
	m->regs.valid = true;
	m->regs.gsts = tes ? VTD_GSTS_TES | VTD_GSTS_RTPS : 0;
}

static struct vtd_host *host_new(void)
{
	struct vtd_host *h = calloc(1, sizeof(*h));

	h->mtree_ok = true;
	h->vfio_known = true;
	return h;
}

static void host_add(struct vtd_host *h, int bus, int devfn, int64_t pasid,
		     enum host_xlate x)
{
	h->as = realloc(h->as, (h->nr_as + 1) * sizeof(*h->as));
	memset(&h->as[h->nr_as], 0, sizeof(h->as[0]));
	h->as[h->nr_as].bus = bus;
	h->as[h->nr_as].devfn = (uint8_t)devfn;
	h->as[h->nr_as].pasid = pasid;
	h->as[h->nr_as++].xlate = x;
	if (pasid != HOST_NO_PASID)
		return;
	h->pcidevs = realloc(h->pcidevs, (h->nr_pcidevs + 1) * sizeof(*h->pcidevs));
	memset(&h->pcidevs[h->nr_pcidevs], 0, sizeof(h->pcidevs[0]));
	h->pcidevs[h->nr_pcidevs].bus = bus;
	h->pcidevs[h->nr_pcidevs++].devfn = (uint8_t)devfn;
}

static void host_add_vfio(struct vtd_host *h, int bus, int devfn, enum host_tri binding)
{
	h->vfio = realloc(h->vfio, (h->nr_vfio + 1) * sizeof(*h->vfio));
	memset(&h->vfio[h->nr_vfio], 0, sizeof(h->vfio[0]));
	h->vfio[h->nr_vfio].bus = bus;
	h->vfio[h->nr_vfio].devfn = devfn;
	h->vfio[h->nr_vfio++].binding = binding;
}

/* The one finding with this code, or NULL */
static const struct vtd_finding *only(const struct vtd_model *m, const char *code)
{
	const struct vtd_finding *f = NULL;
	unsigned n = 0;

	for (size_t i = 0; i < m->nr_findings; i++)
		if (!strcmp(m->findings[i].code, code)) {
			f = &m->findings[i];
			n++;
		}
	return n == 1 ? f : NULL;
}

static void test_clean(void)
{
	struct vtd_model m;
	struct vtd_host *h = host_new();

	model_init(&m, true);
	add_pasid(sm_device(&m, 0, 0x18), 0, VTD_PGTT_SECOND, 1, 0x1000);
	add_pasid(sm_device(&m, 1, 0), 0, VTD_PGTT_SECOND, 1, 0x1000);	/* same DID, same root */
	host_add(h, 0, 0x18, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add(h, 1, 0, HOST_NO_PASID, HOST_XLATE_DMAR);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 0);
	CHECK(m.nr_findings == 0);
	vtd_model_free(&m);
}

static void test_seed_cases(void)
{
	struct vtd_model m;
	struct vtd_host *h = host_new();
	struct vtd_device *vf, *emu;
	const struct vtd_finding *f;

	model_init(&m, true);
	vf = sm_device(&m, 1, 0);
	add_pasid(vf, 0, VTD_PGTT_SECOND, 1, 0x1000);
	add_pasid(vf, 3, VTD_PGTT_FIRST, 1, 0x2000);	/* case c: no AS */
	emu = sm_device(&m, 0, 0x18);
	add_pasid(emu, 0, VTD_PGTT_SECOND, 2, 0x3000);
	add_pasid(emu, 7, VTD_PGTT_FIRST, 2, 0x4000);	/* lazy: info */
	host_add(h, 1, 0, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add(h, 0, 0x18, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add(h, 1, 0, 9, HOST_XLATE_DMAR);		/* case a: PASID 9 gone */
	host_add(h, 0, 0x18, 4, HOST_XLATE_DMAR);	/* leftover, emulated */
	host_add_vfio(h, 1, 0, HOST_YES);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 4);
	f = only(&m, "host_pasid_missing");
	CHECK(f && f->sev == VTD_SEV_ERROR && f->bus == 1 && f->pasid == 3);
	f = only(&m, "host_pasid_lazy");
	CHECK(f && f->sev == VTD_SEV_INFO && f->devfn == 0x18 && f->pasid == 7);
	CHECK(m.nr_findings == 4);
	for (size_t i = 0; i < m.nr_findings; i++) {
		f = &m.findings[i];
		if (strcmp(f->code, "host_pasid_leftover"))
			continue;
		CHECK((f->pasid == 9 && f->sev == VTD_SEV_ERROR) ||
		      (f->pasid == 4 && f->sev == VTD_SEV_INFO));
	}
	CHECK(vf->nr_findings == 2 && emu->nr_findings == 2);
	vtd_model_free(&m);
}

/* 40 PASIDs of an emulated device without address spaces: the first 16
 * get a finding each, the other 24 one together; a vfio device's 300
 * missing ones: 256 each, then one for the last 44. */
static void test_many_pasids_without_address_space(void)
{
	struct vtd_model m;
	struct vtd_host *h = host_new();
	struct vtd_device *emu, *vf;
	unsigned lazy = 0, missing = 0, lazy_more = 0, missing_more = 0;

	model_init(&m, true);
	vf = sm_device(&m, 1, 0);
	for (uint32_t p = 0; p <= 300; p++)
		add_pasid(vf, p, VTD_PGTT_FIRST, 1, 0x1000 + p * 0x1000);
	emu = sm_device(&m, 0, 0x18);
	for (uint32_t p = 0; p <= 40; p++)	/* PASID 0 is RID_PASID */
		add_pasid(emu, p, VTD_PGTT_SECOND, 2, 0x400000);
	host_add(h, 1, 0, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add(h, 0, 0x18, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add_vfio(h, 1, 0, HOST_YES);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 16 + 1 + 256 + 1);
	for (size_t i = 0; i < m.nr_findings; i++) {
		const struct vtd_finding *f = &m.findings[i];
		bool more = f->pasid == VTD_NO_PASID;

		if (!strcmp(f->code, "host_pasid_lazy")) {
			CHECK(f->sev == VTD_SEV_INFO && f->devfn == 0x18);
			lazy += !more;
			lazy_more += more && strstr(f->message, "and 24 more") != NULL;
		} else if (!strcmp(f->code, "host_pasid_missing")) {
			CHECK(f->sev == VTD_SEV_ERROR && f->bus == 1);
			missing += !more;
			missing_more += more && strstr(f->message, "and 44 more") != NULL;
		}
	}
	CHECK(lazy == 16 && lazy_more == 1);
	CHECK(missing == 256 && missing_more == 1);
	CHECK(emu->nr_findings == 17 && vf->nr_findings == 257);
	vtd_model_free(&m);
}

static void test_binding_and_missing_device(void)
{
	struct vtd_model m;
	struct vtd_host *h = host_new();
	const struct vtd_finding *f;

	model_init(&m, true);
	add_pasid(sm_device(&m, 1, 0), 0, VTD_PGTT_SECOND, 1, 0x1000);
	add_pasid(sm_device(&m, 0, 0x38), 0, VTD_PGTT_SECOND, 2, 0x2000);	/* no such device */
	host_add(h, 1, 0, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add_vfio(h, 1, 0, HOST_NO);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 2);
	f = only(&m, "host_not_bound");
	CHECK(f && f->sev == VTD_SEV_ERROR && f->bus == 1);
	f = only(&m, "ctx_no_device");
	CHECK(f && f->sev == VTD_SEV_WARNING && f->devfn == 0x38);
	vtd_model_free(&m);

	/* binding unknown: no finding (unknown is never "no") */
	model_init(&m, true);
	h = host_new();
	add_pasid(sm_device(&m, 1, 0), 0, VTD_PGTT_SECOND, 1, 0x1000);
	host_add(h, 1, 0, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add_vfio(h, 1, 0, HOST_UNKNOWN);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 0);
	vtd_model_free(&m);
}

static void test_translation_stale(void)
{
	struct vtd_model m;
	struct vtd_host *h = host_new();
	const struct vtd_finding *f;

	model_init(&m, true);
	add_pasid(sm_device(&m, 0, 0x18), 0, VTD_PGTT_PT, 1, 0);	/* PT, host dmar */
	add_pasid(sm_device(&m, 0, 0x20), 0, VTD_PGTT_SECOND, 2, 0x1000);	/* host nodmar */
	host_add(h, 0, 0x18, HOST_NO_PASID, HOST_XLATE_DMAR);
	host_add(h, 0, 0x20, HOST_NO_PASID, HOST_XLATE_NODMAR);
	host_add(h, 0, 0x28, HOST_NO_PASID, HOST_XLATE_DMAR);	/* no context: dmar is right */
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 2);
	for (size_t i = 0; i < m.nr_findings; i++) {
		f = &m.findings[i];
		CHECK(!strcmp(f->code, "host_translation_stale"));
		CHECK(f->sev == (f->devfn == 0x20 ? VTD_SEV_ERROR : VTD_SEV_WARNING));
	}
	vtd_model_free(&m);

	/* TE off: every address space must be nodmar */
	model_init(&m, false);
	h = host_new();
	host_add(h, 0, 0x18, HOST_NO_PASID, HOST_XLATE_DMAR);
	m.host = h;
	CHECK(vtd_check_run(&m, h) == 1 && only(&m, "host_translation_stale"));
	vtd_model_free(&m);
}

static void test_did_roots(void)
{
	struct vtd_model m;
	struct vtd_device *a, *b;
	const struct vtd_finding *f;

	model_init(&m, true);
	a = sm_device(&m, 0, 0x18);
	b = sm_device(&m, 0, 0x20);
	add_pasid(a, 0, VTD_PGTT_SECOND, 5, 0x1000);
	add_pasid(b, 0, VTD_PGTT_SECOND, 5, 0x2000);	/* collision */
	add_pasid(a, 1, VTD_PGTT_FIRST, 6, 0x3000);
	add_pasid(a, 2, VTD_PGTT_FIRST, 6, 0x4000);	/* other PASID: legal */
	add_pasid(b, 1, VTD_PGTT_FIRST, 6, 0x3000);	/* same PASID, same root */
	CHECK(check_did_roots(&m) == 1);
	f = only(&m, "did_multiple_roots");
	CHECK(f && f->sev == VTD_SEV_ERROR && f->pasid == 0);
	vtd_model_free(&m);
}

static void test_host_unknown(void)
{
	struct vtd_model m;

	model_init(&m, true);
	add_pasid(sm_device(&m, 0, 0x18), 3, VTD_PGTT_SECOND, 1, 0x1000);
	CHECK(vtd_check_run(&m, NULL) == 1);
	CHECK(only(&m, "host_unknown") && m.findings[0].sev == VTD_SEV_INFO);
	vtd_model_free(&m);
}

int main(void)
{
	test_clean();
	test_seed_cases();
	test_many_pasids_without_address_space();
	test_binding_and_missing_device();
	test_translation_stale();
	test_did_roots();
	test_host_unknown();
	return unit_summary();
}
