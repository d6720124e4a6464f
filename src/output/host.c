// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the host side as JSON objects and text columns. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"

static struct json_object *tri_json(enum host_tri t)
{
	return t == HOST_UNKNOWN ? NULL : json_object_new_boolean(t == HOST_YES);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const struct host_as *as_of(const struct vtd_host *h, int bus, int devfn,
				   int64_t pasid)
{
	return host_find_as(h, bus, devfn, pasid);
}

/* translation of (bus, devfn, pasid): from the placed address space, or from
 * the unplaced ones with that name when they all agree */
static enum host_xlate xlate_of(const struct vtd_host *h, int bus, int devfn,
				int64_t pasid)
{
	const struct host_as *a = as_of(h, bus, devfn, pasid);

	return a ? a->xlate : HOST_XLATE_UNKNOWN;
}

static struct json_object *vfio_json(const struct host_vfio *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "qom_path", json_object_new_string(v->qom_path));
	json_object_object_add(o, "host_bdf",
			       v->host_bdf[0] ? json_object_new_string(v->host_bdf) : NULL);
	json_object_object_add(o, "iommufd", v->has_iommufd == HOST_YES ?
			       json_object_new_string(v->iommufd) :
			       v->has_iommufd == HOST_NO ? json_object_new_boolean(0) : NULL);
	json_object_object_add(o, "binding", tri_json(v->binding));
	json_object_object_add(o, "binding_detail", json_object_new_string(v->binding_why));
	return o;
}

struct json_object *host_json_device(const struct vtd_host *h,
				     const struct vtd_device *d)
{
	struct json_object *o = json_object_new_object();
	const struct host_vfio *v = host_find_vfio(h, d->bus, d->devfn);

	json_object_object_add(o, "address_space",
			       tri_json(host_has_as(h, d->bus, d->devfn, HOST_NO_PASID)));
	json_object_object_add(o, "translation",
			       str_or_null(host_xlate_name(xlate_of(h, d->bus, d->devfn,
								    HOST_NO_PASID))));
	json_object_object_add(o, "vfio", v ? vfio_json(v) : NULL);
	return o;
}

/* A PASID's binding: the device's for RID_PASID; per-PASID host bindings
 * are not visible from /proc or sysfs (unknown); none for emulated devices */
static enum host_tri pasid_binding(const struct vtd_host *h,
				   const struct vtd_device *d, uint32_t pasid,
				   bool *applies)
{
	const struct host_vfio *v = host_find_vfio(h, d->bus, d->devfn);

	*applies = v != NULL;
	if (!v)
		return HOST_UNKNOWN;
	return host_as_pasid_for(d, pasid) == HOST_NO_PASID ? v->binding : HOST_UNKNOWN;
}

struct json_object *host_json_pasid(const struct vtd_host *h,
				    const struct vtd_device *d,
				    const struct vtd_pasid_rec *p)
{
	struct json_object *o = json_object_new_object();
	int64_t asp = host_as_pasid_for(d, p->pasid);
	bool applies;
	enum host_tri b = pasid_binding(h, d, p->pasid, &applies);

	json_object_object_add(o, "address_space",
			       tri_json(host_has_as(h, d->bus, d->devfn, asp)));
	json_object_object_add(o, "translation",
			       str_or_null(host_xlate_name(xlate_of(h, d->bus, d->devfn, asp))));
	json_object_object_add(o, "binding", applies ? tri_json(b) : NULL);
	return o;
}

static struct json_object *as_json(const struct host_as *a)
{
	struct json_object *o = json_object_new_object();
	char bdf[16];

	if (a->bus != HOST_NO_BUS)
		snprintf(bdf, sizeof(bdf), "%02x:%02x.%x", a->bus, a->devfn >> 3, a->devfn & 7);
	json_object_object_add(o, "bdf", a->bus != HOST_NO_BUS ?
			       json_object_new_string(bdf) : NULL);
	json_object_object_add(o, "bus", a->bus != HOST_NO_BUS ?
			       json_object_new_int(a->bus) : NULL);
	json_object_object_add(o, "devfn", json_object_new_int(a->devfn));
	json_object_object_add(o, "pasid", a->pasid != HOST_NO_PASID ?
			       json_object_new_int64(a->pasid) : NULL);
	json_object_object_add(o, "translation", str_or_null(host_xlate_name(a->xlate)));
	json_object_object_add(o, "owner", a->owner[0] ? json_object_new_string(a->owner) : NULL);
	return o;
}

struct json_object *host_json_summary(const struct vtd_host *h)
{
	struct json_object *o = json_object_new_object(), *arr;

	json_object_object_add(o, "known", json_object_new_boolean(h != NULL));
	json_object_object_add(o, "qemu_version", h && h->qemu_version[0] ?
			       json_object_new_string(h->qemu_version) : NULL);
	json_object_object_add(o, "pid", h && h->pid ? json_object_new_int(h->pid) : NULL);
	arr = h && h->mtree_ok ? json_object_new_array() : NULL;
	for (size_t i = 0; arr && i < h->nr_as; i++)
		json_object_array_add(arr, as_json(&h->as[i]));
	json_object_object_add(o, "address_spaces", arr);
	arr = h && h->vfio_known ? json_object_new_array() : NULL;
	for (size_t i = 0; arr && i < h->nr_vfio; i++) {
		struct json_object *v = vfio_json(&h->vfio[i]);

		json_object_object_add(v, "bus", h->vfio[i].bus != HOST_NO_BUS ?
				       json_object_new_int(h->vfio[i].bus) : NULL);
		json_object_object_add(v, "devfn", h->vfio[i].devfn >= 0 ?
				       json_object_new_int(h->vfio[i].devfn) : NULL);
		json_object_array_add(arr, v);
	}
	json_object_object_add(o, "vfio", arr);
	arr = h && h->vfio_known ? json_object_new_array() : NULL;
	for (size_t i = 0; arr && i < h->nr_iommufd_objs; i++)
		json_object_array_add(arr, json_object_new_string(h->iommufd_objs[i]));
	json_object_object_add(o, "iommufd_objects", arr);
	json_object_object_add(o, "note", h && h->note[0] ? json_object_new_string(h->note) : NULL);
	return o;
}

/* "dmar", "nodmar", "none", "?" */
static const char *as_word(const struct vtd_host *h, int bus, int devfn, int64_t pasid)
{
	switch (host_has_as(h, bus, devfn, pasid)) {
	case HOST_NO:
		return "none";
	case HOST_YES: {
		const char *x = host_xlate_name(xlate_of(h, bus, devfn, pasid));

		return x ? x : "?";
	}
	default:
		return "?";
	}
}

static const char *tri_mark(enum host_tri t)
{
	return t == HOST_YES ? "+" : t == HOST_NO ? "-" : "?";
}

const char *host_text_device(const struct vtd_host *h,
			     const struct vtd_device *d, char *buf, size_t len)
{
	const struct host_vfio *v = host_find_vfio(h, d->bus, d->devfn);

	if (v)
		snprintf(buf, len, "%s vfio%s", as_word(h, d->bus, d->devfn, HOST_NO_PASID),
			 tri_mark(v->binding));
	else
		snprintf(buf, len, "%s", as_word(h, d->bus, d->devfn, HOST_NO_PASID));
	return buf;
}

const char *host_text_pasid(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len)
{
	bool applies;
	enum host_tri b = pasid_binding(h, d, p->pasid, &applies);
	const char *w = as_word(h, d->bus, d->devfn, host_as_pasid_for(d, p->pasid));

	if (applies)
		snprintf(buf, len, "%s bind%s", w, tri_mark(b));
	else
		snprintf(buf, len, "%s", w);
	return buf;
}
