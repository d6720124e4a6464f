// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intel-iommu options from `info qtree`, on text captured from the real
 * QEMU 7.2 and 10.0 of this project (tests/fixtures/qtree-*.txt), started
 * with -device intel-iommu,x-scalable-mode=on (10.0: also x-flts=on). The
 * expected values are those options and the versions' documented defaults
 * (aw-bits 39 on 7.2, 48 on 10.0).
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "vmm/vmm.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	if (f && buf)
		buf[fread(buf, 1, (1 << 20) - 1, f)] = 0;
	if (f)
		fclose(f);
	return buf;
}

static const struct vtd_vmm_prop *prop(const struct vtd_vmm *v, const char *n)
{
	for (unsigned i = 0; i < v->nr_props; i++)
		if (!strcmp(v->props[i].name, n))
			return &v->props[i];
	return NULL;
}

static void check_fixture(const char *path, const char *aw, bool flts)
{
	char *text = slurp(path);
	struct vtd_vmm v = { 0 };
	const struct vtd_vmm_prop *p;

	vtd_vmm_parse_qtree(text, &v);
	CHECK(v.iommu_found);
	p = prop(&v, "aw-bits");
	CHECK(p && p->is_int && !p->is_bool);
	CHECK_STR(p ? p->value : NULL, aw);
	p = prop(&v, "x-scalable-mode");
	CHECK(p && p->is_bool);
	CHECK_STR(p ? p->value : NULL, "true");
	p = prop(&v, "intremap");		/* a quoted string: quotes dropped */
	CHECK(p && !p->is_bool && !p->is_int);
	CHECK_STR(p ? p->value : NULL, "on");
	p = prop(&v, "x-flts");
	CHECK(flts ? p && !strcmp(p->value, "true") : p == NULL);
	/* the next device's lines are not taken: ps2-mouse has gpio lines,
	 * hpet has "timers = 3" */
	CHECK(prop(&v, "timers") == NULL);
	free(text);
}

int main(void)
{
	struct vtd_vmm v = { 0 };

	check_fixture("tests/fixtures/qtree-qemu7.2.txt", "39", false);
	check_fixture("tests/fixtures/qtree-qemu10.0.txt", "48", true);
	vtd_vmm_parse_qtree("  dev: hpet, id \"\"\n    timers = 3 (0x3)\n", &v);
	CHECK(!v.iommu_found && v.nr_props == 0);
	vtd_vmm_parse_qtree("  dev: intel-iommu, id \"\"\n    =\n     = x\n    a b = 1\n", &v);
	CHECK(v.iommu_found && v.nr_props == 0);
	return unit_summary();
}
