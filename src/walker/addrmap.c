// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: a small open-addressing map from guest addresses to a value. */
#include <stdlib.h>

#include "walker/addrmap.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;	/* a 64-bit mix (murmur3's finaliser) */
	key ^= key >> 33;
	return key & (cap - 1);
}

static int grow(struct addrmap *m)
{
	size_t ncap = m->cap ? 2 * m->cap : 64;
	uint64_t *keys = calloc(ncap, sizeof(*keys));
	uint32_t *vals = calloc(ncap, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		for (j = slot_of(m->keys[i], ncap); keys[j]; j = (j + 1) & (ncap - 1))
			;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = ncap;
	return 0;
}

uint32_t *addrmap_get(struct addrmap *m, uint64_t key, uint32_t init,
		      bool *found)
{
	uint64_t k = key + 1;
	size_t i;

	if (2 * (m->len + 1) > m->cap && grow(m))
		return NULL;
	for (i = slot_of(k, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == k) {
			*found = true;
			return &m->vals[i];
		}
	}
	m->keys[i] = k;
	m->vals[i] = init;
	m->len++;
	*found = false;
	return &m->vals[i];
}

void addrmap_free(struct addrmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->len = 0;
}
