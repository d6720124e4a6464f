// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the kdump source: a guest memory dump in the kdump-compressed
 * format (makedumpfile's), as QEMU's dump-guest-memory writes it with
 * format kdump-zlib, kdump-lzo, kdump-snappy (flattened) or, from QEMU
 * 8.2, kdump-raw-zlib, kdump-raw-lzo, kdump-raw-snappy, and as `virsh dump
 * --memory-only --format=kdump-*` and makedumpfile write it. libkdumpfile
 * reads it: the page bitmap, the page descriptors, decompression, and
 * every read of guest memory (kdump_read, KDUMP_MACHPHYSADDR: guest-
 * physical addresses, page frame number times the page size).
 *
 * What vtdctl adds (the file is untrusted):
 *  - a flattened dump is first rebuilt into a plain one (flat.c), since
 *    libkdumpfile 0.5.1 does not read that format;
 *  - the header's sizes are checked against the file before libkdumpfile
 *    sees them (header.c);
 *  - libkdumpfile reads with read(2), never mmap(2) (a page descriptor
 *    that points past the end of a mapped file would raise SIGBUS), and
 *    keeps its own cache of 1024 pages;
 *  - the page descriptor table is read once, in order, 24 bytes a page
 *    through a fixed buffer, and every page's data must lie inside the
 *    file: libkdumpfile's read(2) path gives zeros past the end of a
 *    file, so a truncated dump would otherwise read as zero pages;
 *  - guest RAM is the runs of set bits of the page bitmap (file.pagemap),
 *    at most KDUMP_MAX_RUNS of them (header.c counts them first);
 *  - pages the RAM bitmap (the first of two) lists but the file left out
 *    (makedumpfile's dump levels) are counted: src->pages_left_out, which
 *    the output shows; a read of one is -ENODATA (RAM whose content the
 *    dump does not hold: "not recorded"), not -EFAULT (not RAM), though
 *    libkdumpfile gives both as no data: kd_read() asks the RAM bitmap.
 *    (header.c counts them as it reads the bitmaps: libkdumpfile 0.5.1's
 *    memory.pagemap leaks the regions it builds.)
 *
 * No whole-dump buffer: memory is libkdumpfile's cache, its list of runs,
 * and the RAM ranges, whatever the size of the dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/array.h"
#include "source/source.h"
#include "kdump/kdump.h"

#define DESC_LEN	24	/* struct page_desc */
#define DESC_BATCH	4096	/* descriptors read at a time */
#define DUMP_DH_COMPRESSED_ZLIB		0x1
#define DUMP_DH_COMPRESSED_LZO		0x2
#define DUMP_DH_COMPRESSED_SNAPPY	0x4
#define DUMP_DH_COMPRESSED_ZSTD		0x20
#define DUMP_DH_COMPRESSED (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO | \
			    DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD)

struct kd_priv {
	kdump_ctx_t *ctx;
	int fd;			/* the file libkdumpfile reads */
	uint64_t size;		/* its size */
	char format[32];	/* src->format */
	/* The RAM bitmap (the first of two; 0 bytes with one), to tell a
	 * page left out of the dump from a page that is not RAM. */
	uint64_t ram_bitmap_off, ram_bitmap_len;
	uint32_t page_size;
};

/* Is the page at gpa guest RAM that the dump left out (set in the RAM
 * bitmap; libkdumpfile reads it as no data, like a hole)? source_read()
 * only asks for RAM; this keeps a non-RAM answer for anything else. */
static bool kd_left_out(const struct kd_priv *p, uint64_t gpa)
{
	unsigned char byte;
	uint64_t pfn;

	if (!p->ram_bitmap_len || !p->page_size)
		return false;
	pfn = gpa / p->page_size;
	if (pfn / 8 >= p->ram_bitmap_len ||
	    kdump_read_at(p->fd, &byte, 1, p->ram_bitmap_off + pfn / 8))
		return false;
	return byte >> (pfn % 8) & 1;
}

/* What no data at gpa means: a page left out of the dump is RAM whose
 * content is unknown (-ENODATA, "not recorded"), else not RAM (-EFAULT). */
static int kd_no_data(struct vtd_source *src, const struct kd_priv *p,
		      uint64_t gpa)
{
	if (!kd_left_out(p, gpa))
		return -EFAULT;
	source_set_error(src, "guest page 0x%" PRIx64 " is not in the dump (RAM its dump level left out: makedumpfile -d)",
			 gpa / p->page_size * p->page_size);
	return -ENODATA;
}

static int kd_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	struct kd_priv *p = src->priv;
	size_t n = len;
	kdump_status st;

	st = kdump_read(p->ctx, KDUMP_MACHPHYSADDR, gpa, buf, &n);
	if (st == KDUMP_OK)
		return 0;
	if (st == KDUMP_ERR_NODATA)
		return kd_no_data(src, p, gpa + n);
	source_set_error(src, "%s: reading 0x%" PRIx64 ": %s", src->target,
			 gpa + n, kdump_get_err(p->ctx));
	return -EIO;
}

static void kd_close(struct vtd_source *src)
{
	struct kd_priv *p = src->priv;

	if (!p)
		return;
	if (p->ctx)
		kdump_free(p->ctx);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	src->priv = NULL;
}

static const struct vtd_source_ops kdump_ops = {
	.kind = "core",
	.read = kd_read,
	.read_reg = NULL,	/* a dump holds no device registers */
	.close = kd_close,
};

static const char *compression_name(uint32_t status)
{
	switch (status & DUMP_DH_COMPRESSED) {
	case 0:				return "uncompressed";
	case DUMP_DH_COMPRESSED_ZLIB:	return "zlib";
	case DUMP_DH_COMPRESSED_LZO:	return "lzo";
	case DUMP_DH_COMPRESSED_SNAPPY:	return "snappy";
	case DUMP_DH_COMPRESSED_ZSTD:	return "zstd";
	default:			return "mixed";
	}
}

/* libkdumpfile's words for its last error, with the file's name. */
static int kd_error(struct kd_priv *p, const char *path, const char *what,
		    char *err, size_t errlen)
{
	const char *msg = kdump_get_err(p->ctx);

	errf(err, errlen, "%s: %s: %s", path, what, msg ? msg : "failed");
	return -EPROTO;
}

/* Open p->fd with libkdumpfile, reading with read(2) only. */
static int kd_open_ctx(struct kd_priv *p, const char *path, char *err,
		       size_t errlen)
{
	p->ctx = kdump_new();
	if (!p->ctx) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (kdump_set_number_attr(p->ctx, KDUMP_ATTR_FILE_MMAP_POLICY,
				  KDUMP_MMAP_NEVER) != KDUMP_OK)
		return kd_error(p, path, "libkdumpfile", err, errlen);
	if (kdump_open_fd(p->ctx, p->fd) != KDUMP_OK)
		return kd_error(p, path, "not a dump libkdumpfile can read", err,
				errlen);
	return 0;
}

/* The reading of the header libkdumpfile took (checked by header.c). */
static const struct kdump_layout *kd_layout(struct kd_priv *p,
					    const struct kdump_layout lay[4],
					    const char *path, char *err,
					    size_t errlen)
{
	kdump_num_t ptr = 0, order = 0;

	if (kdump_get_number_attr(p->ctx, KDUMP_ATTR_PTR_SIZE, &ptr) != KDUMP_OK ||
	    kdump_get_number_attr(p->ctx, KDUMP_ATTR_BYTE_ORDER, &order) != KDUMP_OK) {
		kd_error(p, path, "the dump's layout", err, errlen);
		return NULL;
	}
	for (unsigned i = 0; i < 4; i++)
		if (lay[i].ok && !lay[i].big_endian && lay[i].wide == (ptr == 8) &&
		    order == KDUMP_LITTLE_ENDIAN)
			return &lay[i];
	errf(err, errlen, "%s: libkdumpfile read the header as %s-endian with %u-byte pointers: only x86 guests are supported",
		path, order == KDUMP_BIG_ENDIAN ? "big" : "little", (unsigned)ptr);
	return NULL;
}

/* The set bits of a bitmap attribute (file.pagemap),
 * in runs: fn(ctx, first, end) for each; at most KDUMP_MAX_RUNS. */
static int kd_runs(struct vtd_source *src, struct kd_priv *p, const char *key,
		   int (*fn)(struct vtd_source *src, uint64_t pfn, uint64_t end,
			     void *ctx),
		   void *ctx, char *err, size_t errlen)
{
	kdump_attr_t attr;
	kdump_addr_t pfn = 0;
	size_t runs = 0;

	if (kdump_get_attr(p->ctx, key, &attr) != KDUMP_OK ||
	    attr.type != KDUMP_BITMAP)
		return kd_error(p, src->target, key, err, errlen);
	while (kdump_bmp_find_set(attr.val.bitmap, &pfn) == KDUMP_OK) {
		kdump_addr_t end = pfn;
		int rc;

		if (kdump_bmp_find_clear(attr.val.bitmap, &end) != KDUMP_OK ||
		    end <= pfn) {
			errf(err, errlen, "%s: bad %s run at page 0x%" PRIx64,
				src->target, key, (uint64_t)pfn);
			return -EPROTO;
		}
		if (++runs > KDUMP_MAX_RUNS) {
			errf(err, errlen, "%s: more than %u runs of pages in %s",
				src->target, KDUMP_MAX_RUNS, key);
			return -E2BIG;
		}
		rc = fn(src, pfn, end, ctx);
		if (rc)
			return rc;
		pfn = end;
	}
	return 0;
}

struct ranges {
	uint64_t psize;
	uint64_t pages;
	char *err;
	size_t errlen;
};

static int add_range(struct vtd_source *src, uint64_t pfn, uint64_t end,
		     void *ctx)
{
	struct ranges *r = ctx;
	struct ram_range *ram;

	if (end > UINT64_MAX / r->psize ||
	    (src->nr_ram && pfn * r->psize <= src->ram[src->nr_ram - 1].start +
					       src->ram[src->nr_ram - 1].size)) {
		errf(r->err, r->errlen, "%s: bad page map run at page 0x%" PRIx64,
			src->target, pfn);
		return -EPROTO;
	}
	/* runs come in address order, apart (each is a maximal run): append
	 * them as they are, sorted and merged, in O(1) each */
	ram = array_append(&src->ram, &src->nr_ram, sizeof(*ram));
	if (!ram) {
		errf(r->err, r->errlen, "out of memory");
		return -ENOMEM;
	}
	*ram = (struct ram_range){ pfn * r->psize, (end - pfn) * r->psize };
	r->pages += end - pfn;
	return 0;
}

/* Guest RAM: the runs of set bits of file.pagemap; *pages gets their sum. */
static int kd_ranges(struct vtd_source *src, struct kd_priv *p,
		     uint64_t *pages, char *err, size_t errlen)
{
	struct ranges r = { .err = err, .errlen = errlen };
	kdump_num_t psize;
	int rc;

	if (kdump_get_number_attr(p->ctx, KDUMP_ATTR_PAGE_SIZE, &psize) != KDUMP_OK ||
	    !psize)
		return kd_error(p, src->target, "the dump's page size", err, errlen);
	r.psize = psize;
	rc = kd_runs(src, p, KDUMP_ATTR_FILE_PAGEMAP, add_range, &r, err, errlen);
	if (rc)
		return rc;
	if (!r.pages) {
		errf(err, errlen, "%s: no guest memory in the dump (its page bitmap is empty)",
			src->target);
		return -EPROTO;
	}
	*pages = r.pages;
	return 0;
}

#define BITMAP_BATCH	65536	/* bitmap bytes read at a time */

/* Close the run of RAM pages [*start, pfn), if one is open. */
static int end_run(struct vtd_source *src, uint64_t psize, uint64_t *start,
		   uint64_t pfn)
{
	int rc = 0;

	if (*start != UINT64_MAX)
		rc = source_add_ram(src, *start * psize, (pfn - *start) * psize);
	*start = UINT64_MAX;
	return rc;
}

/* The runs of set bits of n bitmap bytes for pages from pfn on. */
static int bitmap_runs(struct vtd_source *src, uint64_t psize,
		       const unsigned char *b, size_t n, uint64_t pfn,
		       uint64_t *start)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++, pfn += 8) {
		if (b[i] == (*start == UINT64_MAX ? 0x00 : 0xff))
			continue;	/* no run starts or ends here */
		for (unsigned bit = 0; bit < 8 && !rc; bit++) {
			bool set = b[i] >> bit & 1;

			if (set && *start == UINT64_MAX)
				*start = pfn + bit;
			else if (!set)
				rc = end_run(src, psize, start, pfn + bit);
		}
	}
	return rc;
}

/* With pages left out, guest RAM is the RAM bitmap's runs (a left-out
 * page is RAM the dump does not hold), not the dumped pages' runs: the
 * ranges are rebuilt from p's RAM bitmap (whose runs header.c counted:
 * at most KDUMP_MAX_RUNS), read through a fixed buffer. */
static int kd_ram_bitmap_ranges(struct vtd_source *src, struct kd_priv *p,
				char *err, size_t errlen)
{
	uint64_t start = UINT64_MAX;
	unsigned char *buf = malloc(BITMAP_BATCH);
	int rc = 0;

	if (!buf) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(src->ram);
	src->ram = NULL;
	src->nr_ram = 0;
	for (uint64_t done = 0; done < p->ram_bitmap_len && !rc;) {
		uint64_t left = p->ram_bitmap_len - done;
		size_t n = left < BITMAP_BATCH ? (size_t)left : BITMAP_BATCH;

		rc = kdump_read_at(p->fd, buf, n, p->ram_bitmap_off + done);
		if (!rc)
			rc = bitmap_runs(src, p->page_size, buf, n, done * 8, &start);
		done += n;
	}
	if (!rc)
		rc = end_run(src, p->page_size, &start, p->ram_bitmap_len * 8);
	free(buf);
	if (rc)
		errf(err, errlen, "%s: reading the RAM bitmap: %s", src->target,
		     strerror(-rc));
	return rc;
}

static uint64_t le(const unsigned char *b, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* The page at index i of the dumped pages (in address order). */
static uint64_t nth_page(const struct vtd_source *src, uint64_t psize,
			 uint64_t i)
{
	for (size_t r = 0; r < src->nr_ram; r++) {
		uint64_t n = src->ram[r].size / psize;

		if (i < n)
			return src->ram[r].start + i * psize;
		i -= n;
	}
	return 0;
}

/* One descriptor: its data inside the file, its size a page's or less. */
static int check_desc(const struct vtd_source *src, const struct kd_priv *p,
		      const struct kdump_layout *l, const unsigned char *d,
		      uint64_t i, char *err, size_t errlen)
{
	uint64_t off = le(d, 8), size = le(d + 8, 4), flags = le(d + 12, 4);
	bool packed = flags & DUMP_DH_COMPRESSED;

	if (packed ? size <= l->block_size : size == l->block_size) {
		if (off <= p->size && size <= p->size - off)
			return 0;
		errf(err, errlen,
			"%s: truncated kdump dump: the page at 0x%" PRIx64 " has its data (%" PRIu64 " bytes at %" PRIu64 ") beyond the end of the file (%" PRIu64 " bytes)",
			src->target, nth_page(src, l->block_size, i), size, off,
			p->size);
	} else {
		errf(err, errlen,
			"%s: corrupt kdump dump: the page at 0x%" PRIx64 " has %" PRIu64 " bytes of %s data (page size %u)",
			src->target, nth_page(src, l->block_size, i), size,
			packed ? "compressed" : "uncompressed", l->block_size);
	}
	return -EPROTO;
}

/* n descriptors in buf, the first of them the dumped page at index i. */
static int check_batch(const struct vtd_source *src, const struct kd_priv *p,
		       const struct kdump_layout *l, const unsigned char *buf,
		       size_t n, uint64_t i, char *err, size_t errlen)
{
	for (size_t k = 0; k < n; k++) {
		int rc = check_desc(src, p, l, buf + k * DESC_LEN, i + k, err,
				    errlen);

		if (rc)
			return rc;
	}
	return 0;
}

/* Every page descriptor, read once through a fixed buffer. */
static int kd_check_descs(const struct vtd_source *src, const struct kd_priv *p,
			  const struct kdump_layout *l, uint64_t pages,
			  char *err, size_t errlen)
{
	unsigned char *buf;
	int rc = 0;

	if (l->desc_off > p->size || pages > (p->size - l->desc_off) / DESC_LEN) {
		errf(err, errlen,
			"%s: truncated kdump dump: %" PRIu64 " page descriptors at %" PRIu64 " end beyond the end of the file (%" PRIu64 " bytes)",
			src->target, pages, l->desc_off, p->size);
		return -EPROTO;
	}
	buf = malloc((size_t)DESC_BATCH * DESC_LEN);
	if (!buf) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < pages && !rc; i += DESC_BATCH) {
		size_t n = pages - i < DESC_BATCH ? (size_t)(pages - i) : DESC_BATCH;

		rc = kdump_read_at(p->fd, buf, n * DESC_LEN,
				   l->desc_off + i * DESC_LEN);
		if (rc)
			errf(err, errlen, "%s: reading page descriptors: %s",
				src->target, strerror(-rc));
		else
			rc = check_batch(src, p, l, buf, n, i, err, errlen);
	}
	free(buf);
	return rc;
}

/* The file to read: path itself, or its flattened records rebuilt. */
static int kd_open_file(struct kd_priv *p, const char *path, bool *flat,
			char *err, size_t errlen)
{
	unsigned char head[KDUMP_MAGIC_LEN] = { 0 };
	struct stat st;
	char msg[400];
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	p->fd = fd;
	p->size = (uint64_t)st.st_size;
	rc = kdump_read_at(fd, head, sizeof(head) < p->size ? sizeof(head) : p->size, 0);
	if (rc || !kdump_magic(head, p->size < sizeof(head) ? p->size : sizeof(head))) {
		errf(err, errlen, "%s: not a kdump dump", path);
		return -EPROTO;
	}
	*flat = !memcmp(head, "makedumpfile", 13);
	if (!*flat)
		return 0;
	rc = kdump_unflatten(fd, p->size, &p->size, msg, sizeof(msg));
	if (rc < 0) {
		errf(err, errlen, "%s: %s", path, msg);
		return rc;
	}
	close(fd);
	p->fd = rc;
	return 0;
}

static struct vtd_source *kd_new(const char *path)
{
	struct vtd_source *src = calloc(1, sizeof(*src));
	struct kd_priv *p = calloc(1, sizeof(*p));

	if (!src || !p) {
		free(src);
		free(p);
		return NULL;
	}
	p->fd = -1;
	src->ops = &kdump_ops;
	src->priv = p;
	src->access = "kdump";
	src->format = p->format;
	src->mmio_base = VTD_DEFAULT_MMIO_BASE;
	snprintf(src->target, sizeof(src->target), "%s", path);
	return src;
}

struct vtd_source *kdump_source_open(const char *path, char *err, size_t errlen)
{
	struct kdump_layout lay[4];
	const struct kdump_layout *l;
	struct vtd_source *src = kd_new(path);
	struct kd_priv *p;
	char msg[400];
	uint64_t pages;
	bool flat = false;

	errf(err, errlen, "%s", "");
	if (!src) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	p = src->priv;
	if (kd_open_file(p, path, &flat, err, errlen))
		goto fail;
	if (kdump_check_header(p->fd, p->size, lay, msg, sizeof(msg))) {
		errf(err, errlen, "%s: %s", path, msg);
		goto fail;
	}
	if (kd_open_ctx(p, path, err, errlen))
		goto fail;
	l = kd_layout(p, lay, path, err, errlen);
	if (!l)
		goto fail;
	snprintf(p->format, sizeof(p->format), "kdump-%s%s", flat ? "" : "raw-",
		 compression_name(l->status));
	if (kd_ranges(src, p, &pages, err, errlen) ||
	    kd_check_descs(src, p, l, pages, err, errlen))
		goto fail;
	if (l->two_bitmaps && l->ram_pages > pages) {
		src->pages_left_out = l->ram_pages - pages;
		p->ram_bitmap_off = l->bitmap_off;
		p->ram_bitmap_len = l->bitmap_len / 2;
		p->page_size = l->block_size;
		if (kd_ram_bitmap_ranges(src, p, err, errlen))
			goto fail;
	}
	return src;

fail:
	source_close(src);
	return NULL;
}
