/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: the one pipeline every command and view goes through:
 *
 *   source --> walk --> VMM facts --> host side --> check --> model
 *
 * The walk reads the guest's tables into the model (src/walker/); the VMM
 * facts are the VMM's version and vIOMMU options, the host side what QEMU
 * built from the tables (src/vmm/); check adds its rules' findings
 * (src/check/). Renderers (src/output/, src/tui/) only read the model.
 */
#ifndef VTDCTL_PIPELINE_INSPECT_H
#define VTDCTL_PIPELINE_INSPECT_H

#include <stdbool.h>

#include "model/model.h"

struct vtd_source;

/* The stages after the walk, in pipeline order. */
enum {
	VTD_STAGE_VMM	= 1u << 0,	/* m->vmm (query-version, info qtree) */
	VTD_STAGE_HOST	= 1u << 1,	/* m->host (info mtree, QOM, /proc, sysfs) */
	VTD_STAGE_CHECK	= 1u << 2,	/* check's rules over the model and host */
};

struct vtd_inspect_opts {
	struct vtd_walk_opts walk;	/* filters, --rtaddr, work cap */
	bool consistent;	/* walk until two walks agree (at most 5) */
	bool pause;		/* stop the VM's CPUs for the walk, resume after */
	unsigned stages;	/* VTD_STAGE_* after the walk */
};

/*
 * Run the pipeline into out. 0, or a negative errno with the message in
 * src->error (source_strerror()); out is then freed. Bad guest data never
 * fails: it becomes findings.
 */
int vtd_inspect(struct vtd_source *src, const struct vtd_inspect_opts *o,
		struct vtd_model *out);

/* What the model says of its source (m->source): vtd_inspect() fills it;
 * commands that read other structures (iq, ir) call it themselves. */
void vtd_describe_source(const struct vtd_source *src,
			 struct vtd_model_source *s);

/*
 * The host side and the rules again over a model the walk already filled
 * (a live view after a re-read merged into it): the host facts are read
 * afresh, the rules' findings replace the earlier ones, the walker's stay.
 * stages: VTD_STAGE_HOST and/or VTD_STAGE_CHECK. 0 or a negative errno;
 * m stays valid either way.
 */
int vtd_inspect_again(struct vtd_source *src, unsigned stages,
		      struct vtd_model *m);

#endif
