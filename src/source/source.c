// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: helpers shared by every source backend. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The index of the first range that ends above gpa (ranges are sorted and
 * disjoint, so their ends are sorted too). */
/*
 * O_NONBLOCK: open() of a FIFO with no writer would wait for one; with it,
 * open() returns at once and fstat() on the same fd (no race with a rename)
 * says what it is. O_NOCTTY: a terminal never becomes ours.
 */
int open_regular_file(const char *path, uint64_t *size, char *err,
		      size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		errf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		errf(err, errlen, "%s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		errf(err, errlen, "not a regular file (%s)",
		     S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
		     S_ISCHR(st.st_mode) ? "a character device" :
		     S_ISBLK(st.st_mode) ? "a block device" :
		     S_ISSOCK(st.st_mode) ? "a socket" : "not a file");
	} else if (fcntl(fd, F_SETFL, 0) < 0) {
		errf(err, errlen, "%s", strerror(errno));
	} else {
		*size = (uint64_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

static bool ends_at_or_below(size_t i, const void *ctx)
{
	const struct ram_range *r = ((const struct ram_range *const *)ctx)[0];
	uint64_t gpa = *((const uint64_t *const *)ctx)[1];

	return r[i].start + r[i].size <= gpa;
}

static size_t first_ending_above(const struct vtd_source *src, uint64_t gpa)
{
	const void *ctx[2] = { src->ram, &gpa };

	return lower_bound(src->nr_ram, ends_at_or_below, ctx);
}

bool source_is_ram(const struct vtd_source *src, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	size_t i;

	if (end < gpa)
		return false;
	i = first_ending_above(src, gpa);
	return i < src->nr_ram && gpa >= src->ram[i].start &&
	       end <= src->ram[i].start + src->ram[i].size;
}

uint64_t source_ram_end(const struct vtd_source *src)
{
	if (!src->nr_ram)
		return 0;
	return src->ram[src->nr_ram - 1].start + src->ram[src->nr_ram - 1].size;
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

/* Merge range i with the ranges after it that it overlaps or touches. */
static void merge_following(struct vtd_source *src, size_t i)
{
	struct ram_range *r = src->ram;
	size_t j = i + 1;

	while (j < src->nr_ram && r[j].start <= r[i].start + r[i].size) {
		if (r[j].start + r[j].size > r[i].start + r[i].size)
			r[i].size = r[j].start + r[j].size - r[i].start;
		j++;
	}
	if (j > i + 1) {
		memmove(&r[i + 1], &r[j], (src->nr_ram - j) * sizeof(*r));
		src->nr_ram -= j - (i + 1);
	}
}

/*
 * Add a RAM range, merging it with adjacent or overlapping ones. Ranges
 * added in address order (every backend's usual case) cost O(1) each; one
 * out of order is put in place by a binary search and a move of the ranges
 * after it. At most SOURCE_MAX_RAM_RANGES distinct ranges: -E2BIG past it.
 */
int source_add_ram(struct vtd_source *src, uint64_t start, uint64_t size)
{
	struct ram_range *r;
	size_t i;

	if (size == 0 || start + size < start)
		return -EINVAL;
	i = first_ending_above(src, start);
	if (i > 0 && src->ram[i - 1].start + src->ram[i - 1].size == start)
		i--;	/* touches the range before: grow that one */
	if (i < src->nr_ram && src->ram[i].start <= start + size) {
		r = &src->ram[i];
		if (start < r->start) {
			r->size += r->start - start;
			r->start = start;
		}
		if (start + size > r->start + r->size)
			r->size = start + size - r->start;
		merge_following(src, i);
		return 0;
	}
	if (src->nr_ram >= SOURCE_MAX_RAM_RANGES)
		return -E2BIG;
	if (!array_append(&src->ram, &src->nr_ram, sizeof(*r)))
		return -ENOMEM;
	r = src->ram;
	memmove(&r[i + 1], &r[i], (src->nr_ram - 1 - i) * sizeof(*r));
	r[i] = (struct ram_range){ start, size };
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
