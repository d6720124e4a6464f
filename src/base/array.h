/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: growing arrays by doubling, so that n appends cost O(n). */
#ifndef VTDCTL_BASE_ARRAY_H
#define VTDCTL_BASE_ARRAY_H

#include <stddef.h>

/* Grow the array *arrp (of *cap elements of elem bytes) to hold need
 * elements, doubling. 0, or -ENOMEM (also for a size that would overflow;
 * the array is then unchanged). */
int array_grow(void *arrp, size_t *cap, size_t need, size_t elem);

/* One more zeroed element at the end of *arrp (*nr used of *cap): the new
 * element (and ++*nr), or NULL when memory runs out. */
void *array_push(void *arrp, size_t *nr, size_t *cap, size_t elem);

/* The same for an array that keeps no capacity: its capacity is taken to be
 * the smallest power of two >= *nr, which holds as long as it only ever
 * grows through array_append() (removing elements keeps it true). */
void *array_append(void *arrp, size_t *nr, size_t elem);

#endif
