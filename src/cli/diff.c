// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl diff A B: what changed between two snapshots. Both are walked as
 * `dump` walks them and compared by vtd_model_diff() (devices, PASIDs,
 * findings: the comparison watch uses too), each pair field by field on
 * the dump's JSON of it, with the VMM, the IOMMU, the register file and
 * the pending fault records. One change per field. Exit 0: no difference,
 * 2: differences, 1: an error (diff(1)'s 1 is vtdctl's error status).
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/diff.h"
#include "output/color.h"
#include "vmm/host.h"
#include "snapshot/snapshot.h"
#include "trace/trace.h"
#include "vtd/regdesc.h"

#define MAX_REGS (VTD_REGFILE_MAX / 8 + 8)

struct side {
	const char *path;		/* the file, or the time asked of a trace */
	char label[640];		/* a trace's: FILE@TIME of its sample */
	struct vtd_source *src;
	struct vtd_model m;
	bool walked;
};

/* --- loading ------------------------------------------------------------ */

static int load_side(struct side *s)
{
	char err[600] = "";

	s->src = snapshot_source_open(s->path, err, sizeof(err));
	if (!s->src) {
		report_error("%s", err);
		return -1;
	}
	if (inspect_target(s->src, VTD_STAGE_VMM | VTD_STAGE_HOST, &s->m))
		return -1;
	s->walked = true;
	return 0;
}

/* A trace's side: the state at the time given, walked as a snapshot's */
static int load_trace_side(struct trace *tr, struct side *s)
{
	char err[600] = "";
	int64_t t, at;

	if (cli_trace_time(tr, "diff: time", s->path, &t))
		return -1;
	s->src = cli_trace_source_at(tr, t, &at, err, sizeof(err));
	if (!s->src) {
		report_error("diff: %s: %s", s->path, err);
		return -1;
	}
	snprintf(s->label, sizeof(s->label), "%s", s->src->target);
	s->path = s->label;
	if (inspect_target(s->src, VTD_STAGE_VMM | VTD_STAGE_HOST, &s->m))
		return -1;
	s->walked = true;
	return 0;
}

static void free_side(struct side *s)
{
	if (s->walked)
		vtd_model_free(&s->m);
	source_close(s->src);
}

/* --- changes ------------------------------------------------------------ */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static struct json_object *copy(struct json_object *v)
{
	return json_object_get(v);
}

/* A change object of this kind, about a device (bdf may be NULL) and PASID. */
static struct json_object *change(struct json_object *changes,
				  const char *kind, struct json_object *dev,
				  struct json_object *pasid)
{
	struct json_object *c = json_object_new_object();

	json_object_object_add(c, "kind", json_object_new_string(kind));
	if (dev)
		json_object_object_add(c, "bdf", copy(get(dev, "bdf")));
	if (pasid)
		json_object_object_add(c, "pasid", copy(get(pasid, "pasid")));
	json_object_array_add(changes, c);
	return c;
}

static void field_change(struct json_object *changes, const char *kind,
			 struct json_object *dev, struct json_object *pasid,
			 const char *field, struct json_object *a,
			 struct json_object *b)
{
	struct json_object *c = change(changes, kind, dev, pasid);

	if (!pasid && !strcmp(kind, "host_changed"))
		json_object_object_add(c, "pasid", NULL);	/* the device's */
	json_object_object_add(c, "field", json_object_new_string(field));
	json_object_object_add(c, "old", copy(a));
	json_object_object_add(c, "new", copy(b));
}

/*
 * Compare two JSON values field by field (objects recursively, anything
 * else whole), one change per differing leaf, named "prefix.key".
 * skip: keys not compared at the top level (NULL-terminated).
 */
static unsigned compare(struct json_object *changes, const char *kind,
			struct json_object *dev, struct json_object *pasid,
			const char *prefix, struct json_object *a,
			struct json_object *b, const char *const *skip)
{
	char field[128];
	unsigned n = 0;

	if (!json_object_is_type(a, json_type_object) ||
	    !json_object_is_type(b, json_type_object)) {
		if (json_object_equal(a, b))
			return 0;
		field_change(changes, kind, dev, pasid, prefix, a, b);
		return 1;
	}
	for (int side = 0; side < 2; side++) {
		json_object_object_foreach(side ? b : a, key, val) {
			bool skipped = false;

			for (const char *const *k = skip; k && *k; k++)
				skipped |= !strcmp(*k, key);
			/* keys only in b: once; keys in both: from a */
			if (skipped || (side && json_object_object_get_ex(a, key, NULL)))
				continue;
			snprintf(field, sizeof(field), "%s%s%s", prefix,
				 prefix[0] ? "." : "", key);
			n += compare(changes, kind, dev, pasid, field,
				     side ? NULL : val, side ? val : get(b, key), NULL);
		}
	}
	return n;
}

/* Decoded fields first; the raw words only when nothing decoded differs
 * (reserved bits). host is compared on its own. */
static void compare_entry(struct json_object *changes, const char *kind,
			  struct json_object *dev, struct json_object *pasid,
			  const char *prefix, struct json_object *a,
			  struct json_object *b)
{
	static const char *const skip[] = { "raw", "host", NULL };
	char field[64];

	if (compare(changes, kind, dev, pasid, prefix, a, b, skip))
		return;
	snprintf(field, sizeof(field), "%s%sraw", prefix, prefix[0] ? "." : "");
	compare(changes, kind, dev, pasid, field, get(a, "raw"), get(b, "raw"),
		NULL);
}

static void pasid_added(struct json_object *changes, const char *kind,
			struct json_object *dev, struct json_object *p)
{
	struct json_object *c = change(changes, kind, dev, p);
	static const char *const keys[] = { "did", "pgtt", "slptptr", "flptptr", NULL };

	for (const char *const *k = keys; *k; k++)
		json_object_object_add(c, *k, copy(get(p, *k)));
}

static void device_added(struct json_object *changes, const char *kind,
			 const struct vtd_device *d, struct json_object *dev)
{
	struct json_object *c = change(changes, kind, dev, NULL);
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < d->nr_pasids; i++)
		json_object_array_add(list, json_object_new_int64(d->pasids[i].pasid));
	json_object_object_add(c, "pasids", list);
}

/* vtd_model_diff()'s callbacks: one change object per differing field */
struct diff_ctx {
	struct json_object *changes;
	const struct vtd_model *a, *b;
};

static void device_diff(void *ctx, const struct vtd_device *da,
			const struct vtd_device *db)
{
	struct diff_ctx *dc = ctx;
	struct json_object *x = da ? json_device_object(dc->a, da) : NULL;
	struct json_object *y = db ? json_device_object(dc->b, db) : NULL;

	if (!db) {
		device_added(dc->changes, "device_removed", da, x);
	} else if (!da) {
		device_added(dc->changes, "device_added", db, y);
	} else {
		compare(dc->changes, "context_changed", x, NULL, "context_entry",
			get(x, "context_entry"), get(y, "context_entry"), NULL);
		compare_entry(dc->changes, "context_changed", x, NULL, "context",
			      get(x, "context"), get(y, "context"));
		compare(dc->changes, "host_changed", x, NULL, "", get(x, "host"),
			get(y, "host"), NULL);
	}
	json_object_put(x);
	json_object_put(y);
}

/* Same raw words at the same address: every decoded field is the same,
 * only QEMU's side of the PASID can differ. */
static bool same_entry(const struct vtd_pasid_rec *a, const struct vtd_pasid_rec *b)
{
	return a->gpa == b->gpa && !memcmp(a->raw, b->raw, sizeof(a->raw));
}

static void pasid_host_diff(struct diff_ctx *dc, struct json_object *dev,
			    const struct vtd_device *da, const struct vtd_device *db,
			    const struct vtd_pasid_rec *pa, const struct vtd_pasid_rec *pb)
{
	struct json_object *p = json_object_new_object();
	struct json_object *ha = host_json_pasid(dc->a->host, da, pa);
	struct json_object *hb = host_json_pasid(dc->b->host, db, pb);

	json_object_object_add(p, "pasid", json_object_new_int64(pa->pasid));
	compare(dc->changes, "host_changed", dev, p, "", ha, hb, NULL);
	json_object_put(p);
	json_object_put(ha);
	json_object_put(hb);
}

static void pasid_diff(void *ctx, const struct vtd_device *da,
		       const struct vtd_device *db, const struct vtd_pasid_rec *pa,
		       const struct vtd_pasid_rec *pb)
{
	struct diff_ctx *dc = ctx;
	struct json_object *dev = json_object_new_object();
	struct json_object *x = NULL, *y = NULL;
	char bdf[8];

	fmt_bdf(bdf, da->bus, da->devfn);
	json_object_object_add(dev, "bdf", json_object_new_string(bdf));
	if (pa && pb && same_entry(pa, pb)) {
		/* the common case: no JSON of the entry to build and compare */
		pasid_host_diff(dc, dev, da, db, pa, pb);
		json_object_put(dev);
		return;
	}
	x = pa ? json_pasid_object(dc->a, da, pa) : NULL;
	y = pb ? json_pasid_object(dc->b, db, pb) : NULL;
	if (!pb) {
		pasid_added(dc->changes, "pasid_removed", dev, x);
	} else if (!pa) {
		pasid_added(dc->changes, "pasid_added", dev, y);
	} else {
		compare_entry(dc->changes, "pasid_changed", dev, x, "", x, y);
		compare(dc->changes, "host_changed", dev, x, "", get(x, "host"),
			get(y, "host"), NULL);
	}
	json_object_put(dev);
	json_object_put(x);
	json_object_put(y);
}

/* Findings other than fault_pending (those are the faults). */
static void finding_diff(void *ctx, bool added, const struct vtd_finding *f,
			 size_t index)
{
	struct diff_ctx *dc = ctx;
	struct json_object *o, *c;

	if (!strcmp(f->code, "fault_pending"))
		return;
	o = json_finding(f);
	c = change(dc->changes, added ? "finding_added" : "finding_removed",
		   NULL, NULL);
	json_object_object_foreach(o, key, val)
		json_object_object_add(c, key, copy(val));
	json_object_put(o);
}

/* --- registers and faults ---------------------------------------------- */

static void register_change(struct json_object *changes,
			    const struct vtd_reg_value *a,
			    const struct vtd_reg_value *b)
{
	const struct vtd_reg_value *r = a ? a : b;
	struct json_object *c = change(changes, "register_changed", NULL, NULL);
	char off[16];

	snprintf(off, sizeof(off), "0x%x", r->off);
	json_object_object_add(c, "name", json_object_new_string(r->name));
	json_object_object_add(c, "offset", json_object_new_string(off));
	json_object_object_add(c, "old", a ? json_hex(a->val) : NULL);
	json_object_object_add(c, "new", b ? json_hex(b->val) : NULL);
}

static const struct vtd_reg_value *find_reg(const struct vtd_reg_value *r,
					    unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

/* Fault recording registers are compared as faults, not as registers. */
static void diff_registers(struct json_object *changes,
			   const struct vtd_regfile *a,
			   const struct vtd_regfile *b)
{
	static struct vtd_reg_value ra[MAX_REGS], rb[MAX_REGS];
	unsigned na = a->valid ? vtd_list_regs(a, ra, MAX_REGS) : 0;
	unsigned nb = b->valid ? vtd_list_regs(b, rb, MAX_REGS) : 0;

	for (unsigned i = 0; i < na; i++) {
		const struct vtd_reg_value *y = find_reg(rb, nb, ra[i].name);

		if (strncmp(ra[i].name, "FRCD", 4) && (!y || y->val != ra[i].val))
			register_change(changes, &ra[i], y);
	}
	for (unsigned j = 0; j < nb; j++)
		if (strncmp(rb[j].name, "FRCD", 4) && !find_reg(ra, na, rb[j].name))
			register_change(changes, NULL, &rb[j]);
}

static bool has_fault(const struct vtd_faults *f, const struct vtd_fault_rec *r)
{
	for (unsigned i = 0; i < f->nr_pending; i++)
		if (f->recs[i].index == r->index &&
		    f->recs[i].raw[0] == r->raw[0] && f->recs[i].raw[1] == r->raw[1])
			return true;
	return false;
}

static void fault_change(struct json_object *changes, const char *kind,
			 const struct vtd_fault_rec *r)
{
	struct json_object *c = change(changes, kind, NULL, NULL);
	char bdf[8];

	fmt_bdf(bdf, r->sid >> 8, r->sid & 0xff);
	json_object_object_add(c, "bdf", json_object_new_string(bdf));
	json_object_object_add(c, "pasid", r->pp ? json_object_new_int64(r->pasid) : NULL);
	json_object_object_add(c, "index", json_object_new_int(r->index));
	json_object_object_add(c, "type", json_object_new_string(r->read ? "read" : "write"));
	json_object_object_add(c, "address", json_hex(r->addr));
	json_object_object_add(c, "reason", json_object_new_int(r->fr));
	json_object_object_add(c, "reason_name",
			       json_object_new_string(vtd_fault_reason_str(r->fr)));
}

static void diff_faults(struct json_object *changes, const struct vtd_faults *a,
			const struct vtd_faults *b)
{
	for (unsigned i = 0; i < a->nr_pending; i++)
		if (!has_fault(b, &a->recs[i]))
			fault_change(changes, "fault_removed", &a->recs[i]);
	for (unsigned i = 0; i < b->nr_pending; i++)
		if (!has_fault(a, &b->recs[i]))
			fault_change(changes, "fault_added", &b->recs[i]);
}

static struct json_object *diff_sides(struct side *a, struct side *b)
{
	static const char *const iommu_skip[] = {
		"ver", "cap", "ecap", "gsts", "rtaddr", NULL	/* as registers */
	};
	struct json_object *changes = json_object_new_array();
	struct diff_ctx dc = { changes, &a->m, &b->m };
	const struct vtd_model_diff_cb entries = {
		.device = device_diff, .pasid = pasid_diff, .ctx = &dc,
	};
	const struct vtd_model_diff_cb findings = { .finding = finding_diff, .ctx = &dc };
	struct json_object *va = vtd_vmm_json(&a->m.vmm), *vb = vtd_vmm_json(&b->m.vmm);
	struct json_object *ia = json_iommu(&a->m), *ib = json_iommu(&b->m);

	compare(changes, "vmm_changed", NULL, NULL, "", va, vb, NULL);
	compare(changes, "iommu_changed", NULL, NULL, "", ia, ib, iommu_skip);
	json_object_put(va);
	json_object_put(vb);
	json_object_put(ia);
	json_object_put(ib);
	diff_registers(changes, &a->m.rf, &b->m.rf);
	vtd_model_diff(&a->m, &b->m, &entries);
	diff_faults(changes, &a->m.faults, &b->m.faults);
	if (vtd_model_diff(&a->m, &b->m, &findings) < 0) {
		json_object_put(changes);
		return NULL;
	}
	return changes;
}

/* --- output ------------------------------------------------------------- */

static struct json_object *side_json(const struct side *s)
{
	const struct vtd_snapshot *snap = snapshot_of_source(s->src);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(s->path));
	json_object_object_add(o, "created", json_object_new_string(snap->created));
	json_object_object_add(o, "kind", json_object_new_string(snap->kind));
	json_object_object_add(o, "target", json_object_new_string(snap->target));
	json_object_object_add(o, "qemu_version", snap->qemu_version[0] ?
			       json_object_new_string(snap->qemu_version) : NULL);
	return o;
}

static const char *text_of(struct json_object *v)
{
	if (!v)
		return "null";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static char sign_of(const char *kind)
{
	size_t n = strlen(kind);

	if (n > 6 && !strcmp(kind + n - 6, "_added"))
		return '+';
	if (n > 8 && !strcmp(kind + n - 8, "_removed"))
		return '-';
	return '~';
}

/* "device 00:03.0 pasid 5" and the like: what the change is about */
static void print_subject(FILE *f, struct json_object *c, const char *kind)
{
	size_t n = strcspn(kind, "_");
	struct json_object *pasid = get(c, "pasid");

	if (!strncmp(kind, "finding", n)) {
		fprintf(f, "finding %s %s", text_of(get(c, "severity")),
			text_of(get(c, "code")));
	} else if (!strncmp(kind, "register", n)) {
		fprintf(f, "register %s (%s)", text_of(get(c, "name")),
			text_of(get(c, "offset")));
	} else {
		fprintf(f, "%.*s", (int)n, kind);
		if (!strncmp(kind, "fault", n))
			fprintf(f, " %s", text_of(get(c, "index")));
	}
	if (get(c, "bdf"))
		fprintf(f, " %s", text_of(get(c, "bdf")));
	if (pasid && strncmp(kind, "pasid", n))
		fprintf(f, " pasid %s", text_of(pasid));
	else if (pasid)
		fprintf(f, " %s", text_of(pasid));
}

static void print_details(FILE *f, struct json_object *c, const char *kind)
{
	static const char *const skip[] = { "kind", "bdf", "pasid", "field", "old",
					    "new", "index", "severity", "code",
					    "name", "offset", NULL };

	if (get(c, "field")) {
		fprintf(f, " %s: %s", text_of(get(c, "field")), text_of(get(c, "old")));
		fprintf(f, " -> %s", text_of(get(c, "new")));
		return;
	}
	if (!strcmp(kind, "register_changed")) {
		fprintf(f, ": %s", text_of(get(c, "old")));
		fprintf(f, " -> %s", text_of(get(c, "new")));
		return;
	}
	json_object_object_foreach(c, key, val) {
		bool skipped = false;

		for (const char *const *k = skip; *k; k++)
			skipped |= !strcmp(*k, key);
		if (!skipped)
			fprintf(f, " %s=%s", key, text_of(val));
	}
}

static void text_diff(FILE *f, const struct side *a, const struct side *b,
		      struct json_object *changes)
{
	const struct side *s[2] = { a, b };

	if (!json_object_array_length(changes))
		return;
	for (int i = 0; i < 2; i++) {
		const struct vtd_snapshot *snap = snapshot_of_source(s[i]->src);

		char t[4 * sizeof(snap->target)], c[4 * sizeof(snap->created)];

		/* one line: the snapshot's strings with no line breaks */
		fprintf(f, "%s %s (%s %s, %s%s%s)\n", i ? "+++" : "---", s[i]->path,
			snap->kind, text_escape(t, sizeof(t), snap->target),
			text_escape(c, sizeof(c), snap->created),
			snap->qemu_version[0] ? ", QEMU " : "", snap->qemu_version);
	}
	for (size_t i = 0; i < json_object_array_length(changes); i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);
		const char *kind = json_object_get_string(get(c, "kind"));

		char sign = sign_of(kind);

		fprintf(f, "%s%c ", out_sgr(sign == '+' ? OC_NEW : sign == '-' ? OC_GONE :
					  OC_CHANGED), sign);
		print_subject(f, c, kind);
		print_details(f, c, kind);
		fprintf(f, "%s\n", out_sgr_end());
	}
}

/* Both sides: two snapshot files, or two times of the trace --trace names */
static int load_sides(struct side *a, struct side *b, struct trace **tr)
{
	if (!cli_trace_path()) {
		if (cli_targets_given(&g)) {
			report_error("diff: compares two snapshot files (or two times of --trace=FILE); take them with 'vtdctl snapshot -o FILE'");
			return -1;
		}
		return load_side(a) || load_side(b) ? -1 : 0;
	}
	*tr = cli_open_trace("diff");
	if (!*tr)
		return -1;
	return load_trace_side(*tr, a) || load_trace_side(*tr, b) ? -1 : 0;
}

int do_diff(int argc, char **argv)
{
	struct side a = { 0 }, b = { 0 };
	struct json_object *changes, *o;
	struct trace *tr = NULL;
	int rc = EXIT_FATAL;

	if (argc != 2) {
		report_error("diff: give two snapshot files (vtdctl diff A B), or two times of a recording (vtdctl --trace=FILE diff T1 T2)");
		return EXIT_FATAL;
	}
	a.path = argv[0];
	b.path = argv[1];
	if (load_sides(&a, &b, &tr))
		goto out;
	/* matching nothing on both sides is no "no change" */
	if (filter_matched_nothing(&a.m) && filter_matched_nothing(&b.m) &&
	    (report_no_match(a.src, &a.m) || report_no_match(b.src, &b.m)))
		goto out;
	changes = diff_sides(&a, &b);
	if (!changes) {
		report_error("diff: out of memory");
		goto out;
	}
	rc = json_object_array_length(changes) ? EXIT_FINDINGS : EXIT_OK;
	if (g.out.json) {
		o = json_object_new_object();
		json_object_object_add(o, "a", side_json(&a));
		json_object_object_add(o, "b", side_json(&b));
		json_object_object_add(o, "changes", changes);
		json_print(stdout, o, g.out.pretty);
	} else {
		text_diff(text_stdout(), &a, &b, changes);
		json_object_put(changes);
	}
out:
	free_side(&a);
	free_side(&b);
	if (tr)
		trace_close(tr);
	return rc;
}
