// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: renderers for `regs` and `faults` (text and JSON). */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "output/output.h"
#include "output/regs.h"
#include "output/wrap.h"

/* CAP and ECAP are long: by default only their set flags and numbers. */
static bool terse(const struct vtd_reg_value *r, int verbose)
{
	return !verbose && r->desc->nr_fields > 12;
}

/* The fields after the value, wrapped under the first one */
#define REG_FIELDS_COL	35

static void text_fields(FILE *f, const struct vtd_reg_value *r, int verbose)
{
	char buf[48];
	struct wrap w;

	wrap_start(&w, f, REG_FIELDS_COL, REG_FIELDS_COL + 1);

	for (unsigned i = 0; i < r->desc->nr_fields; i++) {
		const struct vtd_field_desc *fd = &r->desc->fields[i];

		if (fd->kind == VF_FLAG && !vtd_field_get(fd, r->val) &&
		    terse(r, verbose))
			continue;
		vtd_field_format(fd, r->val, buf, sizeof(buf));
		wrap_word(&w, " ", fd->kind == VF_FLAG ? "%s%s" : "%s=%s", fd->name,
			  buf);
	}
	wrap_end(&w);
}

void text_regs(FILE *f, const struct vtd_regfile *rf,
	       const struct vtd_reg_value *regs, unsigned n, int verbose)
{
	fprintf(f, "registers at 0x%" PRIx64 " (%u bytes read)\n", rf->base,
		rf->len);
	for (unsigned i = 0; i < n; i++) {
		const struct vtd_reg_value *r = &regs[i];

		if (r->desc->width == 32)
			fprintf(f, "%-9s 0x%03x  0x%08" PRIx64 "        ",
				r->name, r->off, r->val);
		else
			fprintf(f, "%-9s 0x%03x  0x%016" PRIx64, r->name,
				r->off, r->val);
		text_fields(f, r, verbose);
		if (verbose >= 2)
			fprintf(f, "          %s\n", r->desc->what);
	}
}

static struct json_object *json_field(const struct vtd_field_desc *fd,
				      uint64_t val)
{
	uint64_t v = vtd_field_get(fd, val);
	struct json_object *a;
	static const int widths[] = { 30, 39, 48, 57, 64 };
	char buf[16];

	switch (fd->kind) {
	case VF_FLAG:
		return json_object_new_boolean(v);
	case VF_NUM:
		return json_object_new_int64(v);
	case VF_PLUS1:
		return json_object_new_int64(v + 1);
	case VF_NDOMS:
		return json_object_new_int64(1LL << (4 + 2 * v));
	case VF_X16:
		return json_hex(v * 16);
	case VF_SAGAW:
		a = json_object_new_array();
		for (unsigned i = 0; i < 5; i++)
			if ((v >> i) & 1)
				json_object_array_add(a,
					json_object_new_int(widths[i]));
		return a;
	case VF_SID:
		vtd_field_format(fd, val, buf, sizeof(buf));
		return json_object_new_string(buf);
	default:
		return json_hex(v);
	}
}

struct json_object *json_regs(const struct vtd_regfile *rf,
			      const struct vtd_reg_value *regs, unsigned n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();

	json_object_object_add(o, "base", json_hex(rf->base));
	for (unsigned i = 0; i < n; i++) {
		const struct vtd_reg_value *r = &regs[i];
		struct json_object *ro = json_object_new_object();
		struct json_object *fo = json_object_new_object();

		json_object_object_add(ro, "name",
				       json_object_new_string(r->name));
		json_object_object_add(ro, "offset", json_hex(r->off));
		json_object_object_add(ro, "width",
				       json_object_new_int(r->desc->width));
		json_object_object_add(ro, "value", json_hex(r->val));
		for (unsigned k = 0; k < r->desc->nr_fields; k++)
			json_object_object_add(fo, r->desc->fields[k].name,
				json_field(&r->desc->fields[k], r->val));
		json_object_object_add(ro, "fields", fo);
		json_object_array_add(a, ro);
	}
	json_object_object_add(o, "registers", a);
	return o;
}

/* --- faults ----------------------------------------------------------- */

static void fmt_sid(char buf[8], uint16_t sid)
{
	snprintf(buf, 8, "%02x:%02x.%x", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
}

/* The REASON column: the name wraps under itself */
#define REASON_COL	56

static void text_reason(FILE *f, unsigned fr)
{
	struct wrap w;

	fprintf(f, "0x%02x", fr);
	wrap_start(&w, f, REASON_COL + 4, REASON_COL + 5);
	wrap_text(&w, vtd_fault_reason_str(fr));
	wrap_end(&w);
}

void text_faults(FILE *f, const struct vtd_faults *x, int verbose)
{
	const struct vtd_fsts *s = &x->fsts;
	char bdf[8];

	fprintf(f, "FSTS 0x%08x: PFO%c PPF%c AFO%c APF%c IQE%c ICE%c ITE%c PRO%c FRI=%u\n",
		s->raw, s->pfo ? '+' : '-', s->ppf ? '+' : '-',
		s->afo ? '+' : '-', s->apf ? '+' : '-', s->iqe ? '+' : '-',
		s->ice ? '+' : '-', s->ite ? '+' : '-', s->pro ? '+' : '-',
		s->fri);
	fprintf(f, "FECTL 0x%08x: IM%c IP%c\n", x->fectl,
		x->fectl >> 31 ? '+' : '-', (x->fectl >> 30) & 1 ? '+' : '-');
	fprintf(f, "%u fault recording register%s, %u pending\n", x->nfr,
		x->nfr == 1 ? "" : "s", x->nr_pending);
	if (!x->nr_pending)
		return;
	fprintf(f, "\n REC  BDF      TYPE   ADDRESS             PASID    REASON\n");
	for (unsigned i = 0; i < x->nr_pending; i++) {
		const struct vtd_fault_rec *r = &x->recs[i];

		fmt_sid(bdf, r->sid);
		fprintf(f, "%4u  %-8s %-6s ", r->index, bdf,
			r->read ? "read" : "write");
		if (vtd_fault_is_ir(r->fr))
			fprintf(f, "index %-12" PRIu64 " ", r->addr >> 48);
		else
			fprintf(f, "0x%016" PRIx64 "  ", r->addr);
		if (r->pp)
			fprintf(f, "%-7u  ", r->pasid);
		else
			fprintf(f, "%-7s  ", "-");
		text_reason(f, r->fr);
		if (verbose)
			fprintf(f, "      raw: %016" PRIx64 " %016" PRIx64 "\n",
				r->raw[1], r->raw[0]);
	}
}

static void add_flag(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

struct json_object *json_faults(const struct vtd_faults *x)
{
	struct json_object *o = json_object_new_object();
	struct json_object *fs = json_object_new_object();
	struct json_object *recs = json_object_new_array();
	const struct vtd_fsts *s = &x->fsts;
	char bdf[8];

	json_object_object_add(fs, "raw", json_hex(s->raw));
	add_flag(fs, "pfo", s->pfo);
	add_flag(fs, "ppf", s->ppf);
	add_flag(fs, "afo", s->afo);
	add_flag(fs, "apf", s->apf);
	add_flag(fs, "iqe", s->iqe);
	add_flag(fs, "ice", s->ice);
	add_flag(fs, "ite", s->ite);
	add_flag(fs, "pro", s->pro);
	json_object_object_add(fs, "fri", json_object_new_int(s->fri));
	json_object_object_add(o, "fsts", fs);
	json_object_object_add(o, "fectl", json_hex(x->fectl));
	json_object_object_add(o, "nfr", json_object_new_int(x->nfr));
	for (unsigned i = 0; i < x->nr_pending; i++) {
		const struct vtd_fault_rec *r = &x->recs[i];
		struct json_object *ro = json_object_new_object();
		struct json_object *raw;

		fmt_sid(bdf, r->sid);
		json_object_object_add(ro, "index", json_object_new_int(r->index));
		json_object_object_add(ro, "bdf", json_object_new_string(bdf));
		json_object_object_add(ro, "type",
			json_object_new_string(r->read ? "read" : "write"));
		json_object_object_add(ro, "address", vtd_fault_is_ir(r->fr) ?
				       NULL : json_hex(r->addr));
		json_object_object_add(ro, "interrupt_index",
			vtd_fault_is_ir(r->fr) ?
			json_object_new_int64(r->addr >> 48) : NULL);
		json_object_object_add(ro, "pasid", r->pp ?
				       json_object_new_int64(r->pasid) : NULL);
		json_object_object_add(ro, "reason", json_object_new_int(r->fr));
		json_object_object_add(ro, "reason_name", json_object_new_string(
			vtd_fault_reason_str(r->fr)));
		raw = json_object_new_array();
		json_object_array_add(raw, json_hex(r->raw[0]));
		json_object_array_add(raw, json_hex(r->raw[1]));
		json_object_object_add(ro, "raw", raw);
		json_object_array_add(recs, ro);
	}
	json_object_object_add(o, "records", recs);
	return o;
}
