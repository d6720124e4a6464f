// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl xlate: the page walk of one IOVA for one device (and PASID). */
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
	errno = 0;
	*iova = strtoull(argv[0], &end, 0);
	if (!argv[0][0] || argv[0][0] == '-' || *end || errno) {
		report_error("xlate: '%s' is not an address", argv[0]);
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

/* The device and PASID entry to translate with; -1 after report_error() */
static int pick(const struct vtd_model *m, struct vtd_xlate_req *req)
{
	const struct vtd_filter *f = &g.walk.filter;
	const struct vtd_device *d;
	char bdf[8];
	uint32_t pasid;

	fmt_bdf(bdf, f->bus < 0 ? 0 : f->bus, f->devfn);
	if (m->nr_devices == 0) {
		report_error("xlate: %s%s has no present context entry", bdf,
			     f->bus < 0 ? " (or that slot on any bus)" : "");
		return -1;
	}
	if (m->nr_devices > 1) {
		report_error("xlate: -s matches %zu devices; give the bus too",
			     m->nr_devices);
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

	if (g.walk.filter.devfn < 0) {
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
	if (pick(&m, &req))
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
	rc = x->faulted ? EXIT_FINDINGS : EXIT_OK;
out_model:
	vtd_model_free(&m);
out_close:
	source_close(src);
out_free:
	free(x);
	return rc;
}
