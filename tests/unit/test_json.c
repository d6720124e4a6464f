// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The streaming JSON printer of `dump` must print exactly the object the
 * tree builder (json_dump) builds, compact and pretty, on a model walked
 * from synthetic tables (scalable with PASIDs, and legacy).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

#include "output/output.h"
#include "source/source.h"
#include "unit.h"
#include "model/model.h"

#include "memsrc.h"

static void compare(struct vtd_source *s, struct vtd_model *m, bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_object *tree = json_dump(m), *parsed;

	struct out_opts o = { .json = true, .pretty = pretty };

	json_dump_stream(f, m, &o, NULL);
	fclose(f);
	parsed = json_tokener_parse(buf);
	CHECK(parsed != NULL);
	CHECK(json_object_equal(tree, parsed));
	CHECK(len > 0 && buf[len - 1] == '\n');
	json_object_put(tree);
	json_object_put(parsed);
	free(buf);
}

int main(void)
{
	struct vtd_source s = { .ops = &mem_ops };
	struct vtd_walk_opts o = { .filter = VTD_FILTER_ALL, .have_rtaddr = true };
	struct vtd_model m;

	have_regs = false;	/* a dump: no registers */
	source_add_ram(&s, 0, sizeof(ram));
	/* scalable: 00:01.0 with PASIDs 0, 5 and 63; 00:10.0 (upper half)
	 * with a directory beyond RAM (a finding) */
	put64(0x1000, 0x2000 | 1);
	put64(0x1008, 0x6000 | 1);
	put64(0x2000 + 32 * 8, 0x3000 | (1 << 3) | 1);
	put64(0x3000, 0x4000 | 1);
	for (int p = 0; p < 64; p += 1) {
		if (p != 0 && p != 5 && p != 63)
			continue;
		put64(0x4000 + 64 * p, 0x5000 | 1 | (1 << 2) | (2 << 6));
		put64(0x4000 + 64 * p + 8, 3 + p);
	}
	put64(0x6000, 0x200000 | 1);
	o.rtaddr = 0x1000 | (1 << 10);
	CHECK(vtd_walk(&s, &o, &m) == 0);
	CHECK(m.nr_devices == 2 && m.devices[0].nr_pasids == 3);
	compare(&s, &m, false);
	compare(&s, &m, true);
	vtd_model_free(&m);

	/* legacy: no "pasids" key at all */
	o.rtaddr = 0x1000;
	memset(ram, 0, sizeof(ram));
	put64(0x1000, 0x2000 | 1);
	put64(0x2000, 0x3000 | 1);
	put64(0x2008, 1 | (7 << 8));
	CHECK(vtd_walk(&s, &o, &m) == 0);
	CHECK(m.nr_devices == 1);
	compare(&s, &m, false);
	compare(&s, &m, true);
	vtd_model_free(&m);

	/* nothing at all: empty arrays */
	memset(ram, 0, sizeof(ram));
	put64(0x1000, 0);
	o.rtaddr = 0x1000;
	vtd_walk(&s, &o, &m);
	compare(&s, &m, true);
	vtd_model_free(&m);
	free(s.ram);
	return unit_summary();
}
