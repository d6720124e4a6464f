// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: guest RAM through /proc/PID/mem, translated with gpa2hva. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/procmem.h"
#include "source.h"

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

/* Translate the piece holding gpa, once: the host addresses of its first
 * and last byte must be exactly size - 1 apart in one RAMBlock (one
 * contiguous mapping), and the bytes must agree. */
static int piece_for(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		     struct qmp_ram_piece **out)
{
	struct qmp_ram_piece *pc = NULL;
	char name[sizeof(pc->name)];
	uint64_t h0, h1;
	int rc;

	for (size_t i = 0; i < pm->nr_pieces; i++)
		if (gpa >= pm->pieces[i].start &&
		    gpa - pm->pieces[i].start < pm->pieces[i].size)
			pc = &pm->pieces[i];
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
	rc = gpa2hva(src, pm, pc->start + pc->size - 1, &h1, name, sizeof(name));
	if (rc || strcmp(name, pc->name))
		return rc ? rc : PROCMEM_FALLBACK;
	if (h1 < h0 || h1 - h0 != pc->size - 1 || h1 > (uint64_t)INT64_MAX)
		return PROCMEM_FALLBACK;
	rc = same_bytes_both_ways(src, pm, pc, h0);
	if (rc)
		return rc;
	pc->hva = h0;
	pc->state = 1;
	return 0;
}

int procmem_read(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		 void *buf, size_t len)
{
	uint8_t *dst = buf;

	if (pm->fd < 0)
		return PROCMEM_FALLBACK;
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
