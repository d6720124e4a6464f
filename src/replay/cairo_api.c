// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl timeline: cairo, loaded on first use (see cairo_api.h). */
#include <dlfcn.h>
#include <stdio.h>

#include "replay/cairo_api.h"

struct cr_functions cr_fn;

static const char *const libs[] = {
	[0] = "libcairo.so.2",
	[1] = "libfontconfig.so.1",
};
enum { LIB_cairo, LIB_fc };

static int state;	/* 0 not tried, 1 loaded, -1 failed */

static int load_functions(void *h[2], char *err, size_t errlen)
{
	void *p;

#define CR_RESOLVE(lib, name)						\
	p = dlsym(h[LIB_##lib], #name);					\
	if (!p) {							\
		snprintf(err, errlen, "%s has no %s: too old",		\
			 libs[LIB_##lib], #name);			\
		return -1;						\
	}								\
	*(void **)&cr_fn.name = p;
	CR_FUNCTIONS(CR_RESOLVE)
#undef CR_RESOLVE
	return 0;
}

int cr_load(char *err, size_t errlen)
{
	static char why[256];
	void *h[2] = { NULL, NULL };

	if (state == 0) {
		state = -1;
		for (int i = 0; i < 2; i++) {
			h[i] = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
			if (!h[i]) {
				snprintf(why, sizeof(why),
					 "drawing needs cairo, which cannot be loaded (%s); install libcairo2",
					 dlerror());
				break;
			}
		}
		if (h[0] && h[1])
			state = load_functions(h, why, sizeof(why)) ? -1 : 1;
	}
	if (state < 0)
		snprintf(err, errlen, "%s", why);
	return state > 0 ? 0 : -1;
}

int cr_loaded(void)
{
	return state > 0;
}
