// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl snapshot -o FILE: run everything an offline run needs (the walk,
 * the register file, the VMM facts, the host side, the invalidation queue
 * and the interrupt remapping table) through a recording source, then save
 * what it saw (docs/snapshot-format.md).
 */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "walker/regfile.h"
#include "cli/cli.h"
#include "vmm/host.h"
#include "snapshot/snapshot.h"
#include "walker/iq.h"
#include "walker/ir.h"
#include "walker/addrmap.h"
#include "walker/mappings.h"

static bool filtered(const struct vtd_filter *f)
{
	return vtd_filter_has_slot(f) || f->pasid >= 0 || f->did >= 0;
}

/* The queue and the IR table, as `iq` and `ir` read them; their findings
 * are not kept (an offline run finds them again). */
static int read_queues(struct vtd_source *rec, const struct vtd_regfile *rf)
{
	struct vtd_model scratch;
	struct vtd_iq iq;
	struct vtd_ir ir;
	int err;

	if (!rf->valid)
		return 0;
	memset(&scratch, 0, sizeof(scratch));
	memset(&iq, 0, sizeof(iq));
	memset(&ir, 0, sizeof(ir));
	err = vtd_read_iq(rec, rf, 1, &iq, &scratch);
	vtd_iq_free(&iq);
	if (!err)
		err = vtd_read_ir(rec, rf, &VTD_FILTER_ALL, &ir, &scratch);
	vtd_ir_free(&ir);
	vtd_model_free(&scratch);
	return err;
}

/*
 * A dump has no registers, and the walk would scan all of its RAM for the
 * root table. Scan the dump itself, unrecorded, and walk from what it finds
 * (the snapshot keeps that RTADDR in its header).
 */
static int inspect_recorded(struct vtd_source *rec, struct vtd_model *m)
{
	struct vtd_inspect_opts o = cli_inspect_opts(VTD_STAGE_VMM | VTD_STAGE_HOST);
	struct vtd_regfile *rf = malloc(sizeof(*rf));
	struct vtd_rtaddr_scan scan;
	uint64_t rtaddr;
	bool scanned = false;
	int err;

	if (!rf)
		return -ENOMEM;
	if (!o.walk.have_rtaddr && !vtd_read_regfile(rec, rf) && !rf->valid &&
	    !vtd_scan_rtaddr(recorder_inner(rec), &rtaddr, &scan)) {
		o.walk.have_rtaddr = scanned = true;
		o.walk.rtaddr = rtaddr;
	}
	free(rf);
	err = vtd_inspect(rec, &o, m);
	if (!err && scanned)
		m->rtaddr_origin = VTD_RTADDR_SCAN;
	return err;
}

/* Which page table a context or PASID entry selects, as one key (table
 * pointers are 4 KiB aligned: the low bits say stage and levels); 0 for an
 * entry whose table is not walked or is odd (walked every time, cheaply). */
static uint64_t table_key(const struct vtd_device *d,
			  const struct vtd_pasid_rec *p)
{
	struct vtd_pasid_entry e;

	if (!d->scalable)
		return d->ctx.leg.tt != 2 && !(d->ctx.leg.slptptr & 0xfff) ?
		       d->ctx.leg.slptptr | 0x100 | d->ctx.leg.aw : 0;
	vtd_pasid_decode(p, &e);
	if (e.pgtt == VTD_PGTT_FIRST && !(e.flptptr & 0xfff))
		return e.flptptr | 0x200 | e.flpm;
	if (e.pgtt == VTD_PGTT_SECOND && !(e.slptptr & 0xfff))
		return e.slptptr | 0x300 | e.aw;
	return 0;
}

/*
 * --pages: every page table of every device and PASID, so that xlate and
 * dump --pages work on the snapshot too (it grows with what is mapped).
 * A table that many PASIDs share (one domain) is read once; the whole
 * is bounded by the --pages budget. Returns 0, 1 when a budget stopped
 * it (a note says so), or a negative errno.
 */
static int read_page_tables(struct vtd_source *rec, const struct vtd_model *m)
{
	struct vtd_map_budget b;
	struct addrmap seen = { 0 };
	int err = 0;

	/* ranges are not listed here: the table pages are the budget, 32768
	 * of them (a full one takes ~5.5 KB of the 256 MiB file) unless
	 * --max-entries says otherwise */
	vtd_map_budget_init(&b, ~0UL, g.walk.max_entries ? g.walk.max_entries :
			    32768UL * 512);
	b.count_only = true;
	for (size_t i = 0; !err && i < m->nr_devices; i++) {
		const struct vtd_device *d = &m->devices[i];
		size_t n = d->scalable ? d->nr_pasids : 1;

		for (size_t j = 0; !err && j < n; j++) {
			const struct vtd_pasid_rec *p = d->scalable ? &d->pasids[j] : NULL;
			uint64_t key = table_key(d, p);
			struct vtd_mappings mp;
			bool found = false;

			if (key && addrmap_get(&seen, key, 0, &found) && found)
				continue;
			err = vtd_enum_mappings(rec, m, d, p, &b, &mp);
			if (!err)
				vtd_mappings_free(&mp);
		}
	}
	addrmap_free(&seen);
	if (err)
		return err;
	if (!b.truncated)
		return 0;
	fprintf(stderr, "vtdctl: snapshot: %lu page-table walk(s) stopped short (--max-entries spent): the snapshot holds part of their pages\n",
		b.truncated);
	return 1;
}

/* The walk, the VMM, the host side, the queues (with pages, every page
 * table); 0 or a negative errno (the message in rec->error), m freed then.
 * *cut_short: a budget stopped the page tables short (a note says so). */
static int record_everything(struct vtd_source *rec, struct vtd_model *m,
			     bool pages, bool *cut_short)
{
	int err;

	err = inspect_recorded(rec, m);
	if (!err)
		err = read_queues(rec, &m->rf);
	if (!err && pages)
		err = read_page_tables(rec, m);
	if (err < 0) {
		vtd_model_free(m);
		return err;
	}
	*cut_short = err > 0;
	return 0;
}

static const char *rtaddr_origin(enum vtd_rtaddr_origin o)
{
	return o == VTD_RTADDR_USER ? "user" : o == VTD_RTADDR_SCAN ? "scan" : "";
}

static void fill_header(struct vtd_snapshot *s, const struct vtd_model *m)
{
	time_t now = time(NULL);
	struct tm tm;

	s->created_unix = now;
	gmtime_r(&now, &tm);
	strftime(s->created, sizeof(s->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(s->vtdctl_version, sizeof(s->vtdctl_version), "%s",
		 VTDCTL_VERSION);
	if (m->vmm.known) {
		snprintf(s->qemu_version, sizeof(s->qemu_version), "%s",
			 m->vmm.version[0] ? m->vmm.version : "unknown");
		snprintf(s->qemu_package, sizeof(s->qemu_package), "%s",
			 m->vmm.package);
	}
	/* a dump has no registers: keep the root table the walk used */
	if (!m->regs.valid && m->rtaddr_origin != VTD_RTADDR_NONE) {
		s->rtaddr = m->rtaddr.raw;
		snprintf(s->rtaddr_origin, sizeof(s->rtaddr_origin), "%s",
			 rtaddr_origin(m->rtaddr_origin));
	}
}

static void print_summary(const struct vtd_snapshot *s, const char *path)
{
	struct stat st;
	long long size = stat(path, &st) ? -1 : (long long)st.st_size;
	unsigned regs = 0;

	for (unsigned i = 0; i < SNAP_REG_QWORDS; i++)
		regs += s->reg_valid[i];
	if (g.out.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "bytes", json_object_new_int64(size));
		json_object_object_add(o, "pages", json_object_new_int64(s->nr_pages));
		json_object_object_add(o, "registers", json_object_new_int(regs));
		json_object_object_add(o, "monitor", json_object_new_int64(s->nr_mon));
		json_object_object_add(o, "truncated", s->truncated[0] ?
				       json_object_new_string(s->truncated) : NULL);
		json_print(stdout, o, g.out.pretty);
		return;
	}
	printf("%s: %lld bytes: %zu guest pages, %u register qwords, %zu monitor replies\n",
	       path, size, s->nr_pages, regs, s->nr_mon);
	if (s->rtaddr_origin[0])
		printf("note: the target has no registers; read the snapshot back with --rtaddr=0x%llx\n",
		       (unsigned long long)s->rtaddr);
}

int snapshot_save(struct vtd_source *src, const char *path, bool pages,
		  char *err, size_t errlen)
{
	bool was_kept = src->kept, cut_short;
	struct vtd_source *rec;
	struct vtd_snapshot *s;
	struct vtd_model m;
	int rc;

	rec = recorder_wrap(src);
	if (!rec) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	src->kept = true;	/* closing the recorder leaves src open */
	rc = record_everything(rec, &m, pages, &cut_short);
	if (rc < 0) {
		snprintf(err, errlen, "%s", source_strerror(rec, rc));
	} else {
		s = recorder_snapshot(rec);
		fill_header(s, &m);
		vtd_model_free(&m);
		rc = snapshot_write(s, path, err, errlen);	/* a cut is
						 * in the file ("truncated") */
	}
	source_close(rec);
	src->kept = was_kept;
	return rc ? -1 : 0;
}

int snapshot_take(struct vtd_source *src, struct vtd_snapshot **out,
		  struct vtd_model *m, char *err, size_t errlen)
{
	bool was_kept = src->kept, cut_short;
	struct vtd_source *rec = recorder_wrap(src);
	int rc;

	if (!rec) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	src->kept = true;	/* closing the recorder leaves src open */
	rc = record_everything(rec, m, false, &cut_short);
	if (rc < 0) {
		snprintf(err, errlen, "%s", source_strerror(rec, rc));
	} else {
		*out = recorder_take(rec);
		if (*out) {
			fill_header(*out, m);
		} else {
			vtd_model_free(m);
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
	}
	source_close(rec);
	src->kept = was_kept;
	return rc < 0 ? rc : 0;
}

int do_snapshot(int argc, char **argv)
{
	struct vtd_snapshot *s;
	struct vtd_source *src, *rec;
	struct vtd_model m;
	char err[600];
	int rc = EXIT_FATAL, err_no;
	bool cut_short;

	if (no_args("snapshot", argc, argv))
		return EXIT_FATAL;
	if (!g.output) {
		report_error("snapshot: give -o FILE (or -o - for stdout)");
		return EXIT_FATAL;
	}
	if (filtered(&g.walk.filter)) {
		report_error("snapshot: a snapshot holds every device; give -s, --pasid and --did when reading it back");
		return EXIT_FATAL;
	}
	/* past RLIMIT_FSIZE, write() then fails with EFBIG instead of a signal */
	signal(SIGXFSZ, SIG_IGN);
	src = open_target();
	if (!src)
		return EXIT_FATAL;
	rec = recorder_wrap(src);
	if (!rec) {
		report_error("snapshot: out of memory");
		source_close(src);
		return EXIT_FATAL;
	}
	if ((err_no = record_everything(rec, &m, g.pages, &cut_short)) < 0) {
		report_source_error(rec, err_no);
		goto out;
	}
	s = recorder_snapshot(rec);
	fill_header(s, &m);
	vtd_model_free(&m);
	if (snapshot_write(s, g.output, err, sizeof(err))) {
		report_error("snapshot: %s", err);
		goto out;
	}
	if (s->truncated[0])	/* written, bounded: the file says it too */
		fprintf(stderr, "vtdctl: snapshot: cut short to its limits: %s\n",
			s->truncated);
	if (strcmp(g.output, "-"))
		print_summary(s, g.output);
	rc = cut_short || s->truncated[0] ? EXIT_FINDINGS : EXIT_OK;
out:
	source_close(rec);
	return rc;
}
