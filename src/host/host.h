/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the VMM's side: QEMU's IOMMU address spaces, vfio/iommufd bindings. */
#ifndef VTDCTL_HOST_H
#define VTDCTL_HOST_H

#include <stddef.h>

#include "walker/model.h"

struct json_object;
struct vtd_source;
struct vtd_host;	/* owned by src/host/ */

/*
 * Gather host-side state through the source's monitor. *out is NULL when the
 * source cannot tell (a dump, --no-monitor): every host field is then
 * "unknown" (JSON null), never "no". Returns 0 or a negative errno for a
 * transport failure (message in src->error).
 */
int vtd_host_collect(struct vtd_source *src, const struct vtd_model *m,
		     struct vtd_host **out);
void vtd_host_free(struct vtd_host *h);

/* JSON "host" objects for a device and for one of its PASIDs (never NULL). */
struct json_object *host_json_device(const struct vtd_host *h,
				     const struct vtd_device *d);
struct json_object *host_json_pasid(const struct vtd_host *h,
				    const struct vtd_device *d,
				    const struct vtd_pasid_rec *p);
/* A short text column ("dmar", "nodmar", "none", "?"); buf holds len bytes. */
const char *host_text_device(const struct vtd_host *h,
			     const struct vtd_device *d, char *buf, size_t len);
const char *host_text_pasid(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len);

#endif
