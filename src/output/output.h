/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: renderers of the model (human text and JSON). */
#ifndef VTDCTL_OUTPUT_H
#define VTDCTL_OUTPUT_H

#include <stdio.h>

#include "model/model.h"

struct json_object;
struct vtd_source;

struct out_opts {
	int verbose;		/* -v count */
	bool json, pretty;
	bool pages;		/* --pages (dump): each PASID's mapped ranges */
};

/* A 64-bit value as a JSON string "0x..." (new reference). */
struct json_object *json_hex(uint64_t v);

/* "bb:dd.f" */
void fmt_bdf(char buf[8], int bus, int devfn);

/* JSON: the dump object of the contract (caller owns the result). */
struct json_object *json_dump(const struct vtd_source *src,
			      const struct vtd_model *m);
struct json_object *json_findings(const struct vtd_model *m);
/* The same dump object printed as it is built: memory stays bounded by one
 * PASID entry, not the whole model (2^20 PASIDs). */
void json_dump_stream(FILE *f, struct vtd_source *src,
		      const struct vtd_model *m, const struct out_opts *o);
/* Print obj (and a newline) to f, pretty or compact; drops the reference. */
void json_print(FILE *f, struct json_object *obj, bool pretty);

/* Text */
void text_dump(FILE *f, struct vtd_source *src, const struct vtd_model *m,
	       const struct out_opts *o);
void text_findings(FILE *f, const struct vtd_model *m);

#endif
