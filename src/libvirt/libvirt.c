// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: libvirt domains as a source (stub until built). */
#include <stdio.h>

#include "source.h"

struct vtd_source *libvirt_source_open(const char *domain,
				       const struct libvirt_open_opts *opts,
				       char *err, size_t errlen)
{
	snprintf(err, errlen, "--vm=%s: libvirt support is not built yet", domain);
	return NULL;
}
