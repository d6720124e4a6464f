// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: growing arrays (array.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"

#define ARRAY_MIN_CAP	8

static int resize(void **arr, size_t cap, size_t elem)
{
	void *p;

	if (!elem || cap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*arr, cap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

int array_grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : ARRAY_MIN_CAP;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (resize(arrp, ncap, elem))
		return -ENOMEM;
	*cap = ncap;
	return 0;
}

static void *zeroed_slot(void *arr, size_t *nr, size_t elem)
{
	char *p = (char *)arr + *nr * elem;

	memset(p, 0, elem);
	(*nr)++;
	return p;
}

void *array_push(void *arrp, size_t *nr, size_t *cap, size_t elem)
{
	if (*nr == SIZE_MAX || array_grow(arrp, cap, *nr + 1, elem))
		return NULL;
	return zeroed_slot(*(void **)arrp, nr, elem);
}

void *array_append(void *arrp, size_t *nr, size_t elem)
{
	size_t n = *nr;

	/* full when n is 0 or a power of two */
	if (!(n & (n - 1)) && (n > SIZE_MAX / 2 || resize(arrp, n ? 2 * n : 1, elem)))
		return NULL;
	return zeroed_slot(*(void **)arrp, nr, elem);
}
