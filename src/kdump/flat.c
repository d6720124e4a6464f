// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: makedumpfile's flattened format, rebuilt into a plain kdump file.
 *
 * A flattened dump is a kdump-compressed file written as a stream, for a
 * pipe: a 4096-byte header ("makedumpfile", type 1, version 1), then
 * records of {offset, size} (big-endian int64) each followed by size bytes
 * that belong at that offset of the kdump file, and a record of offset -1
 * at the end. QEMU writes this for its formats kdump-zlib, kdump-lzo and
 * kdump-snappy (and, before 8.2, for every kdump format); QEMU 8.2's
 * kdump-raw-* write the kdump file itself.
 *
 * libkdumpfile reads flattened dumps from 0.5.3 on; Debian 12 has 0.5.1,
 * which does not. So the records are copied to where they belong in an
 * unlinked file in $TMPDIR (else /var/tmp), as `makedumpfile -R` would,
 * through a buffer of FLAT_BUF bytes: the disk holds a second copy of the
 * dump while vtdctl runs, memory does not grow with it. The rebuilt file
 * may end no further than twice the flattened file's size plus 1 MiB (a
 * real one ends within a few blocks of the flattened size: the records
 * tile it), so that a hostile offset cannot make a file system fill a
 * huge sparse file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"
#include "kdump/kdump.h"

#define FLAT_HEADER	4096
#define FLAT_BUF	(1u << 20)

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int kdump_read_at(int fd, void *buf, size_t n, uint64_t off)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPROTO;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int write_at(int fd, const void *buf, size_t n, uint64_t off)
{
	const unsigned char *p = buf;

	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int check_flat_header(int fd, uint64_t size, char *err, size_t errlen)
{
	unsigned char h[32];
	int rc;

	if (size < FLAT_HEADER) {
		errf(err, errlen,
			"truncated flattened dump: %" PRIu64 " bytes, shorter than its %u-byte header",
			size, FLAT_HEADER);
		return -EPROTO;
	}
	rc = kdump_read_at(fd, h, sizeof(h), 0);
	if (rc) {
		errf(err, errlen, "reading the flattened header: %s", strerror(-rc));
		return rc;
	}
	if (memcmp(h, "makedumpfile", 13) || be64(h + 16) != 1 ||
	    be64(h + 24) != 1) {
		errf(err, errlen,
			"bad flattened header: expected \"makedumpfile\", type 1, version 1 (type %" PRIu64 ", version %" PRIu64 ")",
			be64(h + 16), be64(h + 24));
		return -EPROTO;
	}
	return 0;
}

/* An unlinked file to rebuild into. */
static int temp_file(char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/vtdctl-kdump-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		errf(err, errlen, "a file in %s to rebuild the flattened dump: %s",
			dir, strerror(errno));
		return -errno;
	}
	unlink(path);
	return fd;
}

/* Copy n bytes from in at from to out at to, through buf. */
static int copy_record(int in, int out, uint64_t from, uint64_t to,
		       uint64_t n, unsigned char *buf)
{
	while (n) {
		size_t k = n < FLAT_BUF ? (size_t)n : FLAT_BUF;
		int rc = kdump_read_at(in, buf, k, from);

		if (!rc)
			rc = write_at(out, buf, k, to);
		if (rc)
			return rc;
		from += k;
		to += k;
		n -= k;
	}
	return 0;
}

/* Walk the records of in, copying each to out; the rebuilt size in *end. */
static int copy_records(int in, uint64_t size, int out, uint64_t *end,
			char *err, size_t errlen)
{
	uint64_t pos = FLAT_HEADER, limit = 2 * size + (1u << 20);
	unsigned char *buf = malloc(FLAT_BUF), h[16];
	int rc = 0;

	if (!buf) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*end = 0;
	for (;;) {
		uint64_t off, len;

		if (size - pos < sizeof(h)) {
			errf(err, errlen,
				"truncated flattened dump: no end marker (the records stop at offset %" PRIu64 " of %" PRIu64 ")",
				pos, size);
			rc = -EPROTO;
			break;
		}
		rc = kdump_read_at(in, h, sizeof(h), pos);
		if (rc) {
			errf(err, errlen, "reading record at offset %" PRIu64 ": %s",
				pos, strerror(-rc));
			break;
		}
		off = be64(h);
		len = be64(h + 8);
		if (off == UINT64_MAX)
			break;	/* the end marker, -1 */
		pos += sizeof(h);
		if (off >> 63 || len > size - pos) {
			errf(err, errlen,
				"%s flattened dump: the record at offset %" PRIu64 " puts %" PRIu64 " bytes at %" PRId64 "%s",
				len > size - pos ? "truncated" : "corrupt",
				pos - sizeof(h), len, (int64_t)off,
				len > size - pos ? ", beyond the end of the file" : "");
			rc = -EPROTO;
			break;
		}
		if (off > limit || len > limit - off) {
			errf(err, errlen,
				"corrupt flattened dump: the record at offset %" PRIu64 " writes up to %" PRIu64 ", beyond twice the file's size",
				pos - sizeof(h), off + len);
			rc = -EPROTO;
			break;
		}
		rc = copy_record(in, out, pos, off, len, buf);
		if (rc) {
			errf(err, errlen, "rebuilding the flattened dump: %s",
				strerror(-rc));
			break;
		}
		pos += len;
		if (off + len > *end)
			*end = off + len;
	}
	free(buf);
	return rc;
}

int kdump_unflatten(int fd, uint64_t size, uint64_t *out_size, char *err,
		    size_t errlen)
{
	int out, rc;

	rc = check_flat_header(fd, size, err, errlen);
	if (rc)
		return rc;
	out = temp_file(err, errlen);
	if (out < 0)
		return out;
	rc = copy_records(fd, size, out, out_size, err, errlen);
	if (rc) {
		close(out);
		return rc;
	}
	return out;
}
