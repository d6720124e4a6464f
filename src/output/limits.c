// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the output budget of a renderer (README "Bounds"): bytes are
 * counted on their way out; past the budget the renderer lists no more
 * devices or PASIDs, and what it left out, or what --pages left out, is
 * said in findings printed after the model's.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

static ssize_t count_write(void *cookie, const char *buf, size_t len)
{
	struct out_limits *l = cookie;
	size_t n = fwrite(buf, 1, len, l->under);

	l->written += n;
	return n ? (ssize_t)n : -1;
}

FILE *out_limits_open(struct out_limits *l, FILE *f, uint64_t max)
{
	cookie_io_functions_t io = { .write = count_write };

	memset(l, 0, sizeof(*l));
	l->under = f;
	l->max = max ? max : VTD_DEFAULT_MAX_OUTPUT;
	l->f = fopencookie(l, "w", io);
	if (!l->f)
		return f;	/* no memory for it: uncounted */
	setvbuf(l->f, NULL, _IOFBF, 1 << 16);
	return l->f;
}

bool out_over(struct out_limits *l)
{
	return l->f && l->written >= l->max;
}

void out_limits_close(struct out_limits *l)
{
	if (l->f)
		fclose(l->f);
	fflush(l->under);
	l->f = NULL;
}

static void late_finding(struct vtd_finding *f, const char *code)
{
	memset(f, 0, sizeof(*f));
	f->sev = VTD_SEV_WARNING;
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->bus = f->devfn = VTD_NO_BDF;
	f->pasid = VTD_NO_PASID;
}

size_t out_late_findings(const struct out_limits *l,
			 const struct vtd_pages *pg, struct vtd_finding out[2])
{
	size_t n = 0;

	if (l->skipped) {
		late_finding(&out[n], "output_truncated");
		snprintf(out[n].message, sizeof(out[n].message),
			 "output stopped after %" PRIu64 " bytes (--max-output): %lu device(s) and PASID(s) not listed",
			 l->written, l->skipped);
		n++;
	}
	if (pg && pg->budget && pg->budget->truncated) {
		late_finding(&out[n], "pages_truncated");
		snprintf(out[n].message, sizeof(out[n].message),
			 "%lu page-table walk(s) stopped short (%s): their mappings are incomplete",
			 pg->budget->truncated,
			 "--max-ranges or --max-entries spent for the command");
		n++;
	}
	return n;
}
