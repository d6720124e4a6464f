// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the in-memory snapshot: pages, registers, monitor replies. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot.h"

void snapshot_free(struct vtd_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_mon; i++) {
		free(s->mon[i].cmd);
		free(s->mon[i].args);
		free(s->mon[i].message);
		json_object_put(s->mon[i].ret);
	}
	free(s->mon);
	free(s->pages);
	free(s->ram);
	memset(s, 0, sizeof(*s));
}

struct page_key {
	const struct vtd_snapshot *s;
	uint64_t gpa;
};

static bool page_below(size_t i, const void *ctx)
{
	const struct page_key *k = ctx;

	return k->s->pages[i].gpa < k->gpa;
}

/* Index of the first page with gpa >= the given one. */
static size_t page_lower_bound(const struct vtd_snapshot *s, uint64_t gpa)
{
	struct page_key k = { s, gpa };

	return lower_bound(s->nr_pages, page_below, &k);
}

const struct snap_page *snapshot_find_page(const struct vtd_snapshot *s,
					   uint64_t gpa)
{
	size_t i = page_lower_bound(s, gpa);

	return i < s->nr_pages && s->pages[i].gpa == gpa ? &s->pages[i] : NULL;
}

int snapshot_read(const struct vtd_snapshot *s, uint64_t gpa, void *buf,
		  size_t len, uint64_t *missing)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t page = gpa & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
		size_t off = gpa - page, n = SNAP_PAGE_SIZE - off;
		const struct snap_page *p = snapshot_find_page(s, page);

		if (!p) {
			if (missing)
				*missing = page;
			return -ENODATA;
		}
		if (n > len)
			n = len;
		memcpy(out, (const uint8_t *)p->q + off, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

struct snap_page *snapshot_add_page(struct vtd_snapshot *s, uint64_t gpa)
{
	size_t i = page_lower_bound(s, gpa);

	if (i < s->nr_pages && s->pages[i].gpa == gpa)
		return &s->pages[i];
	if (s->nr_pages >= SNAP_MAX_PAGES)
		return NULL;
	if (s->nr_pages == s->cap_pages) {
		size_t cap = s->cap_pages ? 2 * s->cap_pages : 64;
		struct snap_page *p = realloc(s->pages, cap * sizeof(*p));

		if (!p)
			return NULL;
		s->pages = p;
		s->cap_pages = cap;
	}
	memmove(&s->pages[i + 1], &s->pages[i],
		(s->nr_pages - i) * sizeof(s->pages[0]));
	s->nr_pages++;
	memset(&s->pages[i], 0, sizeof(s->pages[i]));
	s->pages[i].gpa = gpa;
	return &s->pages[i];
}

char *snapshot_args_key(struct json_object *args)
{
	if (!args)
		return strdup("null");
	return strdup(json_object_to_json_string_ext(args,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

const struct snap_monitor *snapshot_find_monitor(const struct vtd_snapshot *s,
						 const char *cmd,
						 const char *args)
{
	for (size_t i = 0; i < s->nr_mon; i++)
		if (!strcmp(s->mon[i].cmd, cmd) && !strcmp(s->mon[i].args, args))
			return &s->mon[i];
	return NULL;
}

int snapshot_add_monitor(struct vtd_snapshot *s, const char *cmd,
			 const char *args, struct json_object *ret, int err,
			 const char *message)
{
	struct snap_monitor *m;

	if (s->nr_mon >= SNAP_MAX_MONITOR)
		return -E2BIG;
	if (s->nr_mon == s->cap_mon) {
		size_t cap = s->cap_mon ? 2 * s->cap_mon : 16;

		m = realloc(s->mon, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		s->mon = m;
		s->cap_mon = cap;
	}
	m = &s->mon[s->nr_mon];
	memset(m, 0, sizeof(*m));
	m->cmd = strdup(cmd);
	m->args = strdup(args);
	m->message = strdup(message ? message : "");
	if (!m->cmd || !m->args || !m->message) {
		free(m->cmd);
		free(m->args);
		free(m->message);
		return -ENOMEM;
	}
	m->ret = ret ? json_object_get(ret) : NULL;
	m->err = err;
	s->nr_mon++;
	return 0;
}

/* The errors a monitor command answers with (src/qmp/qmp.h, source.h);
 * transport failures are never recorded. */
static const struct {
	int err;
	const char *name;
} monitor_errors[] = {
	{ -EPERM, "EPERM" }, { -ENOSYS, "ENOSYS" }, { -ENODEV, "ENODEV" },
	{ -EIO, "EIO" }, { -EFAULT, "EFAULT" }, { -ENOTSUP, "ENOTSUP" },
	{ -ENOENT, "ENOENT" }, { -EINVAL, "EINVAL" },
};

const char *snapshot_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(monitor_errors) / sizeof(monitor_errors[0]); i++)
		if (monitor_errors[i].err == err)
			return monitor_errors[i].name;
	return NULL;
}

int snapshot_errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(monitor_errors) / sizeof(monitor_errors[0]); i++)
		if (!strcmp(monitor_errors[i].name, name))
			return monitor_errors[i].err;
	return 0;
}
