// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: what the VM is: the VMM's version (query-version) and the
 * intel-iommu device's options as `info qtree` shows them, so that a bug
 * report says what the VM was, and whether it runs (query-status). Three
 * read-only monitor calls.
 */
#define _GNU_SOURCE	/* memmem */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/monitor.h"
#include "source/source.h"
#include "vmm/vmm.h"

static int get_version(struct vtd_source *src, struct vtd_vmm *v)
{
	struct json_object *ret = NULL, *q;
	int err = source_monitor(src, "query-version", NULL, &ret);

	if (err)
		return err;
	if (json_object_object_get_ex(ret, "qemu", &q) &&
	    json_object_is_type(q, json_type_object)) {
		int64_t maj = 0, min = 0, mic = 0;

		qmp_get_int(q, "major", &maj);
		qmp_get_int(q, "minor", &min);
		qmp_get_int(q, "micro", &mic);
		snprintf(v->version, sizeof(v->version),
			 "%" PRId64 ".%" PRId64 ".%" PRId64, maj, min, mic);
	}
	if (qmp_get_str(ret, "package"))
		snprintf(v->package, sizeof(v->package), "%s",
			 qmp_get_str(ret, "package"));
	json_object_put(ret);
	return 0;
}

/* query-status: whether the guest runs (its tables may change) or stands */
static void get_status(struct vtd_source *src, struct vtd_vmm *v)
{
	struct json_object *ret = NULL, *x;

	if (!source_monitor(src, "query-status", NULL, &ret) &&
	    json_object_object_get_ex(ret, "status", &x) &&
	    json_object_is_type(x, json_type_string))
		snprintf(v->run_state, sizeof(v->run_state), "%s",
			 json_object_get_string(x));
	json_object_put(ret);
}

/* "    aw-bits = 39 (0x27)" -> name, value; false for other lines */
static bool parse_prop_line(const char *line, struct vtd_vmm_prop *p)
{
	/* within the line: strstr() ran on through the rest of the reply */
	const char *eq = memmem(line, strcspn(line, "\n"), " = ", 3);
	const char *name = line + strspn(line, " ");
	size_t nlen = eq ? (size_t)(eq - name) : 0;
	const char *val;
	size_t vlen;
	char *end;

	if (!eq || nlen == 0 || nlen >= sizeof(p->name) ||
	    memchr(name, ' ', nlen))
		return false;
	memcpy(p->name, name, nlen);
	p->name[nlen] = 0;
	val = eq + 3;
	vlen = strcspn(val, "\r\n");
	p->is_bool = (vlen == 4 && !strncmp(val, "true", 4)) ||
		     (vlen == 5 && !strncmp(val, "false", 5));
	strtoll(val, &end, 10);
	p->is_int = end != val && (*end == ' ' || *end == '\r' || *end == '\n' ||
				   !*end) && isdigit((unsigned char)val[0]);
	if (p->is_int)
		vlen = (size_t)(end - val);	/* drop " (0x27)" */
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}
	snprintf(p->value, sizeof(p->value), "%.*s", (int)vlen, val);
	return true;
}

/*
 * The intel-iommu block of `info qtree` (one HMP call) holds every option:
 *   "  dev: intel-iommu, id """ then deeper-indented "name = value" lines.
 */
void vtd_vmm_parse_qtree(const char *text, struct vtd_vmm *v)
{
	const char *dev = strstr(text, "dev: intel-iommu,");
	const char *line;
	size_t indent;

	if (!dev)
		return;
	line = dev;
	while (line > text && line[-1] == ' ')
		line--;
	indent = (size_t)(dev - line);
	v->iommu_found = true;
	for (line = strchr(dev, '\n'); line && v->nr_props < VTD_VMM_MAX_PROPS;
	     line = strchr(line, '\n')) {
		line++;
		if (strspn(line, " ") <= indent)
			break;		/* the next device or bus */
		if (parse_prop_line(line, &v->props[v->nr_props]))
			v->nr_props++;
	}
}

static void get_props(struct vtd_source *src, struct vtd_vmm *v)
{
	struct json_object *args = json_object_new_object();
	struct json_object *ret = NULL;

	json_object_object_add(args, "command-line",
			       json_object_new_string("info qtree"));
	if (!source_monitor(src, "human-monitor-command", args, &ret) &&
	    json_object_is_type(ret, json_type_string))
		vtd_vmm_parse_qtree(json_object_get_string(ret), v);
	json_object_put(ret);
	json_object_put(args);
}

int vtd_vmm_collect(struct vtd_source *src, struct vtd_vmm *v)
{
	int err;

	memset(v, 0, sizeof(*v));
	err = get_version(src, v);
	if (err == -ENOTSUP || err == -EPERM)
		return 0;	/* no monitor: nothing known */
	if (err)
		return err;
	v->known = true;
	get_status(src, v);
	get_props(src, v);
	return 0;
}
