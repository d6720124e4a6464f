// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the page-table reader that --pages hands to the renderers. */
#include "pipeline/pages.h"
#include "source/source.h"
#include "walker/mappings.h"

static int read_through_source(const struct vtd_pages *pg,
			       const struct vtd_device *d,
			       const struct vtd_pasid_rec *p,
			       struct vtd_mappings *out, const char **why)
{
	struct vtd_source *src = pg->ctx;
	int err = vtd_enum_mappings(src, NULL, d, p, pg->budget, out);

	if (err < 0)
		*why = src->error[0] ? src->error : "read failed";
	return err;
}

struct vtd_pages vtd_pages_of(struct vtd_source *src,
			      struct vtd_map_budget *budget)
{
	struct vtd_pages pg = { .read = read_through_source, .ctx = src,
				.budget = budget };

	return pg;
}
