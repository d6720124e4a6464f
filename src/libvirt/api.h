/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: libvirt, loaded on first use.
 *
 * libvirt is opened with dlopen() when a command first needs it (--vm,
 * list, --all), not linked: linking it costs every vtdctl run, --qmp and
 * --core ones too, about 7 ms before main() (gnutls, glib, libxml2 and
 * their constructors), several times the cost of walking a guest's tables.
 * The prototypes still come from libvirt's own headers (pkg-config).
 */
#ifndef VTDCTL_LV_API_H
#define VTDCTL_LV_API_H

#include <stddef.h>

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

/* Every libvirt function vtdctl calls: X(library, name). */
#define LV_FUNCTIONS(X)					\
	X(core, virConnectClose)			\
	X(core, virConnectGetURI)			\
	X(core, virConnectListAllDomains)		\
	X(core, virConnectOpen)				\
	X(core, virConnectOpenReadOnly)			\
	X(core, virDomainFree)				\
	X(core, virDomainGetID)				\
	X(core, virDomainGetName)			\
	X(core, virDomainGetState)			\
	X(core, virDomainGetUUIDString)			\
	X(core, virDomainGetXMLDesc)			\
	X(core, virDomainIsActive)			\
	X(core, virDomainLookupByID)			\
	X(core, virDomainLookupByName)			\
	X(core, virDomainLookupByUUIDString)		\
	X(core, virDomainMemoryPeek)			\
	X(core, virGetLastErrorMessage)			\
	X(core, virSetErrorFunc)			\
	X(qemu, virDomainQemuMonitorCommand)

struct lv_functions {
#define LV_POINTER(lib, name) __typeof__(name) *name;
	LV_FUNCTIONS(LV_POINTER)
#undef LV_POINTER
};

extern struct lv_functions lv_fn;

/* A libvirt call: LV(virConnectOpen)(uri). Only after lv_load() succeeded. */
#define LV(name) (lv_fn.name)

/* Load libvirt.so.0 and libvirt-qemu.so.0 once; 0, or -1 with a message. */
int lv_load(char *err, size_t errlen);

#endif
