// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the output budget of a renderer (README "Bounds"): bytes are
 * counted on their way out; past the budget the renderer lists no more
 * devices or PASIDs, and what it left out, or what --pages left out, is
 * said in findings printed after the model's.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <inttypes.h>
#include <stdarg.h>
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

static void late_finding(struct vtd_finding *f, const char *code,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void late_finding(struct vtd_finding *f, const char *code,
			 const char *fmt, ...)
{
	va_list ap;

	memset(f, 0, sizeof(*f));
	f->sev = VTD_SEV_WARNING;
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->bus = f->devfn = VTD_NO_BDF;
	f->pasid = VTD_NO_PASID;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

size_t out_late_findings(const struct out_limits *l,
			 const struct vtd_pages *pg, struct vtd_finding out[2])
{
	size_t n = 0;

	if (l->skipped)
		late_finding(&out[n++], "output_truncated",
			     "output stopped after %" PRIu64 " bytes (--max-output): %lu device(s), PASID(s) and range(s) not listed",
			     l->written, l->skipped);
	if (pg && pg->budget && pg->budget->truncated)
		late_finding(&out[n++], "pages_truncated",
			     "%lu page-table walk(s) stopped short (--max-ranges or --max-entries spent for the command): their mappings are incomplete",
			     pg->budget->truncated);
	return n;
}
