// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: helpers shared by every source backend. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "source/source.h"

int source_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (gpa + len < gpa || !source_is_ram(src, gpa, len))
		return -EFAULT;
	src->nr_reads++;
	src->bytes_read += len;
	return src->ops->read(src, gpa, buf, len);
}

int source_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
		    uint64_t *val)
{
	if (!src->ops->read_reg)
		return -ENOTSUP;
	if (width != 32 && width != 64)
		return -EINVAL;
	return src->ops->read_reg(src, off, width, val);
}

/* A block of 64-bit register words. Only naturally aligned qword reads are
 * issued: QEMU asserts on 8-byte reads of the upper half of a 64-bit register
 * (vtd_mem_read, DMAR_*_REG_HI). */
int source_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
		     uint64_t *vals)
{
	int err = 0;

	if ((off & 7) || n == 0 || n > 512)
		return -EINVAL;
	if (src->ops->read_regs)
		return src->ops->read_regs(src, off, n, vals);
	for (unsigned i = 0; i < n && !err; i++)
		err = source_read_reg(src, off + 8 * i, 64, &vals[i]);
	return err;
}

struct ram_key {
	const struct ram_range *ram;
	uint64_t gpa;
};

static bool range_below(size_t i, const void *ctx)
{
	const struct ram_key *k = ctx;

	return k->ram[i].start + k->ram[i].size <= k->gpa;
}

/* The ranges are sorted and merged (source_add_ram): the one range that
 * may hold gpa is the first that ends after it, found by binary search (a
 * kdump file may have a million ranges). */
bool source_is_ram(const struct vtd_source *src, uint64_t gpa, uint64_t len)
{
	struct ram_key k = { src->ram, gpa };
	uint64_t end = gpa + len;
	size_t i;

	if (end < gpa)
		return false;
	i = lower_bound(src->nr_ram, range_below, &k);
	return i < src->nr_ram && gpa >= src->ram[i].start &&
	       end <= src->ram[i].start + src->ram[i].size;
}

uint64_t source_ram_end(const struct vtd_source *src)
{
	uint64_t end = 0;

	for (size_t i = 0; i < src->nr_ram; i++)
		if (src->ram[i].start + src->ram[i].size > end)
			end = src->ram[i].start + src->ram[i].size;
	return end;
}

void source_set_error(struct vtd_source *src, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, ap);
	va_end(ap);
}

size_t lower_bound(size_t n, bool (*below)(size_t i, const void *ctx),
		   const void *ctx)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (below(mid, ctx))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *source_strerror(const struct vtd_source *src, int err)
{
	return src->error[0] ? src->error : strerror(-err);
}

void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int ram_cmp(const void *a, const void *b)
{
	const struct ram_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Add a RAM range, merging it with adjacent or overlapping ones. */
int source_add_ram(struct vtd_source *src, uint64_t start, uint64_t size)
{
	struct ram_range *r;
	size_t n = 0;

	if (size == 0 || start + size < start)
		return -EINVAL;
	r = array_append(&src->ram, &src->nr_ram, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct ram_range){ start, size };
	r = src->ram;
	qsort(r, src->nr_ram, sizeof(*r), ram_cmp);
	for (size_t i = 1; i < src->nr_ram; i++) {
		uint64_t end = r[n].start + r[n].size;

		if (r[i].start <= end) {
			if (r[i].start + r[i].size > end)
				r[n].size = r[i].start + r[i].size - r[n].start;
		} else {
			r[++n] = r[i];
		}
	}
	src->nr_ram = n + 1;
	return 0;
}

int source_monitor(struct vtd_source *src, const char *cmd,
		   struct json_object *args, struct json_object **ret)
{
	if (!src->ops->monitor || src->no_host)
		return -ENOTSUP;
	return src->ops->monitor(src, cmd, args, ret);
}

void source_close(struct vtd_source *src)
{
	if (!src || src->kept)
		return;
	if (src->ops && src->ops->close)
		src->ops->close(src);
	free(src->ram);
	free(src);
}
