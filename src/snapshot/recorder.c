// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the recording wrapper. A source that forwards every call to an
 * inner source and remembers the answers in a struct vtd_snapshot: guest
 * memory as whole 4 KiB pages, register qwords, monitor replies (also the
 * errors QEMU answered with). Reads of pages already recorded are served
 * from the record, so one snapshot holds one consistent view, the one an
 * offline run of the same commands will see.
 */
#include <endian.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"

/* Reads beyond this are passed through unrecorded (none of the walkers'). */
#define REC_MAX_READ	(16u << 20)

struct recorder {
	struct vtd_source *inner;
	struct vtd_snapshot snap;
	unsigned long not_recorded;	/* pages read past the limits */
};

static struct recorder *rec_of(struct vtd_source *src)
{
	return src->priv;
}

static void copy_error(struct vtd_source *src, struct vtd_source *inner)
{
	memcpy(src->error, inner->error, sizeof(src->error));
}

/*
 * Past SNAP_MAX_PAGES or SNAP_MAX_QWORDS the snapshot is full: what is read
 * then is passed on unrecorded (the command goes on), and the snapshot says
 * what it left out (recorder_snapshot()).
 */
static int record_pages(struct vtd_source *src, uint64_t lo,
			const uint8_t *data, size_t len)
{
	struct recorder *r = rec_of(src);
	struct vtd_snapshot *s = &r->snap;
	uint64_t q[SNAP_PAGE_QWORDS];

	for (size_t off = 0; off < len; off += SNAP_PAGE_SIZE) {
		int err;

		if (snapshot_find_page(s, lo + off))
			continue;	/* the first view wins */
		for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
			memcpy(&q[i], data + off + 8 * i, 8);
			q[i] = le64toh(q[i]);
		}
		err = snapshot_add_page(s, lo + off, q);
		if (err == -E2BIG) {
			r->not_recorded++;
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

static int rec_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	struct recorder *r = rec_of(src);
	uint64_t lo = gpa & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
	uint64_t hi = (gpa + len + SNAP_PAGE_SIZE - 1) & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
	uint8_t *tmp;
	int err;

	if (hi > lo && !snapshot_read(&r->snap, gpa, buf, len, NULL))
		return 0;	/* every page recorded already */
	/* whole pages, when they are RAM (a source's RAM is page-aligned) */
	if (hi <= lo || hi - lo > REC_MAX_READ ||
	    !source_is_ram(r->inner, lo, hi - lo)) {
		err = source_read(r->inner, gpa, buf, len);
		copy_error(src, r->inner);
		return err;
	}
	tmp = malloc(hi - lo);
	if (!tmp)
		return -ENOMEM;
	err = source_read(r->inner, lo, tmp, hi - lo);
	if (!err)
		err = record_pages(src, lo, tmp, hi - lo);
	if (!err && snapshot_read(&r->snap, gpa, buf, len, NULL))
		memcpy(buf, tmp + (gpa - lo), len);	/* full: not recorded */
	else if (err)
		copy_error(src, r->inner);
	free(tmp);
	return err;
}

static void record_regs(struct vtd_snapshot *s, uint32_t off, unsigned n,
			const uint64_t *vals)
{
	for (unsigned i = 0; i < n && off / 8 + i < SNAP_REG_QWORDS; i++) {
		if (s->reg_valid[off / 8 + i])
			continue;	/* the first view wins */
		s->regs[off / 8 + i] = vals[i];
		s->reg_valid[off / 8 + i] = 1;
	}
	s->have_regs = true;
}

static int rec_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
			 uint64_t *vals)
{
	struct recorder *r = rec_of(src);
	int err = source_read_regs(r->inner, off, n, vals);

	copy_error(src, r->inner);
	if (!err)
		record_regs(&r->snap, off, n, vals);
	return err;
}

static int rec_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
			uint64_t *val)
{
	struct recorder *r = rec_of(src);
	int err;

	/* only whole qwords are recorded: read the aligned one */
	if (width == 64 && !(off & 7))
		return rec_read_regs(src, off, 1, val);
	err = source_read_reg(r->inner, off, width, val);
	copy_error(src, r->inner);
	return err;
}

static bool is_answer(int err)
{
	return err == 0 || snapshot_errno_name(err) != NULL;
}

static int rec_monitor(struct vtd_source *src, const char *cmd,
		       struct json_object *args, struct json_object **ret)
{
	struct recorder *r = rec_of(src);
	struct json_object *reply = NULL, *copy = NULL;
	char *key = snapshot_args_key(args);
	int err, rc;

	if (!key)
		return -ENOMEM;
	if (!r->inner->ops->monitor) {
		free(key);
		return -ENOTSUP;	/* a replay says the same without a record */
	}
	err = source_monitor(r->inner, cmd, args, &reply);
	copy_error(src, r->inner);
	if (is_answer(err) &&
	    !snapshot_find_monitor(&r->snap, cmd, key)) {
		/* a private copy: callers may keep or change theirs */
		if (reply && json_object_deep_copy(reply, &copy, NULL))
			rc = -ENOMEM;
		else
			rc = snapshot_add_monitor(&r->snap, cmd, key, copy, err,
						  err ? src->error : NULL);
		json_object_put(copy);
		if (rc) {
			json_object_put(reply);
			free(key);
			source_set_error(src, "snapshot: cannot record %s: %s", cmd,
					 strerror(-rc));
			return rc;
		}
	}
	free(key);
	if (ret)
		*ret = reply;
	else
		json_object_put(reply);
	return err;
}

static void rec_close(struct vtd_source *src)
{
	struct recorder *r = rec_of(src);

	source_close(r->inner);
	snapshot_free(&r->snap);
	free(r);
}

static const struct vtd_source_ops recorder_ops = {
	.kind = "recorder",
	.read = rec_read,
	.read_reg = rec_read_reg,
	.read_regs = rec_read_regs,
	.monitor = rec_monitor,
	.close = rec_close,
};

struct vtd_source *recorder_wrap(struct vtd_source *inner)
{
	struct vtd_source *src = calloc(1, sizeof(*src));
	struct recorder *r = calloc(1, sizeof(*r));

	if (!src || !r)
		goto fail;
	r->inner = inner;
	src->ops = &recorder_ops;
	src->priv = r;
	memcpy(src->target, inner->target, sizeof(src->target));
	src->access = inner->access;
	src->mmio_base = inner->mmio_base;
	for (size_t i = 0; i < inner->nr_ram; i++)
		if (source_add_ram(src, inner->ram[i].start, inner->ram[i].size))
			goto fail;
	return src;
fail:
	if (src)
		free(src->ram);
	free(src);
	free(r);
	return NULL;
}

struct vtd_source *recorder_inner(struct vtd_source *rec)
{
	return rec_of(rec)->inner;
}

struct vtd_snapshot *recorder_take(struct vtd_source *rec)
{
	struct vtd_snapshot *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	*s = *recorder_snapshot(rec);
	memset(&rec_of(rec)->snap, 0, sizeof(*s));
	return s;
}

static void copy_str(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

struct vtd_snapshot *recorder_snapshot(struct vtd_source *rec)
{
	struct recorder *r = rec_of(rec);
	struct vtd_snapshot *s = &r->snap;
	struct vtd_source *in = r->inner;

	copy_str(s->kind, sizeof(s->kind), in->ops->kind);
	copy_str(s->target, sizeof(s->target), in->target);
	copy_str(s->access, sizeof(s->access), in->access);
	copy_str(s->format, sizeof(s->format), in->format);
	s->pages_left_out = in->pages_left_out;
	s->mmio_base = in->mmio_base;
	if (r->not_recorded && !strstr(s->truncated, "not recorded")) {
		snapshot_mark_truncated(s, "%lu page reads not recorded past %u pages or %u MiB of table words",
					r->not_recorded, SNAP_MAX_PAGES,
					SNAP_MAX_QWORDS >> 17);
	}
	free(s->ram);
	s->nr_ram = 0;
	s->ram = malloc((in->nr_ram ? in->nr_ram : 1) * sizeof(*s->ram));
	if (s->ram && in->nr_ram) {
		memcpy(s->ram, in->ram, in->nr_ram * sizeof(*s->ram));
		s->nr_ram = in->nr_ram;
	}
	return s;
}
