/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the libvirt source: a domain by name, UUID or id. */
#ifndef VTDCTL_LIBVIRT_SOURCE_H
#define VTDCTL_LIBVIRT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct vtd_source;

struct libvirt_open_opts {
	const char *uri;	/* --connect; NULL = as virsh */
	bool no_monitor;	/* --no-monitor: never taint the domain */
	bool no_proc_mem;	/* never use /proc/PID/mem */
};

/* NULL with err filled (errlen bytes) on failure. */
struct vtd_source *libvirt_source_open(const char *domain,
				       const struct libvirt_open_opts *opts,
				       char *err, size_t errlen);

#endif
