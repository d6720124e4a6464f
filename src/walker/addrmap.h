/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: a small open-addressing map from guest addresses to a 32-bit value. */
#ifndef VTDCTL_ADDRMAP_H
#define VTDCTL_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addrmap {
	uint64_t *keys;		/* key + 1; 0 = empty slot */
	uint32_t *vals;
	size_t cap, len;	/* cap is a power of two */
};

/* The value slot for key, inserted as `init` when absent (*found says
 * which); NULL when memory runs out. */
uint32_t *addrmap_get(struct addrmap *m, uint64_t key, uint32_t init,
		      bool *found);
void addrmap_free(struct addrmap *m);

#endif
