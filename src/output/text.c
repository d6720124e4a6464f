// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: human-readable renderer. One line per device and one per present
 * PASID; -v adds lspci-style flags (P+ FPD-), -vv the raw qwords.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/color.h"
#include "output/wrap.h"
#include "output/output.h"
#include "walker/mappings.h"

#define FLAG(b)	((b) ? '+' : '-')

void fmt_bdf(char buf[8], int bus, int devfn)
{
	snprintf(buf, 8, "%02x:%02x.%x", bus & 0xff, (devfn >> 3) & 0x1f,
		 devfn & 7);
}

static const char *tt_name(unsigned tt)
{
	static const char *const names[] = {
		"translate", "translate+devtlb", "pass-through", "reserved(3)",
	};

	return names[tt & 3];
}

/* Four qwords a line, the next lines under the first qword */
#define RAW_PER_LINE	4

static void print_raw(FILE *f, const char *indent, const uint64_t *raw,
		      unsigned n)
{
	fprintf(f, "%sraw:", indent);
	for (unsigned i = 0; i < n; i++) {
		if (i && i % RAW_PER_LINE == 0)
			fprintf(f, "\n%s    ", indent);
		fprintf(f, " %016" PRIx64, raw[i]);
	}
	fputc('\n', f);
}

void text_source_line(FILE *f, const struct vtd_model_source *s)
{
	bool fmt = s->format[0] && strcmp(s->format, s->access);

	fprintf(f, "source: %s %s (%s%s%s", s->kind, s->target,
		s->access[0] ? s->access : "-", fmt ? ", format " : "",
		fmt ? s->format : "");
	if (s->pages_left_out)
		fprintf(f, ", %" PRIu64 " pages of RAM left out of the dump",
			s->pages_left_out);
	fputs(")\n", f);
}

static void print_header(FILE *f, const struct vtd_model *m,
			 const struct out_opts *o)
{
	const struct vtd_regs *r = &m->regs;
	const struct vtd_model_source *s = &m->source;

	text_source_line(f, s);
	if (o->verbose && s->access_why[0]) {
		struct wrap w;

		fputs("access:", f);
		wrap_start(&w, f, 7, 8);
		wrap_text(&w, s->access_why);
		wrap_end(&w);
	}
	vtd_vmm_text(f, &m->vmm, o->verbose);
	if (r->valid)
		fprintf(f, "iommu: VT-d %u.%u at 0x%" PRIx64 ", %s, translation %s\n",
			(unsigned)(r->ver >> 4) & 0xf, (unsigned)r->ver & 0xf,
			m->mmio_base, m->ecap.smts ? "scalable-capable" :
			"legacy-only", r->gsts & VTD_GSTS_TES ? "on" : "off");
	else
		fprintf(f, "iommu: registers not available from this source\n");
	if (m->rtaddr_origin == VTD_RTADDR_NONE) {
		fprintf(f, "root table: unknown\n");
		return;
	}
	fprintf(f, "root table: 0x%" PRIx64 ", %s mode (RTADDR 0x%" PRIx64 ", %s)\n",
		m->rtaddr.addr, vtd_mode_name(m->rtaddr.mode), m->rtaddr.raw,
		m->rtaddr_origin == VTD_RTADDR_REGISTER ? "from the register" :
		m->rtaddr_origin == VTD_RTADDR_USER ? "from --rtaddr" :
		m->rtaddr_origin == VTD_RTADDR_RECORDED ? "recorded in the snapshot" :
		"guessed by scanning the dump");
	if (o->verbose && r->valid)
		fprintf(f, "registers: VER 0x%" PRIx64 " CAP 0x%016" PRIx64
			" ECAP 0x%016" PRIx64 " GSTS 0x%08" PRIx64 "\n",
			r->ver, r->cap, r->ecap, r->gsts);
	if (o->verbose)
		fprintf(f, "walk: %lu tables read, %lu entries, %lu source calls\n",
			m->tables_read, m->entries_seen, s->calls);
}

/* "  faulted(2)  !" : pending fault records, then findings */
static const char *device_marks(const struct vtd_device *d, char *buf,
				unsigned len)
{
	int n = 0;

	buf[0] = 0;
	if (d->nr_faults)
		n = snprintf(buf, len, "  faulted(%u)", d->nr_faults);
	if (d->nr_findings && n >= 0 && (unsigned)n < len)
		snprintf(buf + n, len - n, "  !");
	return buf;
}

/* The host column ("  host=dmar"), only when the host side is known */
static const char *host_col(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len)
{
	char w[48];

	if (!h)
		return "";
	if (p)
		host_text_pasid(h, d, p, w, sizeof(w));
	else
		host_text_device(h, d, w, sizeof(w));
	snprintf(buf, len, "  host=%s", w);
	return buf;
}

/* "16 MiB": the largest unit that divides the size */
static void fmt_size(char *buf, size_t len, uint64_t size)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	size >>= 10;
	while (u < 3 && size && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", size, unit[u]);
}

/* --pages: the mapped ranges under a PASID or legacy device */
static void print_mappings(FILE *f, struct out_limits *l,
			   const struct vtd_pages *pages,
			   const struct vtd_device *d,
			   const struct vtd_pasid_rec *p)
{
	struct vtd_mappings mp;
	const char *nw, *why = "";
	char sz[32];

	if (!pages)
		return;
	if (pages->read(pages, d, p, &mp, &why) < 0) {
		fprintf(f, "    mapped: unknown (%s)\n", why);
		return;
	}
	nw = vtd_map_not_walked_name(mp.not_walked);
	if (nw)
		fprintf(f, "    mapped: not walked (%s)\n", nw);
	else if (mp.not_recorded && !mp.nr_ranges)
		fprintf(f, "    mapped: unknown (page tables not recorded: retake the snapshot with --pages)");
	else
		fprintf(f, "    mapped: %zu ranges, %" PRIu64 " KiB%s", mp.nr_ranges,
			mp.mapped >> 10, mp.truncated ? ", truncated" : "");
	if (!nw && mp.bad_pointers)
		fprintf(f, ", %lu table pointers not in RAM", mp.bad_pointers);
	if (!nw && mp.not_recorded && mp.nr_ranges)
		fprintf(f, ", %lu tables not recorded: maybe more", mp.not_recorded);
	if (!nw && mp.shared)
		fprintf(f, ", %lu shared tables walked once", mp.shared);
	if (!nw)
		fputc('\n', f);
	for (size_t i = 0; i < mp.nr_ranges; i++) {
		const struct vtd_map_range *r = &mp.ranges[i];

		if (out_over(l)) {
			l->skipped += mp.nr_ranges - i;
			break;
		}

		fmt_size(sz, sizeof(sz), r->size);
		fprintf(f, "      0x%016" PRIx64 "-0x%016" PRIx64 " -> 0x%016" PRIx64 "  %c%c  %s\n",
			r->iova, r->iova + r->size - 1, r->gpa,
			r->read ? 'R' : '-', r->write ? 'W' : '-', sz);
	}
	vtd_mappings_free(&mp);
}

static void print_legacy_device(FILE *f, struct out_limits *l,
				const struct vtd_device *d,
				const struct vtd_host *h, const struct out_opts *o,
				const struct vtd_pages *pg)
{
	const struct vtd_ctx_legacy *c = &d->ctx.leg;
	char bdf[8], marks[32], hc[64];

	fmt_bdf(bdf, d->bus, d->devfn);
	fprintf(f, "%-8s %5u  %-16s %u (%u-level)  0x%016" PRIx64 "%s%s\n", bdf,
		c->did, tt_name(c->tt), c->aw, c->aw + 2, c->slptptr,
		device_marks(d, marks, sizeof(marks)), host_col(h, d, NULL, hc, sizeof(hc)));
	if (o->verbose >= 1)
		fprintf(f, "         P%c FPD%c TT=%u AW=%u AVAIL=%u DID=%u  entry 0x%" PRIx64 "\n",
			FLAG(c->p), FLAG(c->fpd), c->tt, c->aw, c->avail,
			c->did, d->ctx_gpa);
	if (o->verbose >= 2)
		print_raw(f, "         ", c->raw, 2);
	print_mappings(f, l, pg, d, NULL);
}

static void print_pasid(FILE *f, struct out_limits *l,
			const struct vtd_device *d,
			const struct vtd_pasid_rec *p, const struct vtd_host *h,
			const struct out_opts *o, const struct vtd_pages *pg)
{
	struct vtd_pasid_entry ent;
	const struct vtd_pasid_entry *e = vtd_pasid_decode(p, &ent);
	char name[24], hc[64];
	bool fs = e->pgtt == VTD_PGTT_FIRST, ss = e->pgtt == VTD_PGTT_SECOND;
	bool nested = e->pgtt == VTD_PGTT_NESTED;

	fprintf(f, "  pasid %-7u %5u  %-13s ", p->pasid, e->did,
		vtd_pgtt_name(e->pgtt, name, sizeof(name)));
	if (fs || nested)
		fprintf(f, "FL 0x%016" PRIx64 " (%u-level)", e->flptptr,
			e->flpm ? 5 : 4);
	if (ss && !nested)
		fprintf(f, "SL 0x%016" PRIx64 " (%u-level)", e->slptptr,
			e->aw + 2);
	fprintf(f, "%s\n", host_col(h, d, p, hc, sizeof(hc)));
	/* nested: the second stage under the first (one line would pass
	 * TEXT_WIDTH) */
	if (nested)
		fprintf(f, "%37sSL 0x%016" PRIx64 " (%u-level)\n", "", e->slptptr,
			e->aw + 2);
	if (o->verbose >= 1)
		fprintf(f, "      P%c FPD%c AW=%u PGTT=%u SSADE%c DID=%u PWSNP%c PGSNP%c SRE%c FLPM=%u WPE%c EAFE%c  entry 0x%" PRIx64 "\n",
			FLAG(e->p), FLAG(e->fpd), e->aw, e->pgtt,
			FLAG(e->ssade), e->did, FLAG(e->pwsnp), FLAG(e->pgsnp),
			FLAG(e->sre), e->flpm, FLAG(e->wpe), FLAG(e->eafe),
			p->gpa);
	if (o->verbose >= 2)
		print_raw(f, "      ", e->raw, 8);
	print_mappings(f, l, pg, d, p);
}

static void print_sm_device(FILE *f, struct out_limits *l,
			    const struct vtd_model *m,
			    const struct vtd_device *d, const struct out_opts *o,
			    const struct vtd_pages *pg)
{
	const struct vtd_host *h = m->host;
	const struct vtd_ctx_sm *c = &d->ctx.sm;
	char bdf[8], marks[32], hc[64];

	fmt_bdf(bdf, d->bus, d->devfn);
	fprintf(f, "%-8s PDTS=%u (%u PASIDs)  dir 0x%" PRIx64 "  RID_PASID %u  %zu present%s%s\n",
		bdf, c->pdts, vtd_pdts_entries(c->pdts) * 64u, c->pasid_dir,
		c->rid_pasid, d->nr_pasids,
		device_marks(d, marks, sizeof(marks)), host_col(h, d, NULL, hc, sizeof(hc)));
	if (o->verbose >= 1)
		fprintf(f, "         P%c FPD%c DTE%c PASIDE%c PRE%c PDTS=%u  entry 0x%" PRIx64 "\n",
			FLAG(c->p), FLAG(c->fpd), FLAG(c->dte),
			FLAG(c->paside), FLAG(c->pre), c->pdts, d->ctx_gpa);
	if (o->verbose >= 2)
		print_raw(f, "         ", c->raw, 4);
	if (d->dir_shared_with >= 0) {
		const struct vtd_device *first = &m->devices[d->dir_shared_with];

		fmt_bdf(bdf, first->bus, first->devfn);
		fprintf(f, "  (PASID directory shared with %s: PASIDs listed there)\n",
			bdf);
	}
	for (size_t i = 0; i < d->nr_pasids; i++) {
		if (out_over(l)) {
			l->skipped += d->nr_pasids - i;
			break;
		}
		print_pasid(f, l, d, &d->pasids[i], h, o, pg);
	}
}

void text_finding(FILE *f, const struct vtd_finding *x)
{
	struct wrap w;
	char bdf[8];
	int col;

	/* col counts what shows, so that the message wraps at a word within
	 * TEXT_WIDTH */
	col = out_severity_cell(f, x->sev);
	col += fprintf(f, " %-24s", x->code);
	if (x->bus != VTD_NO_BDF && x->devfn != VTD_NO_BDF) {
		fmt_bdf(bdf, x->bus, x->devfn);
		col += fprintf(f, " %s", bdf);
	} else if (x->bus != VTD_NO_BDF) {
		col += fprintf(f, " bus %02x", x->bus);
	}
	if (x->pasid != VTD_NO_PASID)
		col += fprintf(f, " pasid %" PRId64, x->pasid);
	if (x->more)
		col += fprintf(f, " %lu", x->more);
	wrap_start(&w, f, col > 0 ? (unsigned)col : 0, 12);
	wrap_text(&w, x->message);
	wrap_end(&w);
}

void text_findings(FILE *f, const struct vtd_model *m)
{
	if (!m->nr_findings)
		return;
	fprintf(f, "findings:\n");
	for (size_t i = 0; i < m->nr_findings; i++)
		text_finding(f, &m->findings[i]);
}

int text_dump(FILE *out, const struct vtd_model *m, const struct out_opts *o,
	      const struct vtd_pages *pages, const struct out_stream *s)
{
	bool sm = m->rtaddr.mode == VTD_MODE_SCALABLE;
	struct vtd_finding late[2];
	struct out_limits l;
	FILE *f = out_limits_open(&l, out, o->max_output);
	size_t nl;

	if (s && s->printed)	/* the findings came first, as found */
		fputc('\n', f);
	print_header(f, m, o);
	if (m->nr_devices) {
		if (sm)
			fprintf(f, "\nBDF      CONTEXT\n  PASID           DID  PGTT          TABLES\n");
		else
			fprintf(f, "\nBDF        DID  TT               AW           SLPTPTR\n");
	} else {
		fprintf(f, "\nno device has a present context entry\n");
	}
	for (size_t i = 0; i < m->nr_devices; i++) {
		const struct vtd_device *d = &m->devices[i];

		if (out_over(&l)) {
			l.skipped += 1 + d->nr_pasids;
			continue;
		}
		if (d->scalable)
			print_sm_device(f, &l, m, d, o, pages);
		else
			print_legacy_device(f, &l, d, m->host, o, pages);
	}
	nl = out_late_findings(&l, pages, late);
	if (m->nr_findings || nl)
		fputc('\n', f);
	if (!m->nr_findings && nl)
		fprintf(f, "findings:\n");
	text_findings(f, m);
	for (size_t i = 0; i < nl; i++)
		text_finding(f, &late[i]);
	out_limits_close(&l);
	return (int)nl;
}
