// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the invalidation queue, as text (one aligned line per descriptor;
 * -v adds the raw qwords) and as JSON (keys in the README). PASID-cache
 * descriptors are starred in text: QEMU replays the guest's PASID entries
 * on them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "output/iq_ir.h"

#define FLAG(b)	((b) ? '+' : '-')

/* --- JSON --------------------------------------------------------------- */

static void json_gran(struct json_object *o, const struct vtd_inv_desc *d)
{
	char buf[24];
	const char *g = vtd_inv_gran_name(d, buf, sizeof(buf));

	if (g)
		iqir_add(o, "granularity", json_object_new_string(g));
}

static void json_addr(struct json_object *o, const struct vtd_inv_desc *d)
{
	iqir_add(o, "addr", json_hex(d->addr));
	iqir_add_bool(o, "ih", d->ih);
	iqir_add_int(o, "am", d->am);
}

static void json_desc_fields(struct json_object *o, const struct vtd_inv_desc *d)
{
	json_gran(o, d);
	switch (d->type) {
	case VTD_INV_CC:
		iqir_add_int(o, "did", d->did);
		iqir_add_bdf(o, "sid", d->sid);
		iqir_add_int(o, "fm", d->fm);
		break;
	case VTD_INV_IOTLB:
		iqir_add_int(o, "did", d->did);
		iqir_add_bool(o, "dr", d->dr);
		iqir_add_bool(o, "dw", d->dw);
		json_addr(o, d);
		break;
	case VTD_INV_P_IOTLB:
		iqir_add_int(o, "did", d->did);
		iqir_add_int(o, "pasid", d->pasid);
		json_addr(o, d);
		break;
	case VTD_INV_PC:
		iqir_add_int(o, "did", d->did);
		iqir_add_int(o, "pasid", d->pasid);
		break;
	case VTD_INV_DEV_TLB:
	case VTD_INV_P_DEV_TLB:
		iqir_add_bdf(o, "sid", d->sid);
		iqir_add_bdf(o, "pfsid", d->pfsid);
		iqir_add_int(o, "qdep", d->qdep);
		iqir_add(o, "addr", json_hex(d->addr));
		iqir_add_bool(o, "size", d->size);
		if (d->type == VTD_INV_P_DEV_TLB) {
			iqir_add_int(o, "pasid", d->pasid);
			iqir_add_bool(o, "global", d->global);
		}
		break;
	case VTD_INV_IEC:
		iqir_add_int(o, "iidx", d->iidx);
		iqir_add_int(o, "im", d->im);
		break;
	case VTD_INV_WAIT:
		iqir_add_bool(o, "if", d->iflag);
		iqir_add_bool(o, "sw", d->sw);
		iqir_add_bool(o, "fn", d->fn);
		iqir_add_bool(o, "pd", d->pd);
		iqir_add(o, "status_data", json_hex(d->status_data));
		iqir_add(o, "status_addr", json_hex(d->status_addr));
		break;
	case VTD_INV_PGRP_RESP:
		iqir_add_bdf(o, "rid", d->sid);
		iqir_add_int(o, "pasid", d->pasid);
		iqir_add_bool(o, "pasid_present", d->pasid_present);
		iqir_add_int(o, "response_code", d->resp_code);
		iqir_add_bool(o, "lpig", d->lpig);
		iqir_add_int(o, "prg_index", d->prg_index);
		break;
	default:
		break;
	}
}

static struct json_object *json_entry(const struct vtd_iq_entry *e)
{
	struct json_object *o = json_object_new_object();
	struct json_object *raw = json_object_new_array();
	const char *name = vtd_inv_type_name(e->d.type);

	iqir_add_int(o, "index", e->index);
	iqir_add(o, "type", json_object_new_string(name ? name : "unknown"));
	iqir_add_int(o, "type_code", e->d.type);
	for (unsigned i = 0; i < e->d.nqw; i++)
		json_object_array_add(raw, json_hex(e->d.raw[i]));
	iqir_add(o, "raw", raw);
	iqir_add_bool(o, "pending", e->pending);
	iqir_add_bool(o, "head", e->at_head);
	json_desc_fields(o, &e->d);
	return o;
}

static struct json_object *json_iq_regs(const struct vtd_iq *iq)
{
	struct json_object *o = json_object_new_object();
	const struct vtd_iq_regs *r = &iq->r;

	iqir_add_bool(o, "enabled", iq->enabled);
	iqir_add(o, "iqa", json_hex(r->iqa));
	iqir_add(o, "iqh", json_hex(r->iqh));
	iqir_add(o, "iqt", json_hex(r->iqt));
	iqir_add(o, "base", json_hex(iq->base));
	iqir_add_bool(o, "dw", iq->dw_reg);
	iqir_add_int(o, "descriptor_size", iq->desc_size);
	iqir_add(o, "dw_origin", json_object_new_string(iq->dw_inferred ?
				"inferred" : "register"));
	iqir_add_int(o, "qs", iq->qs);
	iqir_add_int(o, "bytes", iq->bytes);
	iqir_add_int(o, "size", iq->size);
	iqir_add_int(o, "head", iq->head);
	iqir_add_int(o, "tail", iq->tail);
	iqir_add(o, "ics", json_hex(r->ics));
	iqir_add_bool(o, "iwc", r->ics & VTD_ICS_IWC);
	iqir_add(o, "fsts", json_hex(r->fsts));
	iqir_add_bool(o, "iqe", r->fsts & VTD_FSTS_IQE);
	iqir_add_bool(o, "ice", r->fsts & VTD_FSTS_ICE);
	iqir_add_bool(o, "ite", r->fsts & VTD_FSTS_ITE);
	iqir_add(o, "iqer", json_hex(r->iqer));
	iqir_add_int(o, "iqei", iq->iqei);
	iqir_add_bdf(o, "itesid", iq->itesid);
	iqir_add_bdf(o, "icesid", iq->icesid);
	return o;
}

struct json_object *json_iq(const struct vtd_iq *iq, const struct vtd_model *m)
{
	struct json_object *q = json_iq_regs(iq);
	struct json_object *a = json_object_new_array();

	iqir_add_bool(q, "read", iq->read_ok);
	iqir_add_int(q, "empty_slots", iq->nr_empty);
	for (size_t i = 0; i < iq->nr_entries; i++)
		json_object_array_add(a, json_entry(&iq->entries[i]));
	iqir_add(q, "entries", a);
	return iqir_document(m, "iq", q);
}

/* --- text --------------------------------------------------------------- */

static void text_addr(FILE *f, const struct vtd_inv_desc *d)
{
	fprintf(f, " ADDR=0x%" PRIx64 " AM=%u IH%c", d->addr, d->am,
		FLAG(d->ih));
}

static void text_bdf(FILE *f, const char *name, uint16_t sid)
{
	char bdf[8];

	fmt_bdf(bdf, sid >> 8, sid & 0xff);
	fprintf(f, " %s=%s", name, bdf);
}

/* granularity-scoped fields of cc, iotlb, p_iotlb and pc */
static void text_scoped(FILE *f, const struct vtd_inv_desc *d, const char *g)
{
	bool global = d->gran == (d->type == VTD_INV_PC ? 3u : 1u);

	fputs(g, f);
	if (!global)
		fprintf(f, " DID=%u", d->did);
	if (d->type == VTD_INV_CC && d->gran == 3) {
		text_bdf(f, "SID", d->sid);
		fprintf(f, " FM=%u", d->fm);
	}
	if ((d->type == VTD_INV_PC && d->gran == 1) ||
	    (d->type == VTD_INV_P_IOTLB && !global))
		fprintf(f, " PASID=%u", d->pasid);
	if (d->type == VTD_INV_IOTLB)
		fprintf(f, " DR%c DW%c", FLAG(d->dr), FLAG(d->dw));
	if ((d->type == VTD_INV_IOTLB || d->type == VTD_INV_P_IOTLB) &&
	    d->gran == 3)
		text_addr(f, d);
}

static void text_desc_fields(FILE *f, const struct vtd_inv_desc *d)
{
	char buf[24];
	const char *g = vtd_inv_gran_name(d, buf, sizeof(buf));

	switch (d->type) {
	case VTD_INV_CC: case VTD_INV_IOTLB: case VTD_INV_P_IOTLB: case VTD_INV_PC:
		text_scoped(f, d, g);
		break;
	case VTD_INV_DEV_TLB:
	case VTD_INV_P_DEV_TLB:
		text_bdf(f, "SID", d->sid);
		text_bdf(f, "PFSID", d->pfsid);
		if (d->type == VTD_INV_P_DEV_TLB)
			fprintf(f, " PASID=%u G%c", d->pasid, FLAG(d->global));
		fprintf(f, " QDEP=%u ADDR=0x%" PRIx64 " S%c", d->qdep, d->addr,
			FLAG(d->size));
		break;
	case VTD_INV_IEC:
		fputs(g, f);
		if (d->iec_index)
			fprintf(f, " IIDX=%u IM=%u", d->iidx, d->im);
		break;
	case VTD_INV_WAIT:
		fprintf(f, "SW%c FN%c IF%c PD%c", FLAG(d->sw), FLAG(d->fn),
			FLAG(d->iflag), FLAG(d->pd));
		if (d->sw)
			fprintf(f, " data 0x%x -> 0x%" PRIx64, d->status_data,
				d->status_addr);
		break;
	case VTD_INV_PGRP_RESP:
		text_bdf(f, "RID", d->sid);
		fprintf(f, " PASID=%u P%c code=%u LPIG%c index=%u", d->pasid,
			FLAG(d->pasid_present), d->resp_code, FLAG(d->lpig),
			d->prg_index);
		break;
	default:
		fprintf(f, "raw 0x%016" PRIx64 " 0x%016" PRIx64, d->raw[0],
			d->raw[1]);
		break;
	}
}

static void text_entry(FILE *f, const struct vtd_iq_entry *e,
		       const struct out_opts *o)
{
	const struct vtd_inv_desc *d = &e->d;
	const char *name = vtd_inv_type_name(d->type);
	char unk[16];

	if (!name) {
		snprintf(unk, sizeof(unk), "type(%u)", d->type);
		name = unk;
	}
	fprintf(f, "%c%c %5u  %-11s ", e->at_head ? 'H' : ' ',
		d->type == VTD_INV_PC ? '*' : ' ', e->index,
		d->type == VTD_INV_PC ? "PASID-CACHE" : name);
	text_desc_fields(f, d);
	fputs(e->pending ? "  (pending)\n" : "\n", f);
	if (o->verbose) {
		fputs("                raw:", f);
		for (unsigned i = 0; i < d->nqw; i++)
			fprintf(f, " %016" PRIx64, d->raw[i]);
		fputc('\n', f);
	}
}

static void text_header(FILE *f, const struct vtd_iq *iq)
{
	const struct vtd_iq_regs *r = &iq->r;

	fprintf(f, "invalidation queue: %s, IQA 0x%" PRIx64 "\n",
		iq->enabled ? "on (GSTS.QIES+)" : "off (GSTS.QIES-)", r->iqa);
	if (!iq->enabled)
		return;
	fprintf(f, "queue 0x%" PRIx64 ", %u KiB (QS=%u), %u x %u-bit descriptors%s\n",
		iq->base, iq->bytes / 1024, iq->qs, iq->size, iq->desc_size * 8,
		iq->dw_inferred ? " (DW inferred: IQA.DW reads 0)" : "");
	fprintf(f, "head index %u (IQH offset 0x%" PRIx64 ")  tail index %u (IQT offset 0x%" PRIx64 ")  %s\n",
		iq->head, r->iqh, iq->tail, r->iqt,
		!iq->head_ok || !iq->tail_ok ? "bad pointer (see findings)" :
		iq->head == iq->tail ? "empty: every descriptor fetched" :
		"descriptors pending");
	fprintf(f, "ICS IWC%c  FSTS IQE%c ICE%c ITE%c  IQER 0x%" PRIx64 "\n",
		FLAG(r->ics & VTD_ICS_IWC), FLAG(r->fsts & VTD_FSTS_IQE),
		FLAG(r->fsts & VTD_FSTS_ICE), FLAG(r->fsts & VTD_FSTS_ITE),
		r->iqer);
}

void text_iq(FILE *f, const struct vtd_iq *iq, const struct vtd_model *m,
	     const struct out_opts *o)
{
	bool any_pc = false;

	text_source_line(f, &m->source);
	text_header(f, iq);
	if (iq->enabled && iq->read_ok) {
		fprintf(f, "\nlast %zu descriptors before the tail, oldest first%s:\n",
			iq->nr_entries, iq->nr_empty ? " (never-written slots left out)" : "");
		fprintf(f, "   INDEX  TYPE        DESCRIPTOR\n");
		for (size_t i = 0; i < iq->nr_entries; i++) {
			text_entry(f, &iq->entries[i], o);
			any_pc |= iq->entries[i].d.type == VTD_INV_PC;
		}
		fprintf(f, "   ---- tail %u ----\n", iq->tail);
		if (any_pc)
			fprintf(f, " * PASID-cache invalidation: QEMU replays the guest's PASID entries on it\n");
	}
	if (m->nr_findings)
		fputc('\n', f);
	text_findings(f, m);
}
