/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the compressed kdump source (dump-guest-memory format kdump-*,
 * virsh dump --memory-only --format=kdump-*, makedumpfile), read through
 * libkdumpfile. */
#ifndef VTDCTL_KDUMP_KDUMP_H
#define VTDCTL_KDUMP_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtd_source;

/* Bytes of a file's start that kdump_magic() needs. */
#define KDUMP_MAGIC_LEN 16

/* Does a file starting with these n bytes hold a kdump dump: "KDUMP   "
 * or "DISKDUMP" (the kdump-compressed format), or "makedumpfile" (the
 * same, flattened)? */
bool kdump_magic(const unsigned char *head, size_t n);

/* Open a kdump dump; NULL with err filled (errlen bytes) on failure.
 * src->format names what was read, as QEMU names its formats:
 * "kdump-zlib" (flattened) or "kdump-raw-zlib" (not), and so on for lzo,
 * snappy, zstd; "uncompressed" or "mixed" stand for the compression when
 * the header names none or several. */
struct vtd_source *kdump_source_open(const char *path, char *err, size_t errlen);

/* Limits (documented in the man page). */
#define KDUMP_MAX_RUNS		(1u << 20)	/* runs of dumped pages */
#define KDUMP_MAX_NOTES		(64u << 20)	/* note and VMCOREINFO bytes */

/* --- internal to src/kdump/ ------------------------------------------ */

/* The fields of a kdump header that decide where its parts lie, in one of
 * the four readings libkdumpfile tries (32- or 64-bit layout, either byte
 * order). */
struct kdump_layout {
	bool ok;		/* libkdumpfile would accept this reading */
	bool wide;		/* the 64-bit layout */
	bool big_endian;
	uint32_t status;	/* DUMP_DH_COMPRESSED_* */
	uint32_t block_size;
	uint64_t bitmap_off, bitmap_len;	/* both bitmaps */
	uint64_t desc_off;	/* page descriptors */
	uint64_t max_pfn;	/* max_mapnr, or max_mapnr_64 (version 6+) */
	/* With max_pfn at most half the bitmap's bits, the bitmap is two:
	 * the pages of RAM, then the pages in the file (libkdumpfile's rule);
	 * ram_pages counts the first one's set bits. */
	bool two_bitmaps;
	uint64_t ram_pages;
};

/* Check the header of the kdump file (fd, size bytes) so that
 * libkdumpfile may read it without reading past its end or allocating
 * more than the file holds: every reading libkdumpfile would accept has
 * its sub-header, notes and bitmaps inside the file, and its bitmaps at
 * most KDUMP_MAX_RUNS runs of set bits. lay[] gets the four readings.
 * 0, or a negative errno with err filled. */
int kdump_check_header(int fd, uint64_t size, struct kdump_layout lay[4],
		       char *err, size_t errlen);

/* Read exactly n bytes at off of fd: 0, -EPROTO past the end, or -errno. */
int kdump_read_at(int fd, void *buf, size_t n, uint64_t off);

/* Rebuild the flattened dump in fd (size bytes) into an unlinked file in
 * $TMPDIR (else /var/tmp); its descriptor, or a negative errno with err
 * filled. */
int kdump_unflatten(int fd, uint64_t size, uint64_t *out_size, char *err,
		    size_t errlen);

#endif
