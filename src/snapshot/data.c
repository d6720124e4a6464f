// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the in-memory snapshot: pages, registers, monitor replies. */
#include <endian.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
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
	for (size_t i = 0; i < s->nr_pages; i++)
		free(s->pages[i].q);
	free(s->pages);
	free(s->page_index);
	free(s->ram);
	memset(s, 0, sizeof(*s));
}

void snapshot_mark_truncated(struct vtd_snapshot *s, const char *fmt, ...)
{
	size_t n = strlen(s->truncated);
	va_list ap;

	if (n && n + 2 < sizeof(s->truncated))
		n += snprintf(s->truncated + n, sizeof(s->truncated) - n, "; ");
	if (n + 1 >= sizeof(s->truncated))
		return;
	va_start(ap, fmt);
	vsnprintf(s->truncated + n, sizeof(s->truncated) - n, fmt, ap);
	va_end(ap);
}

static size_t page_hash(uint64_t gpa, size_t cap)
{
	uint64_t h = (gpa >> 12) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (cap - 1);
}

/* The index slot of gpa: its page's, or the empty one it would take. */
static size_t *index_slot(const struct vtd_snapshot *s, uint64_t gpa)
{
	for (size_t i = page_hash(gpa, s->index_cap);; i = (i + 1) & (s->index_cap - 1)) {
		size_t *slot = &s->page_index[i];

		if (!*slot || s->pages[*slot - 1].gpa == gpa)
			return slot;
	}
}

static int grow_index(struct vtd_snapshot *s)
{
	size_t cap = s->index_cap ? 2 * s->index_cap : 256;
	size_t *old = s->page_index;

	s->page_index = calloc(cap, sizeof(*s->page_index));
	if (!s->page_index) {
		s->page_index = old;
		return -ENOMEM;
	}
	s->index_cap = cap;
	for (size_t i = 0; i < s->nr_pages; i++)
		*index_slot(s, s->pages[i].gpa) = i + 1;
	free(old);
	return 0;
}

void snapshot_keep_pages(struct vtd_snapshot *s, size_t n)
{
	if (n >= s->nr_pages)
		return;
	for (size_t i = n; i < s->nr_pages; i++) {
		for (unsigned w = 0; w < SNAP_PAGE_QWORDS / 64; w++)
			s->nr_qwords -= (size_t)__builtin_popcountll(s->pages[i].nz[w]);
		free(s->pages[i].q);
	}
	s->nr_pages = n;
	if (s->page_index)
		memset(s->page_index, 0, s->index_cap * sizeof(*s->page_index));
	for (size_t i = 0; i < n; i++)
		*index_slot(s, s->pages[i].gpa) = i + 1;
}

const struct snap_page *snapshot_find_page(const struct vtd_snapshot *s,
					   uint64_t gpa)
{
	size_t *slot;

	if (!s->index_cap)
		return NULL;
	slot = index_slot(s, gpa);
	return *slot ? &s->pages[*slot - 1] : NULL;
}

static unsigned popcount_below(const struct snap_page *p, unsigned i)
{
	unsigned n = 0;

	for (unsigned w = 0; w < i / 64; w++)
		n += __builtin_popcountll(p->nz[w]);
	if (i % 64)
		n += __builtin_popcountll(p->nz[i / 64] & ((1ULL << (i % 64)) - 1));
	return n;
}

uint64_t snapshot_page_qword(const struct snap_page *p, unsigned i)
{
	if (i >= SNAP_PAGE_QWORDS || !(p->nz[i / 64] >> (i % 64) & 1))
		return 0;
	return p->q[popcount_below(p, i)];
}

/* The page's 4 KiB as guest memory holds them (little-endian words) */
static void page_bytes(const struct snap_page *p, uint8_t *out)
{
	unsigned k = 0;

	memset(out, 0, SNAP_PAGE_SIZE);
	for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
		uint64_t v;

		if (!(p->nz[i / 64] >> (i % 64) & 1))
			continue;
		v = htole64(p->q[k++]);
		memcpy(out + 8 * i, &v, 8);
	}
}

int snapshot_read(const struct vtd_snapshot *s, uint64_t gpa, void *buf,
		  size_t len, uint64_t *missing)
{
	uint8_t *out = buf, page[SNAP_PAGE_SIZE];

	while (len) {
		uint64_t base = gpa & ~(uint64_t)(SNAP_PAGE_SIZE - 1);
		size_t off = gpa - base, n = SNAP_PAGE_SIZE - off;
		const struct snap_page *p = snapshot_find_page(s, base);

		if (!p) {
			if (missing)
				*missing = base;
			return -ENODATA;
		}
		if (n > len)
			n = len;
		page_bytes(p, page);
		memcpy(out, page + off, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int snapshot_add_page(struct vtd_snapshot *s, uint64_t gpa, const uint64_t *q)
{
	struct snap_page *p;
	unsigned n = 0;

	if (snapshot_find_page(s, gpa))
		return -EEXIST;
	if (s->nr_pages >= SNAP_MAX_PAGES)
		return -E2BIG;
	for (unsigned i = 0; q && i < SNAP_PAGE_QWORDS; i++)
		n += q[i] != 0;
	if (s->nr_qwords + n > SNAP_MAX_QWORDS)
		return -E2BIG;
	if (2 * (s->nr_pages + 1) > s->index_cap && grow_index(s))
		return -ENOMEM;
	if (array_grow(&s->pages, &s->cap_pages, s->nr_pages + 1, sizeof(*p)))
		return -ENOMEM;
	p = &s->pages[s->nr_pages];
	memset(p, 0, sizeof(*p));
	p->gpa = gpa;
	if (n) {
		p->q = malloc(n * sizeof(*p->q));
		if (!p->q)
			return -ENOMEM;
		n = 0;
		for (unsigned i = 0; i < SNAP_PAGE_QWORDS; i++) {
			if (!q[i])
				continue;
			p->nz[i / 64] |= 1ULL << (i % 64);
			p->q[n++] = q[i];
		}
	}
	s->nr_qwords += n;
	*index_slot(s, gpa) = ++s->nr_pages;
	return 0;
}

int snapshot_page_set(struct vtd_snapshot *s, struct snap_page *p, unsigned i,
		      uint64_t v)
{
	unsigned k = popcount_below(p, i), n = popcount_below(p, SNAP_PAGE_QWORDS);
	uint64_t *q;

	if (p->nz[i / 64] >> (i % 64) & 1) {
		if (v) {
			p->q[k] = v;
			return 0;
		}
		memmove(&p->q[k], &p->q[k + 1], (n - k - 1) * sizeof(*q));
		p->nz[i / 64] &= ~(1ULL << (i % 64));
		s->nr_qwords--;
		return 0;
	}
	if (!v)
		return 0;
	if (s->nr_qwords >= SNAP_MAX_QWORDS)
		return -E2BIG;
	q = realloc(p->q, (n + 1) * sizeof(*q));
	if (!q)
		return -ENOMEM;
	memmove(&q[k + 1], &q[k], (n - k) * sizeof(*q));
	q[k] = v;
	p->q = q;
	p->nz[i / 64] |= 1ULL << (i % 64);
	s->nr_qwords++;
	return 0;
}

bool snapshot_same_page(const struct snap_page *a, const struct snap_page *b)
{
	unsigned n = popcount_below(a, SNAP_PAGE_QWORDS);

	return !memcmp(a->nz, b->nz, sizeof(a->nz)) &&
	       (!n || !memcmp(a->q, b->q, n * sizeof(*a->q)));
}

int snapshot_put_page(struct vtd_snapshot *s, uint64_t gpa, const uint64_t *q)
{
	struct snap_page *p = (struct snap_page *)snapshot_find_page(s, gpa);
	unsigned old, n = 0;
	uint64_t *nq = NULL;

	if (!p)
		return snapshot_add_page(s, gpa, q);
	old = popcount_below(p, SNAP_PAGE_QWORDS);
	for (unsigned i = 0; q && i < SNAP_PAGE_QWORDS; i++)
		n += q[i] != 0;
	if (s->nr_qwords - old + n > SNAP_MAX_QWORDS)
		return -E2BIG;
	if (n && !(nq = malloc(n * sizeof(*nq))))
		return -ENOMEM;
	free(p->q);
	p->q = nq;
	memset(p->nz, 0, sizeof(p->nz));
	n = 0;
	for (unsigned i = 0; q && i < SNAP_PAGE_QWORDS; i++) {
		if (!q[i])
			continue;
		p->nz[i / 64] |= 1ULL << (i % 64);
		nq[n++] = q[i];
	}
	s->nr_qwords = s->nr_qwords - old + n;
	return 0;
}

/* The last page takes the removed one's place; the index is rebuilt
 * (removals are rare: a table the walk no longer reaches). */
int snapshot_remove_page(struct vtd_snapshot *s, uint64_t gpa)
{
	const struct snap_page *p = snapshot_find_page(s, gpa);
	size_t i;

	if (!p)
		return -ENOENT;
	i = (size_t)(p - s->pages);
	s->nr_qwords -= popcount_below(p, SNAP_PAGE_QWORDS);
	free(s->pages[i].q);
	s->pages[i] = s->pages[--s->nr_pages];
	memset(s->page_index, 0, s->index_cap * sizeof(*s->page_index));
	for (size_t k = 0; k < s->nr_pages; k++)
		*index_slot(s, s->pages[k].gpa) = k + 1;
	return 0;
}

static int by_gpa(const void *a, const void *b)
{
	const struct snap_page *x = *(const struct snap_page *const *)a;
	const struct snap_page *y = *(const struct snap_page *const *)b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

const struct snap_page **snapshot_sorted_pages(const struct vtd_snapshot *s)
{
	const struct snap_page **v = malloc((s->nr_pages + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->nr_pages; i++)
		v[i] = &s->pages[i];
	qsort(v, s->nr_pages, sizeof(*v), by_gpa);
	return v;
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

int snapshot_put_monitor(struct vtd_snapshot *s, const char *cmd,
			 const char *args, struct json_object *ret, int err,
			 const char *message)
{
	struct snap_monitor *m = (struct snap_monitor *)
		snapshot_find_monitor(s, cmd, args);
	char *msg;

	if (!m)
		return snapshot_add_monitor(s, cmd, args, ret, err, message);
	msg = strdup(message ? message : "");
	if (!msg)
		return -ENOMEM;
	free(m->message);
	m->message = msg;
	json_object_put(m->ret);
	m->ret = ret ? json_object_get(ret) : NULL;
	m->err = err;
	return 0;
}

bool snapshot_same_monitor(const struct snap_monitor *a,
			   const struct snap_monitor *b)
{
	return a->err == b->err && !strcmp(a->message, b->message) &&
	       json_object_equal(a->ret, b->ret);
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
