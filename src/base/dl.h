/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: shared libraries loaded on first use (libvirt, cairo), so that a
 * command that does not need them does not pay for linking them. */
#ifndef VTDCTL_BASE_DL_H
#define VTDCTL_BASE_DL_H

#include <stddef.h>

#define DL_MAX_LIBS	4

struct dl_libs {
	const char *const *names;	/* sonames, dlopen()ed in order */
	size_t n;			/* at most DL_MAX_LIBS */
	const char *install;		/* what to install: "libvirt0" */
	const char *unavailable;	/* "libvirt is needed here and cannot be loaded" */
	/* fills the caller's function table from the handles; 0 or -1 with
	 * err naming the missing symbol */
	int (*resolve)(void *const *h, char *err, size_t errlen);
	int state;			/* 0 not tried, 1 loaded, -1 failed */
	char why[256];
};

/* Load once (RTLD_NODELETE: never unloaded, a library's threads may
 * outlive us) and resolve: 0, or -1 with the reason in err, every call. */
int dl_load(struct dl_libs *l, char *err, size_t errlen);

#endif
