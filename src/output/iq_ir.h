/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: renderers of the invalidation queue (iq) and the interrupt
 * remapping table (ir), text and JSON. */
#ifndef VTDCTL_OUTPUT_IQ_IR_H
#define VTDCTL_OUTPUT_IQ_IR_H

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "output/output.h"
#include "walker/iq.h"
#include "walker/ir.h"

/* {"source": ..., "iq": {...}, "findings": [...]} (caller owns it) */
struct json_object *json_iq(const struct vtd_iq *iq, const struct vtd_model *m);
void text_iq(FILE *f, const struct vtd_iq *iq, const struct vtd_model *m,
	     const struct out_opts *o);

/* {"source": ..., "ir": {...}, "findings": [...]} (caller owns it) */
struct json_object *json_ir(const struct vtd_ir *ir, const struct vtd_model *m);
void text_ir(FILE *f, const struct vtd_ir *ir, const struct vtd_model *m,
	     const struct out_opts *o);

/* Small JSON helpers shared by the two renderers. */
static inline void iqir_add(struct json_object *o, const char *k,
			    struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static inline void iqir_add_int(struct json_object *o, const char *k, int64_t v)
{
	iqir_add(o, k, json_object_new_int64(v));
}

static inline void iqir_add_bool(struct json_object *o, const char *k, bool v)
{
	iqir_add(o, k, json_object_new_boolean(v));
}

static inline void iqir_add_bdf(struct json_object *o, const char *k,
				uint16_t sid)
{
	char bdf[8];

	fmt_bdf(bdf, sid >> 8, sid & 0xff);
	iqir_add(o, k, json_object_new_string(bdf));
}

/* The document: {"source": ..., key: body, "findings": [...]} */
static inline struct json_object *iqir_document(const struct vtd_model *m,
						const char *key,
						struct json_object *body)
{
	struct json_object *o = json_object_new_object();

	iqir_add(o, "source", json_source_info(&m->source));
	iqir_add(o, key, body);
	iqir_add(o, "findings", json_findings(m));
	return o;
}

#endif
