// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: a filter (-s, --pasid, --did) that matches nothing is an answer
 * of its own, never "clean": say what the filter was and what the tables
 * hold instead (from a second walk without the filter).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* how many devices, and PASIDs or DIDs, the message names: it stays
 * within 100 columns */
#define DEVICES_MAX	6
#define LIST_MAX	8

static bool any_filter(const struct vtd_filter *f)
{
	return vtd_filter_has_slot(f) || f->pasid >= 0 || f->did >= 0;
}

static size_t count_pasids(const struct vtd_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nr_devices; i++)
		n += m->devices[i].nr_pasids;
	return n;
}

static bool matched_nothing(const struct vtd_model *m,
			    const struct vtd_filter *f);

bool filter_matched_nothing(const struct vtd_model *m)
{
	return matched_nothing(m, &g.walk.filter);
}

static bool matched_nothing(const struct vtd_model *m,
			    const struct vtd_filter *f)
{
	if (!any_filter(f))
		return false;
	return m->nr_devices == 0 ||
	       ((f->pasid >= 0 || f->did >= 0) && m->rtaddr.mode ==
		VTD_MODE_SCALABLE && count_pasids(m) == 0) ||
	       (f->pasid >= 0 && m->rtaddr.mode != VTD_MODE_SCALABLE);
}

/* "-s 09:00.0 --pasid=5" */
static void describe_filter(const struct vtd_filter *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (vtd_filter_has_slot(f))
		n += snprintf(buf + n, len - n, "-s %s", g.slot_arg ? g.slot_arg : "?");
	if (f->pasid >= 0 && n < len)
		n += snprintf(buf + n, len - n, "%s--pasid=%lld", n ? " " : "",
			      (long long)f->pasid);
	if (f->did >= 0 && n < len)
		snprintf(buf + n, len - n, "%s--did=%lld", n ? " " : "",
			 (long long)f->did);
}

/* Append v to a sorted set of at most cap values; false when full. */
static void add_value(unsigned *set, size_t *n, size_t cap, bool *more,
		      unsigned v)
{
	size_t i = 0;

	while (i < *n && set[i] < v)
		i++;
	if (i < *n && set[i] == v)
		return;
	if (*n == cap) {
		*more = true;
		return;
	}
	memmove(set + i + 1, set + i, (*n - i) * sizeof(*set));
	set[i] = v;
	(*n)++;
}

/* " 0 1 5 ..." (numbers in the base the options take: decimal) */
static size_t print_values(char *buf, size_t len, const unsigned *v, size_t n,
			   bool more)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < len; i++)
		k += snprintf(buf + k, len - k, " %u", v[i]);
	if (more && k < len)
		k += snprintf(buf + k, len - k, " ...");
	return k;
}

/* The devices, PASIDs and DIDs of the unfiltered model, as sorted sets. */
struct held {
	unsigned pasids[LIST_MAX], dids[LIST_MAX];
	size_t np, nd;
	bool pmore, dmore;
};

static void collect(const struct vtd_model *all, struct held *h)
{
	bool sm = all->rtaddr.mode == VTD_MODE_SCALABLE;
	struct vtd_pasid_entry e;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < all->nr_devices; i++) {
		const struct vtd_device *d = &all->devices[i];

		if (!sm) {
			add_value(h->dids, &h->nd, LIST_MAX, &h->dmore, d->ctx.leg.did);
			continue;
		}
		for (size_t j = 0; j < d->nr_pasids; j++) {
			add_value(h->pasids, &h->np, LIST_MAX, &h->pmore,
				  d->pasids[j].pasid);
			add_value(h->dids, &h->nd, LIST_MAX, &h->dmore,
				  vtd_pasid_decode(&d->pasids[j], &e)->did);
		}
	}
}

/* What the unfiltered model holds, for the parts the filter named:
 * "13 devices: 00:00.0 ... ; PASIDs: 0; DIDs: 2 3 ...". */
static void describe_tables(const struct vtd_model *all,
			    const struct vtd_filter *f, char *buf, size_t len)
{
	struct held h;
	size_t k = 0;

	collect(all, &h);
	buf[0] = 0;
	if (f->domain > 0) {
		k += snprintf(buf, len, "the unit's %zu devices are all in segment 0000",
			      all->nr_devices);
	} else if (vtd_filter_has_slot(f)) {
		k += snprintf(buf, len, "%zu device%s:", all->nr_devices,
			      all->nr_devices == 1 ? "" : "s");
		for (size_t i = 0; i < all->nr_devices && k < len; i++) {
			char bdf[8];

			if (i == DEVICES_MAX) {
				k += snprintf(buf + k, len - k, " ...");
				break;
			}
			fmt_bdf(bdf, all->devices[i].bus, all->devices[i].devfn);
			k += snprintf(buf + k, len - k, " %s", bdf);
		}
	}
	if (f->pasid >= 0 && k < len) {
		if (all->rtaddr.mode != VTD_MODE_SCALABLE) {
			k += snprintf(buf + k, len - k, "%slegacy mode: no PASID tables",
				      k ? "; " : "");
		} else {
			k += snprintf(buf + k, len - k, "%sPASIDs:", k ? "; " : "");
			if (k < len)
				k += print_values(buf + k, len - k, h.pasids, h.np, h.pmore);
		}
	}
	if (f->did >= 0 && k < len) {
		k += snprintf(buf + k, len - k, "%sDIDs:", k ? "; " : "");
		if (k < len)
			print_values(buf + k, len - k, h.dids, h.nd, h.dmore);
	}
}

/* Walk src again with filter f (no --pause); 0 or a negative errno. */
static int walk_with(struct vtd_source *src, struct vtd_filter f,
		     struct vtd_model *out)
{
	struct vtd_inspect_opts o = cli_inspect_opts(0);

	o.walk.filter = f;
	o.pause = false;
	return vtd_inspect(src, &o, out);
}

bool report_no_match(struct vtd_source *src, const struct vtd_model *m)
{
	struct vtd_filter f = g.walk.filter, slot_only = f;
	struct vtd_model all;
	char what[128], tables[600];

	if (!matched_nothing(m, &f))
		return false;
	if (walk_with(src, VTD_FILTER_ALL, &all) < 0)
		return false;	/* the command's own output then says more */
	if (all.nr_devices == 0) {
		/* nothing to match: the tables are empty, not the filter wrong */
		vtd_model_free(&all);
		return false;
	}
	describe_filter(&f, what, sizeof(what));
	/* -s matched, --pasid or --did did not: what those devices hold */
	slot_only.pasid = slot_only.did = -1;
	if (vtd_filter_has_slot(&f) && (f.pasid >= 0 || f.did >= 0)) {
		struct vtd_model some;

		if (walk_with(src, slot_only, &some) == 0) {
			if (some.nr_devices) {
				vtd_model_free(&all);
				all = some;
				f.domain = f.bus = f.slot = f.func = -1;
			} else {
				vtd_model_free(&some);
			}
		}
	}
	describe_tables(&all, &f, tables, sizeof(tables));
	report_error("nothing matches %s (%s%s)", what,
		     vtd_filter_has_slot(&f) || !vtd_filter_has_slot(&g.walk.filter) ?
		     "" : "what -s names holds ", tables);
	vtd_model_free(&all);
	return true;
}
