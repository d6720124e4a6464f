// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: JSON renderer. 64-bit values are "0x..." strings (JSON numbers lose
 * precision past 2^53); small integers are numbers; null means "not known
 * from this source". The keys are the contract in DESIGN.md and the README.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "host/host.h"
#include "output/output.h"
#include "source.h"

static struct json_object *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *hex_array(const uint64_t *v, unsigned n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, hex(v[i]));
	return a;
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	add(o, k, json_object_new_boolean(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	add(o, k, json_object_new_int64(v));
}

static const char *rtaddr_origin_name(enum vtd_rtaddr_origin o)
{
	switch (o) {
	case VTD_RTADDR_REGISTER: return "register";
	case VTD_RTADDR_USER:	  return "user";
	case VTD_RTADDR_SCAN:	  return "scan";
	case VTD_RTADDR_RECORDED: return "recorded";
	default:		  return "none";
	}
}

static struct json_object *json_source(const struct vtd_source *src,
				       const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();

	add(o, "kind", json_object_new_string(src->ops->kind));
	add(o, "target", json_object_new_string(src->target));
	add(o, "access", json_object_new_string(src->access ? src->access : ""));
	add(o, "vmm", vtd_vmm_json(&m->vmm));
	return o;
}

static struct json_object *json_iommu(const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();
	const struct vtd_regs *r = &m->regs;
	struct json_object *scan;

	add(o, "base", r->valid ? hex(m->mmio_base) : NULL);
	add(o, "ver", r->valid ? hex(r->ver) : NULL);
	add(o, "cap", r->valid ? hex(r->cap) : NULL);
	add(o, "ecap", r->valid ? hex(r->ecap) : NULL);
	add(o, "gsts", r->valid ? hex(r->gsts) : NULL);
	add(o, "rtaddr", m->rtaddr_origin == VTD_RTADDR_NONE ? NULL :
	    hex(m->rtaddr.raw));
	add(o, "rtaddr_origin",
	    json_object_new_string(rtaddr_origin_name(m->rtaddr_origin)));
	add(o, "mode", m->rtaddr_origin == VTD_RTADDR_NONE ? NULL :
	    json_object_new_string(vtd_mode_name(m->rtaddr.mode)));
	add(o, "translation_enabled", r->valid ?
	    json_object_new_boolean(r->gsts & VTD_GSTS_TES) : NULL);
	if (m->rtaddr_origin == VTD_RTADDR_SCAN) {
		scan = json_object_new_object();
		add_int(scan, "candidates", m->scan.candidates);
		add_int(scan, "score", m->scan.score);
		add_int(scan, "runner_up", m->scan.runner_up);
		add(scan, "confidence",
		    json_object_new_string(m->scan.confidence));
		add(o, "scan", scan);
	}
	return o;
}

static struct json_object *json_ctx_legacy(const struct vtd_ctx_legacy *c)
{
	struct json_object *o = json_object_new_object();

	add(o, "raw", hex_array(c->raw, 2));
	add_bool(o, "present", c->p);
	add_bool(o, "fpd", c->fpd);
	add_int(o, "tt", c->tt);
	add_int(o, "did", c->did);
	add_int(o, "aw", c->aw);
	add(o, "slptptr", hex(c->slptptr));
	return o;
}

static struct json_object *json_ctx_sm(const struct vtd_ctx_sm *c)
{
	struct json_object *o = json_object_new_object();

	add(o, "raw", hex_array(c->raw, 4));
	add_bool(o, "present", c->p);
	add_bool(o, "fpd", c->fpd);
	add_bool(o, "dte", c->dte);
	add_bool(o, "paside", c->paside);
	add_bool(o, "pre", c->pre);
	add_int(o, "pdts", c->pdts);
	add_int(o, "pasid_dir_entries", vtd_pdts_entries(c->pdts));
	add(o, "pasid_dir", hex(c->pasid_dir));
	add_int(o, "rid_pasid", c->rid_pasid);
	return o;
}

static struct json_object *json_pasid(const struct vtd_model *m,
				      const struct vtd_device *d,
				      const struct vtd_pasid_rec *p)
{
	struct json_object *o = json_object_new_object();
	const struct vtd_pasid_entry *e = &p->e;
	char name[24];

	add_int(o, "pasid", p->pasid);
	add_int(o, "did", e->did);
	add(o, "pgtt", json_object_new_string(vtd_pgtt_name(e->pgtt, name,
							     sizeof(name))));
	add_int(o, "aw", e->aw);
	add(o, "slptptr", hex(e->slptptr));
	add(o, "flptptr", hex(e->flptptr));
	add_int(o, "flpm", e->flpm);
	add_bool(o, "fpd", e->fpd);
	add_bool(o, "ssade", e->ssade);
	add_bool(o, "pwsnp", e->pwsnp);
	add_bool(o, "pgsnp", e->pgsnp);
	add_bool(o, "sre", e->sre);
	add_bool(o, "wpe", e->wpe);
	add_bool(o, "eafe", e->eafe);
	add(o, "entry", hex(p->gpa));
	add(o, "raw", hex_array(e->raw, 8));
	add(o, "host", host_json_pasid(m->host, d, p));
	return o;
}

static struct json_object *json_device(const struct vtd_model *m,
				       const struct vtd_device *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pasids;
	char bdf[8];

	fmt_bdf(bdf, d->bus, d->devfn);
	add(o, "bdf", json_object_new_string(bdf));
	add_int(o, "bus", d->bus);
	add_int(o, "devfn", d->devfn);
	add(o, "context_entry", hex(d->ctx_gpa));
	add(o, "context", d->scalable ? json_ctx_sm(&d->ctx.sm) :
	    json_ctx_legacy(&d->ctx.leg));
	if (d->scalable) {
		pasids = json_object_new_array();
		for (size_t i = 0; i < d->nr_pasids; i++)
			json_object_array_add(pasids,
					      json_pasid(m, d, &d->pasids[i]));
		add(o, "pasids", pasids);
	}
	add(o, "host", host_json_device(m->host, d));
	add_int(o, "finding_count", d->nr_findings);
	add_int(o, "pending_faults", d->nr_faults);
	return o;
}

struct json_object *json_findings(const struct vtd_model *m)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->nr_findings; i++) {
		const struct vtd_finding *f = &m->findings[i];
		struct json_object *o = json_object_new_object();
		char bdf[8];

		add(o, "severity",
		    json_object_new_string(vtd_severity_name(f->sev)));
		add(o, "code", json_object_new_string(f->code));
		if (f->bus != VTD_NO_BDF && f->devfn != VTD_NO_BDF) {
			fmt_bdf(bdf, f->bus, f->devfn);
			add(o, "bdf", json_object_new_string(bdf));
		} else {
			add(o, "bdf", NULL);
		}
		add(o, "pasid", f->pasid == VTD_NO_PASID ? NULL :
		    json_object_new_int64(f->pasid));
		add(o, "address", f->gpa ? hex(f->gpa) : NULL);
		add(o, "message", json_object_new_string(f->message));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *json_dump(const struct vtd_source *src,
			      const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();
	struct json_object *devs = json_object_new_array();

	add(o, "source", json_source(src, m));
	add(o, "iommu", json_iommu(m));
	for (size_t i = 0; i < m->nr_devices; i++)
		json_object_array_add(devs, json_device(m, &m->devices[i]));
	add(o, "devices", devs);
	add(o, "findings", json_findings(m));
	return o;
}

void json_print(FILE *f, struct json_object *obj, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY |
			      JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);

	fprintf(f, "%s\n", json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}
