// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: snapshot files as a source (stub until built). */
#include <stdio.h>

#include "source.h"

struct vtd_source *snapshot_source_open(const char *path, char *err,
					size_t errlen)
{
	snprintf(err, errlen, "%s: snapshots are not supported yet", path);
	return NULL;
}
