/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: what the trace files share inside src/trace/. */
#ifndef VTDCTL_TRACE_INT_H
#define VTDCTL_TRACE_INT_H

#include "trace/trace.h"

struct json_object;

struct json_object *trace_event_json(const struct trace_event *ev);
/* The line's "events" into out (t_ms the line's time): 0 or -EPROTO/-ENOMEM
 * with err */
int trace_events_from_json(struct json_object *line, int64_t t_ms,
			   struct trace_events *out, char *err, size_t errlen);
/* "0x" and 1 to 16 hex digits */
int trace_parse_hex(struct json_object *v, uint64_t *out);

#endif
