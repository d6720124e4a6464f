// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: bounds of a kdump file, checked before libkdumpfile reads it.
 *
 * libkdumpfile (0.5.1) takes the header's sizes as they are: it reads the
 * whole page bitmap and the notes into memory, turns the bitmap into one
 * region per run of set bits, and reads past the end of a short file as
 * zeros. A hostile or truncated header could so make it allocate and read
 * far more than the file holds. This file checks only where the parts of
 * the file lie; libkdumpfile decodes them.
 *
 * libkdumpfile tries four readings of the header: the 32-bit layout
 * (struct disk_dump_header_32: status at 412) then the 64-bit one (status
 * at 424), each little- then big-endian, and takes the first whose block
 * size is 4 KiB to 256 KiB and whose bitmap blocks cover max_mapnr. Every
 * reading it could take is checked here: the sub-header, the notes (or
 * VMCOREINFO for header version 3) and both bitmaps lie in the file, the
 * notes are at most KDUMP_MAX_NOTES bytes, and the bitmaps hold at most
 * KDUMP_MAX_RUNS runs of set bits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "kdump/kdump.h"

#define HEADER_LEN	464	/* sizeof(struct disk_dump_header_64) */
#define MIN_BLOCK	(1u << 12)
#define MAX_BLOCK	(1u << 18)
#define RUN_CHUNK	(1u << 20)

bool kdump_magic(const unsigned char *head, size_t n)
{
	return (n >= 8 && (!memcmp(head, "KDUMP   ", 8) ||
			   !memcmp(head, "DISKDUMP", 8))) ||
	       (n >= 13 && !memcmp(head, "makedumpfile", 13));
}

static uint64_t get(const unsigned char *p, unsigned n, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * (be ? n - 1 - i : i));
	return v;
}

/* Where the sub-header's note (or VMCOREINFO) fields are, per layout. */
struct sub_fields {
	unsigned len;				/* sub-header bytes */
	unsigned vmci_off, vmci_size, vmci_size_len;
	unsigned note_off, note_size, note_size_len;
	unsigned max_mapnr_64;
};

static const struct sub_fields sub32 = { 80, 20, 28, 4, 32, 40, 4, 72 };
static const struct sub_fields sub64 = { 104, 32, 40, 8, 48, 56, 8, 96 };

/* Is [off, off + len) inside a file of size bytes? */
static bool inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* The reading of h as (wide, be), without looking past the header. */
static void read_layout(const unsigned char *h, bool wide, bool be,
			struct kdump_layout *l, int32_t *sub_blocks)
{
	const unsigned char *f = h + (wide ? 424 : 412);
	int32_t bs = (int32_t)get(f + 4, 4, be);
	uint64_t blocks = get(f + 12, 4, be), mapnr = get(f + 16, 4, be);

	*l = (struct kdump_layout){ .wide = wide, .big_endian = be };
	*sub_blocks = (int32_t)get(f + 8, 4, be);
	if (bs < (int32_t)MIN_BLOCK || bs > (int32_t)MAX_BLOCK ||
	    8 * blocks * (uint64_t)bs < mapnr)
		return;
	l->ok = true;
	l->status = (uint32_t)get(f, 4, be);
	l->block_size = (uint32_t)bs;
	l->bitmap_off = (1 + (uint64_t)(int64_t)*sub_blocks) * (uint64_t)bs;
	l->bitmap_len = blocks * (uint64_t)bs;
	l->desc_off = l->bitmap_off + l->bitmap_len;
	l->max_pfn = mapnr;
}

/* The sub-header's note or VMCOREINFO range, for header version v, and
 * its max_mapnr_64 (version 6 on). */
static int check_notes(int fd, uint64_t size, struct kdump_layout *l,
		       int32_t v, char *err, size_t errlen)
{
	const struct sub_fields *s = l->wide ? &sub64 : &sub32;
	unsigned char sub[104];
	uint64_t off, len;
	int rc;

	if (v < 1)
		return 0;	/* no sub-header */
	if (!inside(l->block_size, s->len, size)) {
		errf(err, errlen, "truncated kdump dump: the sub-header at %u lies beyond the end of the file",
			l->block_size);
		return -EPROTO;
	}
	rc = kdump_read_at(fd, sub, s->len, l->block_size);
	if (rc) {
		errf(err, errlen, "reading the kdump sub-header: %s", strerror(-rc));
		return rc;
	}
	if (v >= 6)
		l->max_pfn = get(sub + s->max_mapnr_64, 8, l->big_endian);
	if (v < 3)
		return 0;	/* neither notes nor VMCOREINFO */
	if (v >= 4) {
		off = get(sub + s->note_off, 8, l->big_endian);
		len = get(sub + s->note_size, s->note_size_len, l->big_endian);
	} else {
		off = get(sub + s->vmci_off, 8, l->big_endian);
		len = get(sub + s->vmci_size, s->vmci_size_len, l->big_endian);
	}
	if (len > KDUMP_MAX_NOTES) {
		errf(err, errlen,
			"corrupt kdump header: %" PRIu64 " bytes of notes, more than the %u MiB vtdctl reads",
			len, KDUMP_MAX_NOTES >> 20);
		return -EPROTO;
	}
	if (!inside(off, len, size)) {
		errf(err, errlen,
			"truncated kdump dump: its notes (%" PRIu64 " bytes at %" PRIu64 ") end beyond the end of the file (%" PRIu64 " bytes)",
			len, off, size);
		return -EPROTO;
	}
	return 0;
}

/* Runs of set bits in the bitmaps of l (bit 0 of byte 0 is page 0), and
 * the set bits of the first one when there are two. */
static int count_runs(int fd, struct kdump_layout *l, uint64_t *runs,
		      char *err, size_t errlen)
{
	unsigned char *buf = malloc(RUN_CHUNK);
	unsigned prev = 0;
	int rc = 0;

	*runs = 0;
	if (!buf) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint64_t done = 0; done < l->bitmap_len && !rc;) {
		uint64_t left = l->bitmap_len - done;
		size_t n = left < RUN_CHUNK ? (size_t)left : RUN_CHUNK;

		rc = kdump_read_at(fd, buf, n, l->bitmap_off + done);
		if (rc) {
			errf(err, errlen, "reading the kdump bitmap: %s", strerror(-rc));
			break;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned b = buf[i];

			/* a bit starts a run when the bit before it is clear */
			*runs += (unsigned)__builtin_popcount(b & ~((b << 1) | prev) & 0xff);
			prev = b >> 7;
			if (l->two_bitmaps && done + i < l->bitmap_len / 2)
				l->ram_pages += (unsigned)__builtin_popcount(b);
		}
		done += n;
		if (*runs > KDUMP_MAX_RUNS) {
			errf(err, errlen,
				"kdump bitmap too fragmented: more than %u runs of dumped pages (vtdctl's limit)",
				KDUMP_MAX_RUNS);
			rc = -E2BIG;
		}
	}
	free(buf);
	return rc;
}

static int check_layout(int fd, uint64_t size, const unsigned char *h,
			struct kdump_layout *l, int32_t sub_blocks,
			char *err, size_t errlen)
{
	int32_t version = (int32_t)get(h + 8, 4, l->big_endian);
	uint64_t runs;
	int rc;

	if (sub_blocks < 0 || version < 0) {
		errf(err, errlen, "corrupt kdump header: sub-header of %d blocks, version %d",
			sub_blocks, version);
		return -EPROTO;
	}
	if (!inside(l->bitmap_off, l->bitmap_len, size)) {
		errf(err, errlen,
			"truncated or corrupt kdump dump: its page bitmap (%" PRIu64 " bytes at %" PRIu64 ") ends beyond the end of the file (%" PRIu64 " bytes)",
			l->bitmap_len, l->bitmap_off, size);
		return -EPROTO;
	}
	rc = check_notes(fd, size, l, version, err, errlen);
	l->two_bitmaps = l->max_pfn <= l->bitmap_len * 8 / 2;
	if (!rc)
		rc = count_runs(fd, l, &runs, err, errlen);
	return rc;
}

int kdump_check_header(int fd, uint64_t size, struct kdump_layout lay[4],
		       char *err, size_t errlen)
{
	unsigned char h[HEADER_LEN];
	bool any_le = false;
	int rc;

	if (size < HEADER_LEN) {
		errf(err, errlen, "truncated kdump dump: %" PRIu64 " bytes, shorter than its header",
			size);
		return -EPROTO;
	}
	rc = kdump_read_at(fd, h, sizeof(h), 0);
	if (rc) {
		errf(err, errlen, "reading the kdump header: %s", strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < 4; i++) {
		int32_t sub_blocks;

		read_layout(h, i >= 2, i & 1, &lay[i], &sub_blocks);
		if (!lay[i].ok)
			continue;
		any_le |= !lay[i].big_endian;
		rc = check_layout(fd, size, h, &lay[i], sub_blocks, err, errlen);
		if (rc)
			return rc;
	}
	if (!any_le) {
		errf(err, errlen,
			"corrupt kdump header: no block size of 4 KiB to 256 KiB whose bitmap covers max_mapnr (%s)",
			lay[1].ok || lay[3].ok ? "a big-endian reading fits; only x86 guests are supported" :
			"block size, bitmap blocks or max_mapnr out of range");
		return -EPROTO;
	}
	return 0;
}
