// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: snapshot files on disk: a bounded read, an atomic write. */
#define _GNU_SOURCE	/* asprintf, mkostemp, fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/snapshot.h"

/* The whole file, at most SNAP_MAX_FILE bytes; NULL with a message. */
static char *read_bounded(const char *path, size_t *len, char *err,
			  size_t errlen)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL, *p;
	uint64_t size;
	ssize_t r;
	/* a regular file only: a FIFO would block open() or read() */
	int fd = open_regular_file(path, &size, err, errlen);

	if (fd < 0)
		return NULL;
	/* a regular file says its size: refuse a huge one before reading it */
	if (size > SNAP_MAX_FILE) {
		snprintf(err, errlen, "%llu bytes, larger than %u MiB: not a snapshot this vtdctl reads",
			 (unsigned long long)size, SNAP_MAX_FILE >> 20);
		goto fail;
	}
	for (;;) {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > SNAP_MAX_FILE + 1)
				cap = SNAP_MAX_FILE + 1;
			p = realloc(buf, cap + 1);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = p;
		}
		if (n > SNAP_MAX_FILE) {
			snprintf(err, errlen, "larger than %u MiB: not a snapshot this vtdctl reads",
				 SNAP_MAX_FILE >> 20);
			goto fail;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

int snapshot_load(const char *path, struct vtd_snapshot *s, char *err,
		  size_t errlen)
{
	char msg[400];
	size_t len;
	char *buf = read_bounded(path, &len, msg, sizeof(msg));
	int rc;

	memset(s, 0, sizeof(*s));
	if (!buf) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -EIO;
	}
	if (len == 0) {
		free(buf);
		snprintf(err, errlen, "%s: empty file, not a vtdctl snapshot", path);
		return -EPROTO;
	}
	{
		struct json_object *o;

		/* the bytes go before the snapshot is built from the tree */
		rc = snapshot_parse_tree(buf, len, &o, msg, sizeof(msg));
		free(buf);
		if (!rc) {
			rc = snapshot_from_json(o, s, msg, sizeof(msg));
			json_object_put(o);
		}
	}
	if (rc)
		snprintf(err, errlen, "%s: bad snapshot: %s", path, msg);
	return rc;
}

/* Refuse to rename over anything but a regular file (-o /dev/null, a dir). */
static int check_destination(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a regular file", path);
		return -EEXIST;
	}
	return 0;
}

/* DIR/.NAME.XXXXXX beside path */
static char *temp_name(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *t = NULL;

	if (d && b && asprintf(&t, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0)
		t = NULL;
	free(d);
	free(b);
	return t;
}

static void fsync_dir_of(const char *path)
{
	char *d = strdup(path);
	int fd;

	if (!d)
		return;
	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);	/* best effort: the rename itself succeeded */
		close(fd);
	}
	free(d);
}

/* A sink that counts bytes: the size a snapshot would have. */
static ssize_t count_only(void *cookie, const char *buf, size_t len)
{
	(void)buf;
	*(long long *)cookie += (long long)len;
	return (ssize_t)len;
}

static int too_big(long long size, char *err, size_t errlen)
{
	snprintf(err, errlen, "the snapshot would take %lld bytes, more than the %u MiB vtdctl reads back (fewer pages: drop --pages, or --max-ranges)",
		 size, SNAP_MAX_FILE >> 20);
	return -EFBIG;
}

/* How many bytes the snapshot takes: 0, or a negative errno with err. */
static int measure_only(const struct vtd_snapshot *s, long long *size,
			char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = count_only };
	FILE *f;
	long long rc;

	*size = 0;
	f = fopencookie(size, "w", io);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = snapshot_write_stream(f, s);
	fclose(f);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return (int)rc;
	}
	return 0;
}

/* Room kept for the "truncated" note the cut adds to the header */
#define NOTE_ROOM	(2 * sizeof(((struct vtd_snapshot *)0)->truncated))

/*
 * Larger than a reader takes: leave out the pages added last (the walk's
 * tables come first, page tables with --pages last) until it fits, and say
 * so in the file. 0, or -EFBIG when even no page would fit.
 */
static int cut_to_fit(struct vtd_snapshot *s, long long size, char *err,
		      size_t errlen)
{
	long long room = (long long)SNAP_MAX_FILE - (long long)NOTE_ROOM;
	size_t total = s->nr_pages, n = total;
	long long left = size;

	while (n > 0 && left > room)
		left -= snapshot_page_text_bytes(&s->pages[--n]);
	if (left > room)
		return too_big(size, err, errlen);
	snapshot_keep_pages(s, n);
	snapshot_mark_truncated(s, "%zu of %zu pages left out (the last recorded) to fit the %u MiB file limit (%lld bytes in all)",
				total - n, total, SNAP_MAX_FILE >> 20, size);
	return 0;
}

static int measure(struct vtd_snapshot *s, long long *size, char *err,
		   size_t errlen)
{
	int rc = measure_only(s, size, err, errlen);

	if (!rc && *size > SNAP_MAX_FILE) {
		rc = cut_to_fit(s, *size, err, errlen);
		if (!rc)
			rc = measure_only(s, size, err, errlen);
		if (!rc && *size > SNAP_MAX_FILE)
			rc = too_big(*size, err, errlen);
	}
	return rc;
}

static int write_file_atomic(const char *path, const struct vtd_snapshot *s,
			     char *err, size_t errlen)
{
	char *tmp = temp_name(path);
	long long size = 0;
	FILE *f;
	int fd, rc;

	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* mkstemp: mode 0600, the snapshot holds guest memory */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot create a file there: %s", path,
			 strerror(-rc));
		free(tmp);
		return rc;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
	} else {
		size = snapshot_write_stream(f, s);
		rc = size < 0 ? (int)size : 0;
		if (!rc && fsync(fileno(f)))
			rc = -errno;
		if (fclose(f) && !rc)
			rc = -errno;
	}
	if (!rc && size > SNAP_MAX_FILE) {
		unlink(tmp);
		free(tmp);
		return too_big(size, err, errlen);
	}
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	} else {
		fsync_dir_of(path);
	}
	free(tmp);
	return rc;
}

/*
 * The file is written as it is made (the pages never become a JSON tree);
 * one vtdctl would refuse to read is never written: it is measured first
 * (the pages are in memory) and cut to fit, marked "truncated", and
 * removed if it still came out larger.
 */
int snapshot_write(struct vtd_snapshot *s, const char *path, char *err,
		   size_t errlen)
{
	long long size;
	int rc = measure(s, &size, err, errlen);

	if (rc)
		return rc;
	if (!strcmp(path, "-")) {
		if (snapshot_write_stream(stdout, s) < 0) {
			snprintf(err, errlen, "cannot write the snapshot to stdout: %s",
				 strerror(errno));
			return -EIO;
		}
		return 0;
	}
	rc = check_destination(path, err, errlen);
	return rc ? rc : write_file_atomic(path, s, err, errlen);
}
