/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: rules over the model and the host side (`vtdctl check`). */
#ifndef VTDCTL_CHECK_H
#define VTDCTL_CHECK_H

#include "model/model.h"

struct vtd_host;

/*
 * Run every rule that needs more than one entry or the host side, adding
 * findings to m (the walker's own findings are already there: reserved bits,
 * pointers outside RAM, PGTT vs ECAP, PDTS/PSS, RID_PASID, TES without a root
 * table, pending faults). h may be NULL (host side unknown): the host rules
 * then add one info finding, host_unknown. Returns the number of findings
 * added, or -ENOMEM.
 */
int vtd_check_run(struct vtd_model *m, const struct vtd_host *h);

/* The rules, one a function, each with its stable finding code(s): */
int check_did_roots(struct vtd_model *m);			/* did_multiple_roots */
int check_ctx_without_device(struct vtd_model *m, const struct vtd_host *h);	/* ctx_no_device */
int check_pasid_address_spaces(struct vtd_model *m, const struct vtd_host *h);	/* host_pasid_missing, host_pasid_lazy */
int check_host_binding(struct vtd_model *m, const struct vtd_host *h);	/* host_not_bound */
int check_leftover_pasids(struct vtd_model *m, const struct vtd_host *h);	/* host_pasid_leftover */
int check_translation_state(struct vtd_model *m, const struct vtd_host *h);	/* host_translation_stale */

#endif
