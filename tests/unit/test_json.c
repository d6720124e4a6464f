// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON of `dump` (one streaming writer): compact and pretty print the
 * same object, and it holds what the model holds (devices by bus and devfn,
 * PASIDs by number, no "pasids" key in legacy mode, every finding), on
 * models walked from synthetic tables (scalable with PASIDs, and legacy).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

#include "output/output.h"
#include "source/source.h"
#include "unit.h"
#include "model/model.h"

#include "memsrc.h"

/* The dump's JSON, parsed (NULL if it does not parse). */
static struct json_object *dump_json(const struct vtd_model *m, bool pretty)
{
	struct out_opts o = { .json = true, .pretty = pretty };
	struct json_object *parsed;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_dump_stream(f, m, &o, NULL, NULL);
	fclose(f);
	CHECK(len > 0 && buf[len - 1] == '\n');
	parsed = json_tokener_parse(buf);
	free(buf);
	return parsed;
}

static int64_t member_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	CHECK(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

static void check_device(struct json_object *d, const struct vtd_device *md)
{
	struct json_object *pasids = NULL;
	bool has = json_object_object_get_ex(d, "pasids", &pasids);

	CHECK(member_int(d, "bus") == md->bus);
	CHECK(member_int(d, "devfn") == md->devfn);
	CHECK(has == md->scalable);
	if (!has)
		return;
	CHECK(json_object_array_length(pasids) == md->nr_pasids);
	for (size_t k = 0; k < md->nr_pasids && k < json_object_array_length(pasids); k++)
		CHECK(member_int(json_object_array_get_idx(pasids, k), "pasid") ==
		      md->pasids[k].pasid);
}

static void compare(const struct vtd_model *m)
{
	struct json_object *compact = dump_json(m, false), *pretty = dump_json(m, true);
	struct json_object *devs = NULL, *findings = NULL;

	CHECK(compact != NULL && pretty != NULL);
	if (!compact || !pretty)
		goto out;
	CHECK(json_object_equal(compact, pretty));
	CHECK(json_object_object_get_ex(compact, "devices", &devs));
	CHECK(json_object_array_length(devs) == m->nr_devices);
	for (size_t i = 0; i < m->nr_devices && i < json_object_array_length(devs); i++)
		check_device(json_object_array_get_idx(devs, i), &m->devices[i]);
	CHECK(json_object_object_get_ex(compact, "findings", &findings));
	CHECK(json_object_array_length(findings) == m->nr_findings);
out:
	json_object_put(compact);
	json_object_put(pretty);
}

/*
 * --all-findings: the same walk with its findings streamed into an object
 * opened first, then the rest of the dump: the same object as the held one
 * (findings in walk order, each device's finding_count); and an error after
 * the first finding closes the object with "error".
 */
static void compare_streamed(struct vtd_source *s, struct vtd_walk_opts o,
			     const struct vtd_model *held, bool pretty)
{
	struct out_opts oo = { .json = true, .pretty = pretty };
	struct json_object *a = dump_json(held, pretty), *b, *err = NULL;
	struct out_stream st;
	struct vtd_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out_stream_init(&st, f, &oo, false);
	o.findings.sink = &st.sink;
	CHECK(vtd_walk(s, &o, &m) == 0);
	CHECK(m.nr_findings == 0 && st.printed == held->nr_findings);
	out_stream_end_findings(&st);
	json_dump_stream(f, &m, &oo, NULL, &st);
	fclose(f);
	b = json_tokener_parse(buf);
	CHECK(b && json_object_equal(a, b));
	json_object_put(b);
	free(buf);
	vtd_model_free(&m);

	f = open_memstream(&buf, &len);
	out_stream_init(&st, f, &oo, false);
	o.findings.sink = &st.sink;
	CHECK(vtd_walk(s, &o, &m) == 0);
	CHECK(out_stream_error(&st, "gone \"away\""));
	fclose(f);
	b = json_tokener_parse(buf);
	CHECK(b && json_object_object_get_ex(b, "error", &err));
	CHECK_STR(json_object_get_string(err), "gone \"away\"");
	CHECK(json_object_object_length(b) == 2);
	json_object_put(b);
	json_object_put(a);
	free(buf);
	vtd_model_free(&m);
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
	compare(&m);
	CHECK(m.nr_findings > 0);
	compare_streamed(&s, o, &m, false);
	compare_streamed(&s, o, &m, true);
	vtd_model_free(&m);

	/* legacy: no "pasids" key at all */
	o.rtaddr = 0x1000;
	memset(ram, 0, sizeof(ram));
	put64(0x1000, 0x2000 | 1);
	put64(0x2000, 0x3000 | 1);
	put64(0x2008, 1 | (7 << 8));
	CHECK(vtd_walk(&s, &o, &m) == 0);
	CHECK(m.nr_devices == 1);
	compare(&m);
	vtd_model_free(&m);

	/* nothing at all: empty arrays */
	memset(ram, 0, sizeof(ram));
	put64(0x1000, 0);
	o.rtaddr = 0x1000;
	vtd_walk(&s, &o, &m);
	compare(&m);
	vtd_model_free(&m);
	free(s.ram);
	return unit_summary();
}
