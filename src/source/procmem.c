// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: guest RAM through /proc/PID/mem, translated with gpa2hva. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/procmem.h"
#include "source/source.h"

/* gpa2hva: 0, FALLBACK (not translatable) or a transport error. */
static int gpa2hva(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		   uint64_t *hva, char *name, size_t namelen)
{
	char cmd[48], *text = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "gpa2hva 0x%" PRIx64, gpa);
	rc = pm->hmp(src, cmd, &text);
	if (rc)
		return rc == -EFAULT || rc == -EIO || rc == -EPROTO ?
		       PROCMEM_FALLBACK : rc;
	rc = qmp_parse_gpa2hva(text, gpa, hva, name, namelen, NULL, 0);
	free(text);
	return rc ? PROCMEM_FALLBACK : 0;
}

/* The first bytes of the piece read both ways agree: the process really is
 * the one that owns this memory. */
static int same_bytes_both_ways(struct vtd_source *src, struct procmem *pm,
				const struct qmp_ram_piece *pc, uint64_t hva)
{
	uint8_t a[16], b[16];
	size_t n = pc->size >= 16 ? 16 : 8;
	int rc = pm->slow_read(src, pc->start, a, n);

	if (rc)
		return rc == -EFAULT ? PROCMEM_FALLBACK : rc;
	if (pread(pm->fd, b, n, (off_t)hva) != (ssize_t)n)
		return PROCMEM_FALLBACK;
	return memcmp(a, b, n) ? PROCMEM_FALLBACK : 0;
}

bool procmem_maps_cover(const char *maps, uint64_t lo, uint64_t len)
{
	uint64_t want = lo, end = lo + len;
	const char *s = maps;

	if (!maps || !len || end < lo)
		return false;
	while (*s) {
		unsigned long long a, b;
		const char *nl = strchr(s, '\n');

		/* "START-END PERMS ...", sorted by address */
		if (sscanf(s, "%llx-%llx", &a, &b) == 2 && a <= want && b > want) {
			if (b >= end)
				return true;
			want = b;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return false;
}

/* All of /proc/PID/maps, NUL-terminated; NULL when it cannot be read. */
static char *read_maps(int pid)
{
	char path[32], *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (cap - len < 4097) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap += 65536);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			if (n < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* The piece holding gpa (pieces are sorted and disjoint), or NULL. */
static bool piece_ends_at_or_below(size_t i, const void *ctx)
{
	const struct procmem *pm = ((const void *const *)ctx)[0];
	uint64_t gpa = *(const uint64_t *)((const void *const *)ctx)[1];

	return pm->pieces[i].start + pm->pieces[i].size <= gpa;
}

static struct qmp_ram_piece *find_piece(struct procmem *pm, uint64_t gpa)
{
	const void *ctx[2] = { pm, &gpa };
	size_t i = lower_bound(pm->nr_pieces, piece_ends_at_or_below, ctx);

	if (i < pm->nr_pieces && gpa >= pm->pieces[i].start)
		return &pm->pieces[i];
	return NULL;
}

/*
 * Translate the piece holding gpa, once. A flat-view piece is one range of
 * one RAMBlock, whose host memory is one contiguous allocation, so the host
 * address of its start is the whole translation; /proc/PID/maps must cover
 * all of it, and the first bytes must agree with the slow path.
 */
static int piece_for(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		     struct qmp_ram_piece **out)
{
	struct qmp_ram_piece *pc = NULL;
	char name[sizeof(pc->name)];
	uint64_t h0;
	char *maps;
	bool mapped;
	int rc;

	pc = find_piece(pm, gpa);
	if (!pc)
		return PROCMEM_FALLBACK;
	*out = pc;
	if (pc->state)
		return pc->state > 0 ? 0 : PROCMEM_FALLBACK;
	pc->state = -1;
	if (pc->size < 8)
		return PROCMEM_FALLBACK;
	rc = gpa2hva(src, pm, pc->start, &h0, name, sizeof(name));
	if (rc || strcmp(name, pc->name))
		return rc ? rc : PROCMEM_FALLBACK;
	if (h0 + pc->size < h0 || h0 + pc->size > (uint64_t)INT64_MAX)
		return PROCMEM_FALLBACK;
	maps = src->pid > 0 ? read_maps(src->pid) : NULL;
	mapped = procmem_maps_cover(maps, h0, pc->size);
	free(maps);
	if (!mapped)
		return PROCMEM_FALLBACK;
	rc = same_bytes_both_ways(src, pm, pc, h0);
	if (rc)
		return rc;
	pc->hva = h0;
	pc->state = 1;
	return 0;
}

/* 0, PROCMEM_FALLBACK, or a negative errno (transport failure: fatal). */
static int read_fast(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		     void *buf, size_t len)
{
	uint8_t *dst = buf;

	while (len) {
		struct qmp_ram_piece *pc;
		uint64_t off, chunk;
		int rc = piece_for(src, pm, gpa, &pc);

		if (rc)
			return rc;
		off = gpa - pc->start;
		chunk = pc->size - off < len ? pc->size - off : len;
		if (pread(pm->fd, dst, chunk, (off_t)(pc->hva + off)) !=
		    (ssize_t)chunk)
			return PROCMEM_FALLBACK;
		dst += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int procmem_read(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		 void *buf, size_t len)
{
	if (pm->fd >= 0) {
		int rc = read_fast(src, pm, gpa, buf, len);

		if (rc <= 0)
			return rc;
		close(pm->fd);	/* silently and for good */
		pm->fd = -1;
		src->access = pm->slow_access;
	}
	return pm->slow_read(src, gpa, buf, len);
}

int procmem_load_map(struct vtd_source *src, struct procmem *pm,
		     struct qmp_mmio_region *iommu)
{
	char *text = NULL;
	int rc;

	rc = pm->hmp(src, "info mtree -f -o", &text);
	if (rc)
		return rc;
	rc = qmp_parse_mtree_flat(text, &pm->pieces, &pm->nr_pieces, iommu,
				  src->error, sizeof(src->error));
	free(text);
	for (size_t i = 0; !rc && i < pm->nr_pieces; i++)
		rc = source_add_ram(src, pm->pieces[i].start,
				    pm->pieces[i].size);
	if (rc)
		return rc;
	src->mmio_base = iommu->found ? iommu->base : VTD_DEFAULT_MMIO_BASE;
	src->mmio_size = iommu->found ? iommu->size : 0;
	return 0;
}

bool procmem_open(struct vtd_source *src, struct procmem *pm, int pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	pm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm->fd < 0)
		return false;
	src->access = "proc-mem";
	return true;
}

void procmem_close(struct procmem *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	free(pm->pieces);
}
