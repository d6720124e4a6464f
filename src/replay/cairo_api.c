// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl timeline: cairo, loaded on first use (see cairo_api.h). */
#include <dlfcn.h>
#include <stdio.h>

#include "base/dl.h"
#include "replay/cairo_api.h"

struct cr_functions cr_fn;

static const char *const libs[] = {
	[0] = "libcairo.so.2",
	[1] = "libfontconfig.so.1",
};
enum { LIB_cairo, LIB_fc };

static int load_functions(void *const *h, char *err, size_t errlen)
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

static struct dl_libs cairo = {
	.names = libs, .n = 2, .install = "libcairo2",
	.unavailable = "drawing needs cairo, which cannot be loaded", .resolve = load_functions,
};

int cr_load(char *err, size_t errlen)
{
	return dl_load(&cairo, err, errlen);
}

int cr_loaded(void)
{
	return cairo.state > 0;
}
