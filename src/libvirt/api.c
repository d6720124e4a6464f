// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: libvirt, loaded on first use (see api.h). */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/dl.h"
#include "libvirt/api.h"

struct lv_functions lv_fn;

static const char *const libs[] = {
	[0] = "libvirt.so.0",
	[1] = "libvirt-qemu.so.0",
};
enum { LIB_core, LIB_qemu };

static int load_functions(void *const *h, char *err, size_t errlen)
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

static struct dl_libs libvirt = {
	.names = libs, .n = 2, .install = "libvirt0",
	.unavailable = "libvirt is needed here and cannot be loaded", .resolve = load_functions,
};

int lv_load(char *err, size_t errlen)
{
	return dl_load(&libvirt, err, errlen);
}
