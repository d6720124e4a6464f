/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: what changed between two models (`vtdctl diff`, watch's log). */
#ifndef VTDCTL_MODEL_DIFF_H
#define VTDCTL_MODEL_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/*
 * What vtd_model_diff() reports, in this order: for each device by bus and
 * devfn, device() (a NULL: added; b NULL: removed; both: present in both,
 * changed or not), then for a device in both, pasid() for each PASID by
 * number likewise; then finding() for each finding of a not in b (removed,
 * in a's order) and of b not in a (added, in b's order). Any callback may
 * be NULL.
 */
struct vtd_model_diff_cb {
	void (*device)(void *ctx, const struct vtd_device *a,
		       const struct vtd_device *b);
	void (*pasid)(void *ctx, const struct vtd_device *da,
		      const struct vtd_device *db, const struct vtd_pasid_rec *a,
		      const struct vtd_pasid_rec *b);
	/* index: the finding's place in its own model (b when added) */
	void (*finding)(void *ctx, bool added, const struct vtd_finding *f,
			size_t index);
	void *ctx;
};

/* Findings are compared through hash sets, so two models of hundreds of
 * thousands of findings compare in linear time. 0, or -ENOMEM (then no
 * finding() was called). */
int vtd_model_diff(const struct vtd_model *a, const struct vtd_model *b,
		   const struct vtd_model_diff_cb *cb);

/* Two findings say the same thing: every field equal. */
bool vtd_same_finding(const struct vtd_finding *a, const struct vtd_finding *b);

#endif
