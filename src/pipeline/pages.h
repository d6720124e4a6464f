/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: --pages: a device's mappings for a renderer that never sees the
 * source (output/ calls the reader; the reader walks the page tables). */
#ifndef VTDCTL_PIPELINE_PAGES_H
#define VTDCTL_PIPELINE_PAGES_H

#include "walker/mappings.h"

struct vtd_source;

/* A reader of the page tables behind the model's entries, over src, that
 * spends budget (shared by every read of the command; NULL: per-call caps). */
struct vtd_pages vtd_pages_of(struct vtd_source *src,
			      struct vtd_map_budget *budget);

#endif
