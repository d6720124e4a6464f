// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: `check`'s report: findings worst first, one line each within
 * CHECK_WIDTH columns (the whole message under -v), then the counts and
 * where to look next; in JSON the same counts as "summary".
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "output/color.h"
#include "output/output.h"

#define CHECK_WIDTH	100	/* columns of a default finding line */
#define CODE_MIN	12	/* the code column's least width */

void check_count(const struct vtd_model *m, struct check_counts *c)
{
	unsigned long n[3];

	memset(c, 0, sizeof(*c));
	vtd_count_findings(m, n);
	for (int s = 0; s < 3; s++)
		c->sev[s] = n[s];
	c->devices = m->nr_devices;
	for (size_t i = 0; i < m->nr_devices; i++)
		c->pasids += m->devices[i].nr_pasids;
}

/* "00:03.0 pasid 5 ", "bus 02 ", or "" */
static void where(const struct vtd_finding *x, char *buf, size_t len)
{
	char bdf[8];
	int n = 0;

	buf[0] = 0;
	if (x->bus != VTD_NO_BDF && x->devfn != VTD_NO_BDF) {
		fmt_bdf(bdf, x->bus, x->devfn);
		n = snprintf(buf, len, "%s ", bdf);
	} else if (x->bus != VTD_NO_BDF) {
		n = snprintf(buf, len, "bus %02x ", x->bus);
	}
	if (x->pasid != VTD_NO_PASID && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "pasid %" PRId64 " ", x->pasid);
}

/* The message cut at a word to fit room columns, with "..."; true if cut. */
static bool fit(const char *msg, size_t room, char *out, size_t len)
{
	size_t n = strlen(msg), cut;

	if (n <= room || room < 8) {
		snprintf(out, len, "%s", msg);
		return false;
	}
	cut = room - 3;
	while (cut > room / 2 && msg[cut] != ' ')
		cut--;
	if (msg[cut] != ' ')
		cut = room - 3;
	while (cut > 0 && (msg[cut - 1] == ' ' || msg[cut - 1] == ',' ||
			   msg[cut - 1] == ':' || msg[cut - 1] == ';'))
		cut--;
	snprintf(out, len, "%.*s...", (int)cut, msg);
	return true;
}

static int code_width(const struct vtd_model *m)
{
	size_t w = CODE_MIN;

	for (size_t i = 0; i < m->nr_findings; i++)
		if (strlen(m->findings[i].code) > w)
			w = strlen(m->findings[i].code);
	return (int)w;
}

bool check_finding_line(FILE *f, const struct vtd_finding *x, int cw,
			int verbose)
{
	char at[40], msg[sizeof(x->message) + 4];
	bool cut = false;
	int head;

	where(x, at, sizeof(at));
	/* head: the columns that show */
	head = out_severity_cell(f, x->sev);
	head += fprintf(f, " %-*s %s", cw, x->code, at);
	if (x->more)	/* a summary finding: how many it stands for */
		head += fprintf(f, "%lu ", x->more);
	if (verbose)
		snprintf(msg, sizeof(msg), "%s", x->message);
	else
		cut = fit(x->message, head < CHECK_WIDTH ?
			  CHECK_WIDTH - (size_t)head : 0, msg, sizeof(msg));
	fprintf(f, "%s\n", msg);
	return cut;
}

/* One line a finding; returns whether one was cut to the width. */
static bool print_findings(FILE *f, const struct vtd_model *m,
			   const struct out_opts *o)
{
	int cw = code_width(m);
	bool cut = false;

	fprintf(f, "findings:\n");
	for (size_t i = 0; i < m->nr_findings; i++)
		cut |= check_finding_line(f, &m->findings[i], cw, o->verbose);
	return cut;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void text_check(FILE *f, const struct vtd_model *m, const struct out_opts *o,
		const struct out_stream *s)
{
	struct check_counts c;
	bool cut;

	check_count(m, &c);
	if (!m->nr_findings && !(s && s->printed)) {
		fprintf(f, "clean: %zu devices, %zu present PASID entries, host side %s\n",
			c.devices, c.pasids, m->host ? "checked" : "unknown");
		return;
	}
	cut = s ? s->cut : print_findings(f, m, o);
	fprintf(f, "%u %s, %u %s, %u info in %zu %s (",
		c.sev[VTD_SEV_ERROR], plural(c.sev[VTD_SEV_ERROR], "error", "errors"),
		c.sev[VTD_SEV_WARNING], plural(c.sev[VTD_SEV_WARNING], "warning", "warnings"),
		c.sev[VTD_SEV_INFO], c.devices, plural(c.devices, "device", "devices"));
	if (m->rtaddr.mode == VTD_MODE_SCALABLE)
		fprintf(f, "%zu present PASID entries; ", c.pasids);
	fprintf(f, "host side %s)\n", m->host ? "checked" : "unknown");
	fprintf(f, "next: what each code means and what to look at, in vtdctl(8) under Finding codes%s\n",
		cut ? "; -v: whole messages" : "");
}

struct json_object *json_check_summary(const struct vtd_model *m)
{
	struct json_object *o = json_object_new_object();
	struct check_counts c;

	check_count(m, &c);
	json_object_object_add(o, "errors", json_object_new_int(c.sev[VTD_SEV_ERROR]));
	json_object_object_add(o, "warnings", json_object_new_int(c.sev[VTD_SEV_WARNING]));
	json_object_object_add(o, "info", json_object_new_int(c.sev[VTD_SEV_INFO]));
	json_object_object_add(o, "devices", json_object_new_int64((int64_t)c.devices));
	json_object_object_add(o, "pasids", json_object_new_int64((int64_t)c.pasids));
	return o;
}
