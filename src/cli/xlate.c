// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl xlate: the page walk of one IOVA for one device (and PASID). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "output/xlate.h"
#include "walker/xlate.h"

/* IOVA [read|write]; returns 0 or -1 after report_error() */
static int parse_args(int argc, char **argv, uint64_t *iova, bool *write)
{
	char *end;

	if (argc < 1) {
		report_error("xlate: give an IOVA (vtdctl xlate -s BDF [--pasid=N] IOVA [read|write])");
		return -1;
	}
	/* hex, as every address vtdctl prints; 0x is optional */
	errno = 0;
	*iova = strtoull(argv[0], &end, 16);
	if (!argv[0][0] || argv[0][0] == '-' || argv[0][0] == '+' ||
	    isspace((unsigned char)argv[0][0]) || *end || errno) {
		report_error("xlate: '%s' is not a hex address (IOVA is hex, 0x optional)",
			     argv[0]);
		return -1;
	}
	*write = false;
	if (argc >= 2) {
		if (!strcmp(argv[1], "write"))
			*write = true;
		else if (strcmp(argv[1], "read")) {
			report_error("xlate: access must be 'read' or 'write', not '%s'",
				     argv[1]);
			return -1;
		}
	}
	if (argc > 2) {
		report_error("xlate: unexpected argument '%s'", argv[2]);
		return -1;
	}
	return 0;
}

/* The devices the model holds, "00:1f.0 00:1f.2 ...", into buf. */
static void list_devices(const struct vtd_model *m, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < m->nr_devices && n + 9 < len; i++) {
		fmt_bdf(buf + n, m->devices[i].bus, m->devices[i].devfn);
		n += strlen(buf + n);
		if (i + 1 < m->nr_devices)
			buf[n++] = ' ', buf[n] = 0;
	}
}

/* The device and PASID entry to translate with; -1 after report_error() */
static int pick(struct vtd_source *src, const struct vtd_model *m,
		struct vtd_xlate_req *req)
{
	const struct vtd_filter *f = &g.walk.filter;
	const struct vtd_device *d;
	char bdf[8], list[200];
	uint32_t pasid;

	if (m->nr_devices == 0) {
		if (!report_no_match(src, m))
			report_error("xlate: -s %s: no device has a present context entry",
				     g.slot_arg);
		return -1;
	}
	if (m->nr_devices > 1) {
		list_devices(m, list, sizeof(list));
		report_error("xlate: -s %s matches %zu devices (%s): name one",
			     g.slot_arg, m->nr_devices, list);
		return -1;
	}
	d = req->d = &m->devices[0];
	fmt_bdf(bdf, d->bus, d->devfn);
	if (!d->scalable) {
		if (f->pasid >= 0) {
			report_error("xlate: %s: legacy mode has no PASIDs", bdf);
			return -1;
		}
		return 0;
	}
	pasid = f->pasid >= 0 ? (uint32_t)f->pasid : d->ctx.sm.rid_pasid;
	req->p = vtd_model_pasid(d, pasid);
	if (!req->p) {
		report_error("xlate: %s has no present PASID entry for PASID %u%s",
			     bdf, pasid, f->pasid >= 0 ? "" : " (RID_PASID)");
		return -1;
	}
	return 0;
}

int do_xlate(int argc, char **argv)
{
	struct vtd_xlate_req req = { 0 };
	struct vtd_xlate *x;
	struct vtd_source *src;
	struct vtd_model m;
	int err, rc = EXIT_FATAL;

	if (!vtd_filter_has_slot(&g.walk.filter)) {
		report_error("xlate: -s BDF is required");
		return EXIT_FATAL;
	}
	if (parse_args(argc, argv, &req.iova, &req.write))
		return EXIT_FATAL;
	x = malloc(sizeof(*x));
	if (!x) {
		report_error("xlate: out of memory");
		return EXIT_FATAL;
	}
	src = open_target();
	if (!src)
		goto out_free;
	if (inspect_target(src, VTD_STAGE_VMM, &m))
		goto out_close;
	req.m = &m;
	if (pick(src, &m, &req))
		goto out_model;
	err = vtd_xlate(src, &req, x);
	if (err < 0) {
		report_source_error(src, err);
		goto out_model;
	}
	if (g.out.json)
		json_print(stdout, json_xlate(x), g.out.pretty);
	else
		text_xlate(text_stdout(), x, &g.out);
	/* unknown (a table not recorded): no answer, as for a fatal error */
	rc = x->unknown ? EXIT_FATAL : x->faulted ? EXIT_FINDINGS : EXIT_OK;
out_model:
	vtd_model_free(&m);
out_close:
	source_close(src);
out_free:
	free(x);
	return rc;
}
