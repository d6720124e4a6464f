// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: a snapshot file as a source (--snapshot=FILE). Guest memory comes
 * from the recorded pages: a page of guest RAM that was not recorded is
 * absent (-ENODATA: "not recorded", which the walker and xlate report as
 * unknown), never zeros, and never "not in RAM". Registers come from the recorded
 * block, monitor replies by an exact match of command and arguments (any
 * other command: -ENOTSUP, so host state the snapshot lacks is "unknown").
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"
#include "source/monitor.h"

static struct vtd_snapshot *snap_of(const struct vtd_source *src)
{
	return src->priv;
}

static int snap_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	uint64_t page;
	int err = snapshot_read(snap_of(src), gpa, buf, len, &page);

	if (err)
		source_set_error(src, "guest page 0x%llx was not recorded in the snapshot (take it with 'snapshot --pages' to record page tables)",
				 (unsigned long long)page);
	return err;
}

static int snap_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
			  uint64_t *vals)
{
	const struct vtd_snapshot *s = snap_of(src);

	if (!s->have_regs)
		return -ENOTSUP;
	for (unsigned i = 0; i < n; i++) {
		unsigned q = off / 8 + i;

		if (q >= SNAP_REG_QWORDS || !s->reg_valid[q]) {
			source_set_error(src, "register 0x%x is not in the snapshot",
					 8 * q);
			return -EIO;
		}
		vals[i] = s->regs[q];
	}
	return 0;
}

static int snap_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
			 uint64_t *val)
{
	uint64_t q;
	int err = snap_read_regs(src, off & ~7u, 1, &q);

	if (err)
		return err;
	if (width == 64) {
		if (off & 7)
			return -EINVAL;
		*val = q;
	} else {
		*val = (uint32_t)(q >> (8 * (off & 4)));
	}
	return 0;
}

static int snap_monitor(struct vtd_source *src, const char *cmd,
			struct json_object *args, struct json_object **ret)
{
	const struct vtd_snapshot *s = snap_of(src);
	const struct snap_monitor *m;
	char *key;
	int err = qmp_check_allowed(cmd, args, src->error, sizeof(src->error));

	if (err)
		return err;
	key = snapshot_args_key(args);
	if (!key)
		return -ENOMEM;
	m = snapshot_find_monitor(s, cmd, key);
	free(key);
	if (!m) {
		source_set_error(src, "%s: not recorded in the snapshot", cmd);
		return -ENOTSUP;
	}
	if (m->err) {
		source_set_error(src, "%s", m->message);
		return m->err;
	}
	if (ret)
		*ret = m->ret ? json_object_get(m->ret) : NULL;
	return 0;
}

static void snap_close(struct vtd_source *src)
{
	snapshot_free(snap_of(src));
	free(src->priv);
}

static const struct vtd_source_ops snapshot_ops = {
	.kind = "snapshot",
	.read = snap_read,
	.read_reg = snap_read_reg,
	.read_regs = snap_read_regs,
	.monitor = snap_monitor,
	.close = snap_close,
};

/* A trace's state at one time (--trace=FILE --at=TIME) replays the same way */
static const struct vtd_source_ops trace_ops = {
	.kind = "trace",
	.read = snap_read,
	.read_reg = snap_read_reg,
	.read_regs = snap_read_regs,
	.monitor = snap_monitor,
	.close = snap_close,
};

const struct vtd_snapshot *snapshot_of_source(const struct vtd_source *src)
{
	return src && (src->ops == &snapshot_ops || src->ops == &trace_ops) ?
	       snap_of(src) : NULL;
}

struct vtd_source *snapshot_source_open(const char *path, char *err,
					size_t errlen)
{
	struct vtd_snapshot *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (snapshot_load(path, s, err, errlen)) {
		free(s);
		return NULL;
	}
	return snapshot_source_from(s, "snapshot", path, err, errlen);
}

struct vtd_source *snapshot_source_from(struct vtd_snapshot *s,
					const char *kind, const char *target,
					char *err, size_t errlen)
{
	struct vtd_source *src = calloc(1, sizeof(*src));
	const char *path = target;

	if (!src) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	src->ops = strcmp(kind, "trace") ? &snapshot_ops : &trace_ops;
	src->priv = s;
	snprintf(src->target, sizeof(src->target), "%s", path);
	src->access = src->ops->kind;
	/* a dump's facts, shown as the live run showed them */
	src->format = s->format[0] ? s->format : NULL;
	src->pages_left_out = s->pages_left_out;
	src->mmio_base = s->mmio_base;
	src->have_rtaddr_hint = s->rtaddr_origin[0] != 0;
	src->rtaddr_hint = s->rtaddr;
	snprintf(src->incomplete, sizeof(src->incomplete), "%s", s->truncated);
	for (size_t i = 0; i < s->nr_ram; i++) {
		if (source_add_ram(src, s->ram[i].start, s->ram[i].size)) {
			snprintf(err, errlen, "%s: out of memory", path);
			source_close(src);
			return NULL;
		}
	}
	return src;
fail:
	snapshot_free(s);
	free(s);
	return NULL;
}
