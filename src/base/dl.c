// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: shared libraries loaded on first use (see dl.h). */
#include <dlfcn.h>
#include <stdio.h>

#include "base/dl.h"

static int open_all(struct dl_libs *l, void **h)
{
	for (size_t i = 0; i < l->n && i < DL_MAX_LIBS; i++) {
		h[i] = dlopen(l->names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (!h[i]) {
			snprintf(l->why, sizeof(l->why),
				 "%s (%s); install %s",
				 l->unavailable, dlerror(), l->install);
			return -1;
		}
	}
	return 0;
}

int dl_load(struct dl_libs *l, char *err, size_t errlen)
{
	void *h[DL_MAX_LIBS] = { NULL };

	if (l->state == 0)
		l->state = open_all(l, h) || l->resolve(h, l->why, sizeof(l->why)) ? -1 : 1;
	if (l->state < 0)
		snprintf(err, errlen, "%s", l->why);
	return l->state > 0 ? 0 : -1;
}
