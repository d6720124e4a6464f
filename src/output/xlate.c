// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: renderers of one page walk. JSON keys (64-bit values as "0x..."
 * strings, small integers as numbers):
 *
 *   xlate.bdf, pasid (null in legacy mode), iova, access ("read"|"write"),
 *   mode ("legacy"|"scalable"), stage ("second-stage", "first-stage",
 *   "nested", "pass-through"), levels, ss_levels (nested, else null),
 *   width (input address bits),
 *   steps[]: stage ("first"|"second"), nested_for (null, "output", or the
 *            first-stage level whose table this second-stage walk
 *            translates), level, table, index, entry, raw (null if the
 *            table was unreadable), decoded ({r, w, sp, snp, addr} or
 *            {p, rw, us, pwt, pcd, a, d, ps, xd, addr}), leaf, reserved,
 *   result: {gpa, page_size} or null,
 *   fault: {reason, name, qemu_reason (null when QEMU does not model it),
 *           stage, level (null if not at a paging entry), message} or null.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "output/color.h"
#include "output/output.h"
#include "output/wrap.h"
#include "output/xlate.h"
#include "vtd/faultreason.h"

#define FLAG(b)	((b) ? '+' : '-')

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	add(o, k, json_object_new_boolean(v));
}

static const char *stage_short(enum vtd_xlate_stage s)
{
	return s == VTD_XS_FIRST ? "first" : "second";
}

static struct json_object *json_bits(const struct vtd_xlate_step *s)
{
	struct json_object *o = json_object_new_object();
	const struct vtd_pte_bits *b = &s->bits;

	if (s->stage == VTD_XS_SECOND) {
		add_bool(o, "r", b->r);
		add_bool(o, "w", b->w);
		add_bool(o, "sp", b->sp);
		add_bool(o, "snp", b->snp);
	} else {
		add_bool(o, "p", b->p);
		add_bool(o, "rw", b->rw);
		add_bool(o, "us", b->us);
		add_bool(o, "pwt", b->pwt);
		add_bool(o, "pcd", b->pcd);
		add_bool(o, "a", b->a);
		add_bool(o, "d", b->d);
		add_bool(o, "ps", b->ps);
		add_bool(o, "xd", b->xd);
	}
	add(o, "addr", json_hex(b->addr));
	return o;
}

static struct json_object *json_step(const struct vtd_xlate_step *s)
{
	struct json_object *o = json_object_new_object();

	add(o, "stage", json_object_new_string(stage_short(s->stage)));
	if (s->nested_for == VTD_XLATE_FOR_OUTPUT)
		add(o, "nested_for", json_object_new_string("output"));
	else
		add(o, "nested_for", s->nested_for > 0 ?
		    json_object_new_int(s->nested_for) : NULL);
	add(o, "level", json_object_new_int(s->level));
	add(o, "table", json_hex(s->table));
	add(o, "index", json_object_new_int(s->index));
	add(o, "entry", json_hex(s->entry));
	add(o, "raw", s->read ? json_hex(s->raw) : NULL);
	add(o, "decoded", s->read ? json_bits(s) : NULL);
	add_bool(o, "leaf", s->read && s->leaf);
	add(o, "reserved", json_hex(s->rsvd));
	return o;
}

static struct json_object *json_fault(const struct vtd_xlate *x)
{
	const struct vtd_xlate_fault *f = &x->fault;
	struct json_object *o = json_object_new_object();
	const char *name = vtd_fault_reason_name(f->reason);

	add(o, "reason", json_object_new_int(f->reason));
	add(o, "name", name ? json_object_new_string(name) : NULL);
	add(o, "qemu_reason", f->qemu_reason ?
	    json_object_new_int(f->qemu_reason) : NULL);
	add(o, "stage", json_object_new_string(vtd_xlate_stage_name(f->stage)));
	add(o, "level", f->level ? json_object_new_int(f->level) : NULL);
	add(o, "message", json_object_new_string(f->why));
	return o;
}

struct json_object *json_xlate(const struct vtd_xlate *x)
{
	struct json_object *top = json_object_new_object();
	struct json_object *o = json_object_new_object();
	struct json_object *steps = json_object_new_array();
	struct json_object *res = NULL;
	char bdf[8];

	fmt_bdf(bdf, x->bus, x->devfn);
	add(o, "bdf", json_object_new_string(bdf));
	add(o, "pasid", x->pasid >= 0 ? json_object_new_int64(x->pasid) : NULL);
	add(o, "iova", json_hex(x->iova));
	add(o, "access", json_object_new_string(x->write ? "write" : "read"));
	add(o, "mode", json_object_new_string(x->scalable ? "scalable" : "legacy"));
	add(o, "stage", json_object_new_string(vtd_xlate_stage_name(x->stage)));
	add(o, "levels", json_object_new_int(x->levels));
	add(o, "ss_levels", x->ss_levels ? json_object_new_int(x->ss_levels) : NULL);
	add(o, "width", json_object_new_int(x->width));
	for (unsigned i = 0; i < x->nr_steps; i++)
		json_object_array_add(steps, json_step(&x->steps[i]));
	add(o, "steps", steps);
	if (!x->faulted && !x->unknown) {
		res = json_object_new_object();
		add(res, "gpa", json_hex(x->gpa));
		add(res, "page_size", json_hex(x->page_size));
	}
	add(o, "result", res);
	add(o, "fault", x->faulted ? json_fault(x) : NULL);
	/* neither a result nor a fault: a table on the way was not recorded */
	add(o, "unknown", x->unknown ? json_object_new_string(x->unknown_why) : NULL);
	add(top, "xlate", o);
	return top;
}

/* --- text -------------------------------------------------------------------- */

static const char *size_name(uint64_t size, char *buf, size_t len)
{
	if (size >= 1ULL << 30)
		snprintf(buf, len, "%" PRIu64 " GiB", size >> 30);
	else if (size >= 1ULL << 20)
		snprintf(buf, len, "%" PRIu64 " MiB", size >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", size >> 10);
	return buf;
}

static void text_bits(FILE *f, const struct vtd_xlate_step *s)
{
	const struct vtd_pte_bits *b = &s->bits;

	if (s->stage == VTD_XS_SECOND)
		fprintf(f, "  R%c W%c SP%c SNP%c", FLAG(b->r), FLAG(b->w),
			FLAG(b->sp), FLAG(b->snp));
	else
		fprintf(f, "  P%c RW%c US%c PWT%c PCD%c A%c D%c PS%c XD%c",
			FLAG(b->p), FLAG(b->rw), FLAG(b->us), FLAG(b->pwt),
			FLAG(b->pcd), FLAG(b->a), FLAG(b->d), FLAG(b->ps),
			FLAG(b->xd));
	fprintf(f, "  -> 0x%" PRIx64, b->addr);
	if (s->rsvd)
		fprintf(f, "  reserved 0x%" PRIx64, s->rsvd);
}

/* "fault: reason 0xN (name): why", what the walk saw wrapped under it */
static void text_fault_line(FILE *f, unsigned reason, const char *name,
			    const char *why)
{
	struct wrap w;
	int n;

	fputs(out_sgr(OC_ERROR), f);
	n = fprintf(f, "fault: reason 0x%x (%s):", reason, name ? name : "unknown");

	if (n < 0)
		n = 0;
	/* keep what the walk saw in one piece: on the next line if it must */
	if ((size_t)n + 1 + strlen(why) > TEXT_WIDTH) {
		fputs("\n      ", f);
		n = 6;
	}
	wrap_start(&w, f, (unsigned)n, 7);
	wrap_text(&w, why);
	fputs(out_sgr_end(), f);
	wrap_end(&w);
}

static void text_step(FILE *f, const struct vtd_xlate_step *s,
		      const struct out_opts *o)
{
	char what[24];

	if (s->nested_for == VTD_XLATE_FOR_OUTPUT)
		snprintf(what, sizeof(what), "SS(out)");
	else if (s->nested_for > 0)
		snprintf(what, sizeof(what), "SS(FS%d)", s->nested_for);
	else
		snprintf(what, sizeof(what), "%s",
			 s->stage == VTD_XS_FIRST ? "FS" : "SS");
	fprintf(f, "  %-8s L%u  table 0x%012" PRIx64 "  [%3u]  ", what,
		s->level, s->table, s->index);
	if (!s->read) {
		fprintf(f, "%s\n", s->not_recorded ? "(not recorded)" : "(not in guest RAM)");
		return;
	}
	fprintf(f, "0x%016" PRIx64, s->raw);
	if (o->verbose) {
		fprintf(f, "  %-4s", s->leaf ? "leaf" : "");
		text_bits(f, s);
	} else if (s->leaf) {
		fprintf(f, "  leaf");
	}
	fputc('\n', f);
}

void text_xlate(FILE *f, const struct vtd_xlate *x, const struct out_opts *o)
{
	char bdf[8], pasid[32] = "", sz[24];
	const char *name;

	fmt_bdf(bdf, x->bus, x->devfn);
	if (x->pasid >= 0)
		snprintf(pasid, sizeof(pasid), " pasid %" PRId64, x->pasid);
	fprintf(f, "%s%s %s 0x%" PRIx64 ": %s, %s", bdf, pasid,
		x->write ? "write" : "read", x->iova,
		x->scalable ? "scalable" : "legacy",
		vtd_xlate_stage_name(x->stage));
	if (x->levels)
		fprintf(f, ", %u-level", x->levels);
	if (x->ss_levels)
		fprintf(f, " over a %u-level second stage", x->ss_levels);
	if (x->width)
		fprintf(f, " (%u-bit input)", x->width);
	fputc('\n', f);
	for (unsigned i = 0; i < x->nr_steps; i++)
		text_step(f, &x->steps[i], o);
	if (x->unknown) {
		fprintf(f, "unknown: the %s\n", x->unknown_why);
		fprintf(f, "(a snapshot records page tables only with --pages: retake it with 'vtdctl snapshot --pages -o FILE')\n");
		return;
	}
	if (!x->faulted) {
		fprintf(f, "result: 0x%" PRIx64 " (%s page)\n", x->gpa,
			size_name(x->page_size, sz, sizeof(sz)));
		return;
	}
	name = vtd_fault_reason_name(x->fault.reason);
	text_fault_line(f, x->fault.reason, name, x->fault.why);
	if (x->fault.qemu_reason != x->fault.reason) {
		name = vtd_fault_reason_name(x->fault.qemu_reason);
		if (x->fault.qemu_reason)
			fprintf(f, "QEMU's model records reason 0x%x (%s) instead\n",
				x->fault.qemu_reason, name ? name : "unknown");
		else
			fprintf(f, "QEMU's model does not translate this case\n");
	}
}
