// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: libvirt, loaded on first use (see api.h). */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "libvirt/api.h"

struct lv_functions lv_fn;

static const char *const libs[] = {
	[0] = "libvirt.so.0",
	[1] = "libvirt-qemu.so.0",
};
enum { LIB_core, LIB_qemu };

static int load_functions(void *h[2], char *err, size_t errlen)
{
	void *p;

#define LV_RESOLVE(lib, name)						\
	p = dlsym(h[LIB_##lib], #name);					\
	if (!p) {							\
		snprintf(err, errlen, "%s has no %s: libvirt too old",	\
			 libs[LIB_##lib], #name);			\
		return -1;						\
	}								\
	*(void **)&lv_fn.name = p;
	LV_FUNCTIONS(LV_RESOLVE)
#undef LV_RESOLVE
	return 0;
}

int lv_load(char *err, size_t errlen)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	static char why[256];
	void *h[2];

	if (state == 0) {
		state = -1;
		for (int i = 0; i < 2; i++) {
			/* RTLD_NODELETE: never unloaded, its threads may outlive us */
			h[i] = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
			if (!h[i]) {
				snprintf(why, sizeof(why),
					 "libvirt is needed here and cannot be loaded (%s); install libvirt0",
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
