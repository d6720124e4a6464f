// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the root-table scan (src/walker/scan.c) on synthetic guest
 * memory held by a tiny in-memory source: legacy and scalable root tables,
 * the cases where both readings validate, and decoys.
 *
 * With VTDCTL_TEST_CORE=/path/to/guest.core it also scans a real core and
 * prints the speed; VTDCTL_TEST_CORE_RTADDR=0x... says what it must find
 * (otherwise any result is accepted).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source/source.h"
#include "unit.h"
#include "elfcore/core.h"
#include "model/model.h"

/* Guest RAM: 16 MiB at 0 and 2 MiB at 4 GiB. */
#define LOW_SIZE	(16u << 20)
#define HIGH_BASE	0x100000000ULL
#define HIGH_SIZE	(2u << 20)

struct mem {
	unsigned char *low, *high;
};

static unsigned char *host(struct vtd_source *s, uint64_t gpa, size_t len)
{
	struct mem *m = s->priv;

	if (gpa + len <= LOW_SIZE)
		return m->low + gpa;
	if (gpa >= HIGH_BASE && gpa + len <= HIGH_BASE + HIGH_SIZE)
		return m->high + (gpa - HIGH_BASE);
	return NULL;
}

static int mem_read(struct vtd_source *s, uint64_t gpa, void *buf, size_t len)
{
	unsigned char *p = host(s, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static void mem_close(struct vtd_source *s)
{
	struct mem *m = s->priv;

	free(m->low);
	free(m->high);
	free(m);
}

static const struct vtd_source_ops mem_ops = {
	.kind = "test", .read = mem_read, .close = mem_close,
};

static struct vtd_source *mem_new(void)
{
	struct vtd_source *s = calloc(1, sizeof(*s));
	struct mem *m = calloc(1, sizeof(*m));

	m->low = calloc(1, LOW_SIZE);
	m->high = calloc(1, HIGH_SIZE);
	s->ops = &mem_ops;
	s->priv = m;
	s->access = "test";
	source_add_ram(s, 0, LOW_SIZE);
	source_add_ram(s, HIGH_BASE, HIGH_SIZE);
	return s;
}

static void put64(struct vtd_source *s, uint64_t gpa, uint64_t v)
{
	memcpy(host(s, gpa, 8), &v, 8);
}

/* Legacy root entry for bus -> context table ctp. */
static void leg_root(struct vtd_source *s, uint64_t rt, unsigned bus,
		     uint64_t ctp)
{
	put64(s, rt + 16 * bus, ctp | 1);
}

/* Legacy context entry: TT 0, AW 2 (4-level), DID did. */
static void leg_ctx(struct vtd_source *s, uint64_t ct, unsigned devfn,
		    uint64_t slpt, unsigned did)
{
	put64(s, ct + 16 * devfn, slpt | 1);
	put64(s, ct + 16 * devfn + 8, 2 | (uint64_t)did << 8);
}

/* Scalable root entry: lower and upper context tables (0 = none). */
static void sm_root(struct vtd_source *s, uint64_t rt, unsigned bus,
		    uint64_t lctp, uint64_t uctp)
{
	put64(s, rt + 16 * bus, lctp ? lctp | 1 : 0);
	put64(s, rt + 16 * bus + 8, uctp ? uctp | 1 : 0);
}

/* Scalable context entry for devfn (in the table that covers it). */
static void sm_ctx(struct vtd_source *s, uint64_t ct, unsigned devfn,
		   uint64_t dir, unsigned pdts, uint32_t rid_pasid)
{
	uint64_t e = ct + 32 * (devfn & 0x7f);

	/* P, FPD clear, DTE, PASIDE */
	put64(s, e, dir | (uint64_t)pdts << 9 | 0x8 | 0x4 | 1);
	put64(s, e + 8, rid_pasid);
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Decoys that must never become candidates. */
static void add_decoys(struct vtd_source *s)
{
	/* random pages */
	for (uint64_t p = 0x800000; p < 0x800000 + 64 * 4096; p += 8)
		put64(s, p, rnd());
	/* pages of small pointers with flag bits (page-table like) */
	for (unsigned i = 0; i < 512; i++)
		put64(s, 0x900000 + 8 * i, (0x200000 + 4096ull * i) | 3);
	/* a lone "1": a pointer to page 0, which holds no context entries */
	put64(s, 0x901000, 1);
	/* a root table with one bogus entry (reserved bit 5 set) */
	leg_root(s, 0x902000, 0, 0x903000);
	leg_root(s, 0x902000, 3, 0x903000);
	put64(s, 0x902000 + 16 * 7, 0x903000 | 0x21);
	leg_ctx(s, 0x903000, 0x08, 0x400000, 4);
	/* a root table whose context table has a reserved bit set */
	leg_root(s, 0x904000, 0, 0x905000);
	leg_ctx(s, 0x905000, 0x08, 0x400000, 4);
	put64(s, 0x905000 + 16 * 9, 0x400000 | 1 | 0x100);
	/* a root table pointing outside RAM */
	leg_root(s, 0x906000, 0, 0x903000);
	leg_root(s, 0x906000, 1, 0x40000000);
	/* a root table pointing at itself */
	leg_root(s, 0x907000, 0, 0x907000);
	/* a present root entry whose context table is empty */
	leg_root(s, 0x908000, 0, 0x909000);
	/* a pointer with its present bit clear */
	leg_root(s, 0x90a000, 0, 0x903000);
	put64(s, 0x90a000 + 16 * 2, 0x903000);
}

static struct vtd_rtaddr_scan res;

static int scan(struct vtd_source *s, uint64_t *rt)
{
	*rt = ~0ULL;
	memset(&res, 0xaa, sizeof(res));
	return vtd_scan_rtaddr(s, rt, &res);
}

static void test_nothing(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	CHECK(scan(s, &rt) == -ENOENT);
	CHECK(res.candidates == 0 && res.score == 0 && res.runner_up == 0);
	CHECK(strcmp(res.confidence, "none") == 0);
	add_decoys(s);
	CHECK(scan(s, &rt) == -ENOENT);
	CHECK(res.candidates == 0);
	source_close(s);
}

static void test_legacy(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	add_decoys(s);
	leg_root(s, 0x100000, 0, 0x101000);
	leg_root(s, 0x100000, 1, 0x102000);
	leg_ctx(s, 0x101000, 0x08, 0x200000, 2);
	leg_ctx(s, 0x101000, 0x10, 0x201000, 3);
	leg_ctx(s, 0x101000, 0x11, 0x201000, 3);	/* odd devfn */
	leg_ctx(s, 0x102000, 0x00, 0x202000, 4);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == 0x100000);			/* TTM 00 */
	CHECK(res.candidates == 1 && res.score == 4 && res.runner_up == 0);
	CHECK(strcmp(res.confidence, "high") == 0);
	source_close(s);
}

/* Only even devfns and small DIDs: also valid read as scalable. */
static void test_legacy_ambiguous(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	leg_root(s, 0x100000, 0, 0x101000);
	leg_ctx(s, 0x101000, 0x08, 0x200000, 2);
	leg_ctx(s, 0x101000, 0x10, 0x201000, 3);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == 0x100000);			/* legacy wins */
	CHECK(res.candidates == 1 && res.score == 2);
	source_close(s);
}

static void test_scalable(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	add_decoys(s);
	/* bus 0: lower and upper tables; bus 2: upper only */
	sm_root(s, 0x300000, 0, 0x301000, 0x302000);
	sm_root(s, 0x300000, 2, 0, 0x303000);
	sm_ctx(s, 0x301000, 0x00, 0x310000, 2, 0);
	sm_ctx(s, 0x301000, 0x18, 0x318000, 2, 0);
	sm_ctx(s, 0x302000, 0x81, 0x320000, 2, 0);
	sm_ctx(s, 0x303000, 0xff, 0x328000, 0, 0);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == (0x300000 | 1 << 10));	/* TTM 01 */
	CHECK(res.candidates == 1 && res.score == 4);
	CHECK(strcmp(res.confidence, "high") == 0);
	source_close(s);
}

/* All upper halves zero: Linux PDTS 2 makes it scalable only. */
static void test_scalable_lower_only(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	sm_root(s, 0x300000, 0, 0x301000, 0);
	sm_ctx(s, 0x301000, 0x00, 0x310000, 2, 0);
	sm_ctx(s, 0x301000, 0x10, 0x318000, 2, 0);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == (0x300000 | 1 << 10));
	CHECK(res.score == 2);
	source_close(s);
}

/* PDTS 0 and no PASIDE/DTE: both readings validate; legacy would need
 * AW 0 and DID 0, so scalable wins. */
static void test_scalable_ambiguous(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	sm_root(s, 0x300000, 0, 0x301000, 0);
	put64(s, 0x301000 + 32 * 3, 0x310000 | 1);
	put64(s, 0x301000 + 32 * 4, 0x311000 | 1);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == (0x300000 | 1 << 10));
	CHECK(res.score == 2);
	source_close(s);
}

/* Two tables: a small stale one and the real one, then an exact copy. */
static void test_several(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;

	add_decoys(s);
	/* stale table in low memory with one device */
	leg_root(s, 0x100000, 0, 0x101000);
	leg_ctx(s, 0x101000, 0x08, 0x200000, 2);
	/* the real one above 4 GiB, three devices */
	leg_root(s, HIGH_BASE + 0x1000, 0, HIGH_BASE + 0x2000);
	leg_ctx(s, HIGH_BASE + 0x2000, 0x08, HIGH_BASE + 0x10000, 2);
	leg_ctx(s, HIGH_BASE + 0x2000, 0x09, HIGH_BASE + 0x10000, 2);
	leg_ctx(s, HIGH_BASE + 0x2000, 0x0a, HIGH_BASE + 0x10000, 2);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == HIGH_BASE + 0x1000);
	CHECK(res.candidates == 2 && res.score == 3 && res.runner_up == 1);
	CHECK(strcmp(res.confidence, "medium") == 0);

	/* a copy of the real root table (same context tables) */
	memcpy(host(s, 0x500000, 4096), host(s, HIGH_BASE + 0x1000, 4096),
	       4096);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == 0x500000);			/* equal: the first */
	CHECK(res.candidates == 3 && res.score == 3 && res.runner_up == 3);
	CHECK(strcmp(res.confidence, "low") == 0);

	/* the same context table named by many buses counts once */
	for (unsigned bus = 1; bus < 256; bus++)
		leg_root(s, 0x100000, bus, 0x101000);
	CHECK(scan(s, &rt) == 0);
	CHECK(res.candidates == 3 && res.score == 3 && res.runner_up == 3);
	source_close(s);
}

/* The last page of a RAM range, and a scalable table hiding a legacy
 * context table (odd devfn lands in the reserved upper 128 bits). */
static void test_edges(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt, last = HIGH_BASE + HIGH_SIZE - 4096;

	leg_root(s, last, 255, 0x101000);
	leg_ctx(s, 0x101000, 0xff, 0x200000, 9);
	CHECK(scan(s, &rt) == 0);
	CHECK(rt == last);
	CHECK(res.candidates == 1 && res.score == 1);
	source_close(s);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_speed_synthetic(void)
{
	struct vtd_source *s = mem_new();
	uint64_t rt;
	double t;

	/* fill low memory with random data: the worst case for the filter */
	for (uint64_t p = 0x1000000 / 2; p < LOW_SIZE; p += 8)
		put64(s, p, rnd());
	t = now();
	for (int i = 0; i < 8; i++)
		CHECK(scan(s, &rt) == -ENOENT);
	t = now() - t;
	printf("synthetic scan: %.0f MB/s\n",
	       8.0 * (LOW_SIZE + HIGH_SIZE) / t / 1e6);
	source_close(s);
}

static void test_real(void)
{
	const char *path = getenv("VTDCTL_TEST_CORE");
	const char *want = getenv("VTDCTL_TEST_CORE_RTADDR");
	char err[512];
	struct vtd_source *s;
	uint64_t rt = 0, bytes = 0;
	double t;
	int ret;

	if (!path || !*path)
		return;
	s = core_source_open(path, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "  %s: %s\n", path, err);
		return;
	}
	for (size_t i = 0; i < s->nr_ram; i++)
		bytes += s->ram[i].size;
	t = now();
	ret = scan(s, &rt);
	t = now() - t;
	printf("%s: scanned %" PRIu64 " MiB in %.3f s (%.0f MB/s): ret %d rtaddr 0x%" PRIx64
	       " candidates %u score %u runner_up %u confidence %s\n",
	       path, bytes >> 20, t, bytes / t / 1e6, ret, rt, res.candidates,
	       res.score, res.runner_up, res.confidence);
	if (want && *want) {
		CHECK(ret == 0);
		CHECK(rt == strtoull(want, NULL, 0));
	}
	source_close(s);
}

int main(void)
{
	test_nothing();
	test_legacy();
	test_legacy_ambiguous();
	test_scalable();
	test_scalable_lower_only();
	test_scalable_ambiguous();
	test_several();
	test_edges();
	test_speed_synthetic();
	test_real();
	return unit_summary();
}
