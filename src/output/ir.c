// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the interrupt remapping table, as text (one aligned line per
 * present entry; -v adds every flag and the raw qwords) and as JSON (keys in
 * the README).
 */
#include <inttypes.h>
#include <stdio.h>

#include "output/iq_ir.h"

#define FLAG(b)	((b) ? '+' : '-')

/* --- JSON --------------------------------------------------------------- */

static struct json_object *json_irte(const struct vtd_ir_entry *x)
{
	struct json_object *o = json_object_new_object();
	struct json_object *raw = json_object_new_array();
	const struct vtd_irte *e = &x->e;
	char buf[24];

	iqir_add_int(o, "index", x->index);
	iqir_add(o, "format", json_object_new_string(e->im ? "posted" : "remapped"));
	iqir_add_bool(o, "present", e->p);
	iqir_add_bool(o, "fpd", e->fpd);
	iqir_add_int(o, "vector", e->vector);
	iqir_add_int(o, "avail", e->avail);
	iqir_add_bdf(o, "sid", e->sid);
	iqir_add_int(o, "sq", e->sq);
	iqir_add(o, "svt", json_object_new_string(vtd_svt_name(e->svt)));
	if (e->im) {
		iqir_add_bool(o, "urg", e->urg);
		iqir_add(o, "pda", json_hex(e->pda));
	} else {
		iqir_add_int(o, "dest", e->dest);
		iqir_add(o, "dest_id", json_hex(e->dest_id));
		iqir_add(o, "dm", json_object_new_string(e->dm ? "logical" : "physical"));
		iqir_add_bool(o, "rh", e->rh);
		iqir_add(o, "tm", json_object_new_string(e->tm ? "level" : "edge"));
		iqir_add(o, "dlm", json_object_new_string(vtd_dlm_name(e->dlm, buf,
								 sizeof(buf))));
	}
	json_object_array_add(raw, json_hex(e->raw[0]));
	json_object_array_add(raw, json_hex(e->raw[1]));
	iqir_add(o, "raw", raw);
	return o;
}

struct json_object *json_ir(const struct vtd_ir *ir, const struct vtd_model *m)
{
	struct json_object *t = json_object_new_object();
	struct json_object *a = json_object_new_array();

	iqir_add_bool(t, "enabled", ir->ires);
	iqir_add_bool(t, "table_set", ir->irtps);
	iqir_add(t, "gsts", json_hex(ir->gsts));
	iqir_add(t, "irta", json_hex(ir->irta));
	iqir_add(t, "base", json_hex(ir->base));
	iqir_add_bool(t, "eime", ir->eime);
	iqir_add(t, "mode", json_object_new_string(ir->eime ? "x2apic" : "xapic"));
	iqir_add_int(t, "s", ir->s);
	iqir_add_int(t, "size", ir->nr_entries);
	iqir_add_bool(t, "read", ir->read_ok);
	iqir_add_int(t, "present", ir->nr_present_all);
	iqir_add_int(t, "not_present_leftover", ir->nr_leftover);
	for (size_t i = 0; i < ir->nr_present; i++)
		json_object_array_add(a, json_irte(&ir->present[i]));
	iqir_add(t, "entries", a);
	return iqir_document(m, "ir", t);
}

/* --- text --------------------------------------------------------------- */

static void text_sid(FILE *f, const struct vtd_irte *e)
{
	char bdf[8];

	if (e->svt == 2) {	/* bus range: SID 15:8 first bus, 7:0 last */
		fprintf(f, "bus %02x-%02x ", e->sid >> 8, e->sid & 0xff);
		return;
	}
	fmt_bdf(bdf, e->sid >> 8, e->sid & 0xff);
	fprintf(f, "%-9s ", bdf);
}

static void text_irte(FILE *f, const struct vtd_ir_entry *x,
		      const struct out_opts *o, bool eime)
{
	const struct vtd_irte *e = &x->e;
	char buf[24];

	fprintf(f, "%6u  ", x->index);
	text_sid(f, e);
	if (e->im)
		fprintf(f, "0x%02x    posted     PDA 0x%" PRIx64 "  URG%c\n",
			e->vector, e->pda, FLAG(e->urg));
	else
		fprintf(f, "0x%02x    %-10" PRIu32 " %-8s %-6s %-5s%s\n", e->vector,
			e->dest, e->dm ? "logical" : "physical",
			vtd_dlm_name(e->dlm, buf, sizeof(buf)),
			e->tm ? "level" : "edge", e->rh ? " RH" : "");
	if (!o->verbose)
		return;
	if (e->im)
		fprintf(f, "        P%c FPD%c IM+ URG%c AVAIL=%u SQ=%u SVT=%s\n",
			FLAG(e->p), FLAG(e->fpd), FLAG(e->urg), e->avail, e->sq,
			vtd_svt_name(e->svt));
	else
		fprintf(f, "        P%c FPD%c DM%c RH%c TM%c DLM=%u AVAIL=%u IM- DST=0x%08" PRIx32 " (%s) SQ=%u SVT=%s\n",
			FLAG(e->p), FLAG(e->fpd), FLAG(e->dm), FLAG(e->rh),
			FLAG(e->tm), e->dlm, e->avail, e->dest_id,
			eime ? "x2APIC" : "xAPIC: bits 15:8", e->sq,
			vtd_svt_name(e->svt));
	fprintf(f, "        raw: %016" PRIx64 " %016" PRIx64 "\n", e->raw[0],
		e->raw[1]);
}

void text_ir(FILE *f, const struct vtd_ir *ir, const struct vtd_model *m,
	     const struct out_opts *o)
{
	text_source_line(f, &m->source);
	fprintf(f, "interrupt remapping: %s (GSTS IRES%c IRTPS%c), IRTA 0x%" PRIx64 "\n",
		ir->ires ? "on" : "off", FLAG(ir->ires), FLAG(ir->irtps),
		ir->irta);
	if (ir->irtps)
		fprintf(f, "table 0x%" PRIx64 ", %u entries (S=%u), %s destinations (EIME%c); %u present\n",
			ir->base, ir->nr_entries, ir->s,
			ir->eime ? "x2APIC" : "xAPIC", FLAG(ir->eime),
			ir->nr_present_all);
	if (ir->read_ok && ir->nr_present) {
		fprintf(f, "\n INDEX  SID       VECTOR  DEST       MODE     DLM    TM\n");
		for (size_t i = 0; i < ir->nr_present; i++)
			text_irte(f, &ir->present[i], o, ir->eime);
	} else if (ir->read_ok) {
		fprintf(f, "\nno present entry%s\n",
			ir->nr_present_all ? " matches the filter" : "");
	}
	if (m->nr_findings)
		fputc('\n', f);
	text_findings(f, m);
}
