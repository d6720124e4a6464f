// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: host-side state (stub until built: everything unknown). */
#include <json-c/json.h>
#include <stdio.h>

#include "host/host.h"

int vtd_host_collect(struct vtd_source *src, const struct vtd_model *m,
		     struct vtd_host **out)
{
	*out = NULL;
	return 0;
}

void vtd_host_free(struct vtd_host *h)
{
}

struct json_object *host_json_device(const struct vtd_host *h,
				     const struct vtd_device *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "address_space", NULL);
	return o;
}

struct json_object *host_json_pasid(const struct vtd_host *h,
				    const struct vtd_device *d,
				    const struct vtd_pasid_rec *p)
{
	return host_json_device(h, d);
}

const char *host_text_device(const struct vtd_host *h,
			     const struct vtd_device *d, char *buf, size_t len)
{
	snprintf(buf, len, "?");
	return buf;
}

const char *host_text_pasid(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len)
{
	return host_text_device(h, d, buf, len);
}
