// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: a source's RAM ranges (src/source/source.c): kept sorted and
 * merged whatever the order they come in, searched by binary search, and
 * bounded; checked against a bitmap of the same adds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "unit.h"

#define PAGES 512	/* the model: one bit per 4 KiB page of 2 MiB */

static bool model[PAGES];

static void add(struct vtd_source *s, unsigned first, unsigned n)
{
	CHECK(source_add_ram(s, (uint64_t)first << 12, (uint64_t)n << 12) == 0);
	for (unsigned i = first; i < first + n; i++)
		model[i] = true;
}

/* Sorted, disjoint, not touching, and the same pages as the model. */
static bool agrees(const struct vtd_source *s)
{
	for (size_t i = 1; i < s->nr_ram; i++)
		if (s->ram[i].start <= s->ram[i - 1].start + s->ram[i - 1].size)
			return false;
	for (unsigned p = 0; p < PAGES; p++) {
		if (source_is_ram(s, (uint64_t)p << 12, 4096) != model[p])
			return false;
		/* a read across two pages: RAM when both are (merged ranges) */
		if (p + 1 < PAGES &&
		    source_is_ram(s, ((uint64_t)p << 12) + 2048, 4096) !=
		    (model[p] && model[p + 1]))
			return false;
	}
	return true;
}

static void test_random_order(void)
{
	struct vtd_source s = { 0 };
	unsigned x = 12345;

	for (int k = 0; k < 400; k++) {
		unsigned first, n;

		x = x * 1103515245 + 12345;
		first = (x >> 8) % (PAGES - 8);
		n = 1 + (x >> 20) % 4;
		add(&s, first, n);
		if (!agrees(&s)) {
			CHECK(!"ranges disagree with the model");
			break;
		}
	}
	{
		unsigned last = PAGES;

		while (last > 0 && !model[last - 1])
			last--;
		CHECK_EQ_U64(source_ram_end(&s), (uint64_t)last << 12);
	}
	free(s.ram);
	memset(model, 0, sizeof(model));
}

static void test_edges(void)
{
	struct vtd_source s = { 0 };

	add(&s, 10, 2);
	add(&s, 20, 2);
	add(&s, 12, 8);		/* touches both: one range */
	CHECK(s.nr_ram == 1 && s.ram[0].start == 10 << 12 &&
	      s.ram[0].size == 12 << 12);
	add(&s, 5, 1);		/* before, apart */
	add(&s, 0, 40);		/* covers everything */
	CHECK(s.nr_ram == 1 && s.ram[0].start == 0 && s.ram[0].size == 40 << 12);
	CHECK(agrees(&s));
	CHECK(!source_is_ram(&s, (40 << 12) - 8, 16));
	CHECK(source_is_ram(&s, (40 << 12) - 16, 16));
	CHECK(!source_is_ram(&s, UINT64_MAX - 7, 16));	/* wraps */
	CHECK(source_add_ram(&s, 1, 0) == -EINVAL);
	CHECK(source_add_ram(&s, UINT64_MAX, 2) == -EINVAL);
	free(s.ram);
	memset(model, 0, sizeof(model));
}

static void test_limit(void)
{
	struct vtd_source s = { 0 };
	int rc = 0;

	for (uint64_t i = 0; i < SOURCE_MAX_RAM_RANGES && !rc; i++)
		rc = source_add_ram(&s, i * 8192, 4096);
	CHECK(rc == 0 && s.nr_ram == SOURCE_MAX_RAM_RANGES);
	CHECK(source_add_ram(&s, (uint64_t)SOURCE_MAX_RAM_RANGES * 8192, 4096) == -E2BIG);
	/* one that merges into a range is still taken */
	CHECK(source_add_ram(&s, 4096, 4096) == 0 &&
	      s.nr_ram == SOURCE_MAX_RAM_RANGES - 1);
	CHECK(source_is_ram(&s, 0, 12288) && !source_is_ram(&s, 12288, 1));
	free(s.ram);
}

int main(void)
{
	test_random_order();
	test_edges();
	test_limit();
	return unit_summary();
}
