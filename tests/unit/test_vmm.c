// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intel-iommu options from `info qtree`, on text captured from the real
 * QEMU 7.2, 10.0 and 11.1 of this project (tests/fixtures/qtree-*.txt),
 * started with -device intel-iommu,x-scalable-mode=on (10.0: also x-flts=on;
 * 11.1, which renamed them: scalable-mode=on,fsts=on,pasid-bits=20). The
 * expected values are those options and the versions' documented defaults
 * (aw-bits 39 on 7.2, 48 on 10.0 and 11.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "output/output.h"
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

/* The text `vmm:` line of v (short, or verbose) */
static char *vmm_line(const struct vtd_vmm *v, int verbose)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	buf[0] = 0;
	if (f) {
		vtd_vmm_text(f, v, verbose);
		fclose(f);
	}
	return buf;
}

/*
 * sm and fs: the names this QEMU gives scalable mode and first-stage
 * translation (fs NULL: the fixture has none); both must be in the short
 * text line under those names, whatever they are.
 */
static void check_fixture(const char *path, const char *aw, const char *sm,
			  const char *fs)
{
	char want[64];
	char *text = slurp(path);
	struct vtd_vmm v = { 0 };
	const struct vtd_vmm_prop *p;

	vtd_vmm_parse_qtree(text, &v);
	v.known = true;		/* as if query-version had answered */
	CHECK(v.iommu_found);
	p = prop(&v, "aw-bits");
	CHECK(p && p->is_int && !p->is_bool);
	CHECK_STR(p ? p->value : NULL, aw);
	p = prop(&v, sm);
	CHECK(p && p->is_bool);
	CHECK_STR(p ? p->value : NULL, "true");
	snprintf(want, sizeof(want), " %s=true", sm);
	CHECK(strstr(vmm_line(&v, 0), want) != NULL);
	CHECK(strstr(vmm_line(&v, 0), " aw-bits=") != NULL);
	CHECK(strstr(vmm_line(&v, 0), " version=") == NULL);	/* -v only */
	CHECK(strstr(vmm_line(&v, 1), " version=0") != NULL);
	p = prop(&v, "intremap");		/* a quoted string: quotes dropped */
	CHECK(p && !p->is_bool && !p->is_int);
	CHECK_STR(p ? p->value : NULL, "on");
	if (fs) {
		p = prop(&v, fs);
		CHECK(p && !strcmp(p->value, "true"));
		snprintf(want, sizeof(want), " %s=true", fs);
		CHECK(strstr(vmm_line(&v, 0), want) != NULL);
	} else {
		CHECK(prop(&v, "x-flts") == NULL && prop(&v, "fsts") == NULL);
	}
	/* the next device's lines are not taken: ps2-mouse has gpio lines,
	 * hpet has "timers = 3" */
	CHECK(prop(&v, "timers") == NULL);
	free(text);
}

int main(void)
{
	struct vtd_vmm v = { 0 };

	const struct vtd_vmm_prop *p;
	char *text;

	check_fixture("tests/fixtures/qtree-qemu7.2.txt", "39", "x-scalable-mode", NULL);
	check_fixture("tests/fixtures/qtree-qemu10.0.txt", "48", "x-scalable-mode", "x-flts");
	check_fixture("tests/fixtures/qtree-qemu11.1.txt", "48", "scalable-mode", "fsts");
	/* 11.1's pasid-bits (was x-pasid-mode) is a number, and is shown */
	text = slurp("tests/fixtures/qtree-qemu11.1.txt");
	vtd_vmm_parse_qtree(text, &v);
	free(text);
	v.known = true;
	p = prop(&v, "pasid-bits");
	CHECK(p && p->is_int);
	CHECK_STR(p ? p->value : NULL, "20");
	CHECK(strstr(vmm_line(&v, 0), " pasid-bits=20") != NULL);
	memset(&v, 0, sizeof(v));
	vtd_vmm_parse_qtree("  dev: hpet, id \"\"\n    timers = 3 (0x3)\n", &v);
	CHECK(!v.iommu_found && v.nr_props == 0);
	vtd_vmm_parse_qtree("  dev: intel-iommu, id \"\"\n    =\n     = x\n    a b = 1\n", &v);
	CHECK(v.iommu_found && v.nr_props == 0);
	return unit_summary();
}
