// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: snapshot unit tests. A memory-backed fake inner source (named so:
 * fake_*) is recorded, written, read back and replayed; the parser is fed
 * hand-made bad files. Expected values come from what the fake holds.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snapshot/snapshot.h"
#include "unit.h"

#define FAKE_RAM	(64u << 10)	/* guest RAM 0..64 KiB */

struct fake {
	uint8_t ram[FAKE_RAM];
	unsigned monitor_calls, reads;
};

static int fake_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = src->priv;

	f->reads++;
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

static int fake_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
			  uint64_t *vals)
{
	for (unsigned i = 0; i < n; i++)
		vals[i] = 0x1000 + off + 8 * i;	/* value = 0x1000 + offset */
	return 0;
}

static int fake_monitor(struct vtd_source *src, const char *cmd,
			struct json_object *args, struct json_object **ret)
{
	struct fake *f = src->priv;

	f->monitor_calls++;
	if (!strcmp(cmd, "query-pci")) {
		source_set_error(src, "no PCI here");
		return -EIO;
	}
	*ret = json_object_new_string(args ? "with args" : "no args");
	return 0;
}

static const struct vtd_source_ops fake_ops = {
	.kind = "fake",
	.read = fake_read,
	.read_regs = fake_read_regs,
	.monitor = fake_monitor,
};

static struct vtd_source *fake_open(struct fake *f)
{
	struct vtd_source *src = calloc(1, sizeof(*src));

	for (unsigned i = 0; i < FAKE_RAM; i++)
		f->ram[i] = (i % 4096 < 64) ? (uint8_t)(i * 7 + 1) : 0;
	src->ops = &fake_ops;
	src->priv = f;
	src->access = "fake-access";
	src->mmio_base = 0xfed90000;
	strcpy(src->target, "fake-target");
	source_add_ram(src, 0, FAKE_RAM);
	return src;
}

static char tmpdir[] = "/tmp/vtdctl-unit-snap-XXXXXX";

static void test_record_and_replay(void)
{
	static struct fake f;
	struct vtd_source *rec = recorder_wrap(fake_open(&f)), *snap;
	struct json_object *ret = NULL, *args = json_object_new_object();
	struct vtd_snapshot *s;
	uint8_t buf[8192];
	uint64_t regs[3];
	char err[600], path[256];

	/* a read across a page boundary records both whole pages */
	CHECK(source_read(rec, 0x1ff0, buf, 32) == 0);
	CHECK(!memcmp(buf, f.ram + 0x1ff0, 32));
	CHECK(source_read(rec, 0x1000, buf, 16) == 0);	/* served from the record */
	CHECK(f.reads == 1);
	CHECK(source_read(rec, 0x10000, buf, 8) == -EFAULT);	/* beyond RAM */
	CHECK(source_read_regs(rec, 0, 3, regs) == 0 && regs[2] == 0x1010);
	json_object_object_add(args, "path", json_object_new_string("/x"));
	CHECK(source_monitor(rec, "qom-list", args, &ret) == 0);
	CHECK_STR(json_object_get_string(ret), "with args");
	json_object_put(ret);
	CHECK(source_monitor(rec, "query-pci", NULL, &ret) == -EIO);
	CHECK_STR(rec->error, "no PCI here");

	s = recorder_snapshot(rec);
	CHECK(s->nr_pages == 2 && s->pages[0].gpa == 0x1000 && s->pages[1].gpa == 0x2000);
	CHECK(s->have_regs && s->reg_valid[2] && !s->reg_valid[3]);
	CHECK(s->nr_mon == 2);
	CHECK_STR(s->kind, "fake");
	CHECK_STR(s->access, "fake-access");
	strcpy(s->created, "2025-01-01T00:00:00Z");
	strcpy(s->vtdctl_version, "test");
	snprintf(path, sizeof(path), "%s/a.snap", tmpdir);
	CHECK(snapshot_write(s, path, err, sizeof(err)) == 0);
	source_close(rec);

	snap = snapshot_source_open(path, err, sizeof(err));
	CHECK(snap != NULL);
	if (!snap) {
		fprintf(stderr, "%s\n", err);
		json_object_put(args);
		return;
	}
	CHECK_STR(snap->ops->kind, "snapshot");
	CHECK(snap->mmio_base == 0xfed90000 && source_ram_end(snap) == FAKE_RAM);
	CHECK(source_read(snap, 0x1ff0, buf, 32) == 0 && !memcmp(buf, f.ram + 0x1ff0, 32));
	CHECK(source_read(snap, 0x1000, buf, 8192) == 0 && !memcmp(buf, f.ram + 0x1000, 8192));
	/* RAM, but never read: not recorded (not "not RAM"), and not zeros */
	CHECK(source_read(snap, 0x3000, buf, 8) == -ENODATA);
	CHECK(source_read(snap, 0x2ff8, buf, 16) == -ENODATA);
	CHECK(source_read(snap, FAKE_RAM, buf, 8) == -EFAULT);	/* beyond RAM */
	CHECK(source_read_regs(snap, 0, 3, regs) == 0 && regs[1] == 0x1008);
	CHECK(source_read_regs(snap, 0, 4, regs) < 0);		/* 0x18 not read */
	CHECK(source_monitor(snap, "qom-list", args, &ret) == 0);
	CHECK_STR(json_object_get_string(ret), "with args");
	json_object_put(ret);
	CHECK(source_monitor(snap, "qom-list", NULL, &ret) == -ENOTSUP);
	CHECK(source_monitor(snap, "query-pci", NULL, &ret) == -EIO);
	CHECK_STR(snap->error, "no PCI here");
	CHECK(source_monitor(snap, "system_reset", NULL, &ret) == -EPERM);
	CHECK(snapshot_of_source(snap) != NULL);
	CHECK_STR(snapshot_of_source(snap)->created, "2025-01-01T00:00:00Z");
	source_close(snap);
	json_object_put(args);
}

/* A minimal valid file, then one broken thing at a time. */
#define HEAD "{\"magic\":\"vtdctl-snapshot\",\"version\":1,\"created\":\"x\",\"vtdctl_version\":\"t\"," \
	"\"source\":{\"kind\":\"qmp\",\"target\":\"t\",\"access\":\"xp\"},\"qemu\":null," \
	"\"mmio_base\":\"0xfed90000\",\"page_size\":4096,"
#define RAM "\"ram\":[{\"start\":\"0x0\",\"size\":\"0x100000\"}],"

static void expect_bad(const char *text, const char *why)
{
	struct vtd_snapshot s;
	char err[600] = "";
	int rc = snapshot_parse(text, strlen(text), &s, err, sizeof(err));

	CHECK(rc < 0);
	if (rc == 0) {
		snapshot_free(&s);
		fprintf(stderr, "accepted: %s\n", text);
	} else if (!strstr(err, why)) {
		unit_fail++;
		fprintf(stderr, "FAIL: \"%s\" lacks \"%s\"\n", err, why);
	}
}

static void test_parser(void)
{
	struct vtd_snapshot s;
	char err[600];
	const char *good = HEAD RAM "\"registers\":{\"0x20\":\"0x800000\"},"
		"\"monitor\":[{\"command\":\"query-version\",\"arguments\":null,\"return\":{}}],"
		"\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"0\":\"0x801001\",\"511\":\"0x5\"}}]}\n";

	CHECK(snapshot_parse(good, strlen(good), &s, err, sizeof(err)) == 0);
	CHECK(s.nr_pages == 1 && snapshot_page_qword(&s.pages[0], 0) == 0x801001 &&
	      snapshot_page_qword(&s.pages[0], 511) == 5);
	CHECK(snapshot_page_qword(&s.pages[0], 1) == 0 && s.regs[4] == 0x800000 && s.reg_valid[4]);
	CHECK(s.nr_qwords == 2);
	snapshot_free(&s);

	expect_bad("", "truncated");
	expect_bad("{\"magic\":\"vtdctl-snapshot\"", "truncated");
	expect_bad("{\"magic\":\"other\",\"version\":1}", "not a vtdctl snapshot");
	expect_bad("{\"magic\":\"vtdctl-snapshot\",\"version\":7}", "version 7 is not supported");
	expect_bad(HEAD "\"ram\":{},\"monitor\":[],\"pages\":[]}", "ram: missing or not an array");
	expect_bad(HEAD "\"ram\":[{\"start\":\"0x1000\",\"size\":\"0xfffffffffffff000\"}],\"monitor\":[],\"pages\":[]}",
		   "wraps");
	expect_bad(HEAD RAM "\"registers\":{\"0x21\":\"0x0\"},\"monitor\":[],\"pages\":[]}", "aligned qword");
	expect_bad(HEAD RAM "\"registers\":{\"0x8\":8},\"monitor\":[],\"pages\":[]}", "hex string");
	expect_bad(HEAD RAM "\"monitor\":[{\"command\":\"x\",\"arguments\":null}],\"pages\":[]}", "exactly one");
	expect_bad(HEAD RAM "\"monitor\":[{\"command\":\"x\",\"arguments\":null,\"return\":1},"
		   "{\"command\":\"x\",\"arguments\":null,\"return\":2}],\"pages\":[]}", "twice");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1001\",\"q\":{}}]}", "aligned");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x100000\",\"q\":{}}]}", "RAM");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x2000\",\"q\":{}},{\"gpa\":\"0x1000\",\"q\":{}}]}",
		   "ascending");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"01\":\"0x1\"}}]}", "qword index");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"-1\":\"0x1\"}}]}", "qword index");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"0\":\"0x\"}}]}", "hex");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\"}]}", "q: missing");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[]} x", "trailing");
	/* a page whose end wraps past 2^64 is not in [0, 1 MiB) */
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0xfffffffffffff000\",\"q\":{}}]}", "RAM");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0xff000\",\"q\":{}},"
		   "{\"gpa\":\"0xfffffffffffff000\",\"q\":{}}]}", "RAM");
	/* strtoul would skip the blank and take the sign */
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\" 5\":\"0x1\"}}]}", "qword index");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"+5\":\"0x1\"}}]}", "qword index");
	expect_bad(HEAD RAM "\"monitor\":[],\"pages\":[{\"gpa\":\"0x1000\",\"q\":{\"\\n5\":\"0x1\"}}]}", "qword index");
}

/* Version 2 pages: {"gpa", "nz": base64 bitmap, "data": base64 words} */
#define HEAD2 "{\"magic\":\"vtdctl-snapshot\",\"version\":2,\"created\":\"x\",\"vtdctl_version\":\"t\"," \
	"\"source\":{\"kind\":\"qmp\",\"target\":\"t\",\"access\":\"xp\"},\"qemu\":null," \
	"\"mmio_base\":\"0xfed90000\",\"page_size\":4096," RAM "\"monitor\":[],"

static void test_parser_v2(void)
{
	struct vtd_snapshot s;
	char err[600];
	/* nz: bits 0 and 9 (bytes 0x01 0x02: "AQI="); data: 0x801001 and
	 * 0x5 little-endian (16 bytes) */
	const char *good = HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"AQI=\","
		"\"data\":\"ARCAAAAAAAAFAAAAAAAAAA==\"},{\"gpa\":\"0x2000\",\"nz\":\"\",\"data\":\"\"}]}";

	CHECK(snapshot_parse(good, strlen(good), &s, err, sizeof(err)) == 0);
	CHECK(s.nr_pages == 2 && s.nr_qwords == 2);
	CHECK(snapshot_page_qword(&s.pages[0], 0) == 0x801001);
	CHECK(snapshot_page_qword(&s.pages[0], 9) == 5);
	CHECK(snapshot_page_qword(&s.pages[0], 8) == 0);
	CHECK(snapshot_find_page(&s, 0x2000) && !snapshot_find_page(&s, 0x3000));
	snapshot_free(&s);
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"AQI=\",\"data\":\"ARCAAAAAAAA=\"}]}",
		   "fewer words");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"AQ==\",\"data\":\"ARCAAAAAAAAFAAAAAAAAAA==\"}]}",
		   "names 1 words");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"AQ==\",\"data\":\"AAAAAAAAAAA=\"}]}",
		   "zero");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"A Q==\",\"data\":\"\"}]}", "base64");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"nz\":\"AQ=A\",\"data\":\"\"}]}", "base64");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"data\":\"\"}]}", "nz: missing");
	expect_bad(HEAD2 "\"pages\":[{\"gpa\":\"0x1000\",\"q\":{}}]}", "nz: missing");
}

/* A dump's source.format and source.pages_left_out: optional, checked */
#define HEAD_CORE(src) "{\"magic\":\"vtdctl-snapshot\",\"version\":2,\"created\":\"x\"," \
	"\"vtdctl_version\":\"t\",\"source\":{\"kind\":\"core\",\"target\":\"t\"," \
	"\"access\":\"kdump\"" src "},\"qemu\":null,\"mmio_base\":\"0xfed90000\"," \
	"\"page_size\":4096," RAM "\"monitor\":[],\"pages\":[]}"

static void test_parser_dump_facts(void)
{
	struct vtd_snapshot s;
	char err[600];
	const char *with = HEAD_CORE(",\"format\":\"kdump-raw-lzo\",\"pages_left_out\":109724");
	const char *without = HEAD_CORE("");

	CHECK(snapshot_parse(with, strlen(with), &s, err, sizeof(err)) == 0);
	CHECK(!strcmp(s.format, "kdump-raw-lzo") && s.pages_left_out == 109724);
	snapshot_free(&s);
	CHECK(snapshot_parse(without, strlen(without), &s, err, sizeof(err)) == 0);
	CHECK(s.format[0] == 0 && s.pages_left_out == 0);
	snapshot_free(&s);
	expect_bad(HEAD_CORE(",\"format\":7"), "source.format");
	expect_bad(HEAD_CORE(",\"format\":\"elf\\u001b[2J\""), "source.format");
	expect_bad(HEAD_CORE(",\"format\":\"kdump-raw-zlib-and-more-than-23\""), "source.format");
	expect_bad(HEAD_CORE(",\"pages_left_out\":-1"), "source.pages_left_out");
	expect_bad(HEAD_CORE(",\"pages_left_out\":\"5\""), "source.pages_left_out");
	expect_bad(HEAD_CORE(",\"pages_left_out\":4503599627370497"), "source.pages_left_out");
}

/* json-c spends ~100 bytes on each value: the values are counted first */
static void test_parser_refuses_many_values(void)
{
	size_t n = SNAP_MAX_JSON_VALUES + 1, len = 0;
	char *text = malloc(3 * n + 64);

	CHECK(text != NULL);
	if (!text)
		return;
	len += sprintf(text, "[");
	for (size_t i = 0; i < n; i++)
		len += sprintf(text + len, "{},");
	strcpy(text + len - 1, "]");
	expect_bad(text, "more than");
	free(text);
}

static void test_write_refuses_and_leaves_nothing(void)
{
	struct vtd_snapshot s;
	char err[600], path[300];
	struct stat st;

	memset(&s, 0, sizeof(s));
	CHECK(snapshot_write(&s, "/dev/null", err, sizeof(err)) < 0);
	CHECK(strstr(err, "not a regular file") != NULL);
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	snprintf(path, sizeof(path), "%s/missing/x.snap", tmpdir);
	CHECK(snapshot_write(&s, path, err, sizeof(err)) < 0);
	CHECK(strstr(err, "No such file") != NULL);
	/* the good write of test_record_and_replay left a.snap and nothing else */
	snprintf(path, sizeof(path), "ls -A %s | grep -v '^a.snap$' | grep -q .", tmpdir);
	CHECK(system(path) != 0);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_record_and_replay();
	test_parser();
	test_parser_v2();
	test_parser_dump_facts();
	test_parser_refuses_many_values();
	test_write_refuses_and_leaves_nothing();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return unit_summary();
}
