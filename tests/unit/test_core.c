// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the ELF core source (src/elfcore/core.c) on synthetic cores
 * written at run time into a temporary directory, good and bad.
 *
 * Set VTDCTL_TEST_CORE=/path/to/guest.core to also open a real core from
 * dump-guest-memory and check its first segment.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/source.h"
#include "unit.h"
#include "elfcore/core.h"

static char tmpdir[] = "/tmp/vtdctl-test-core.XXXXXX";

/* A synthetic segment: off == 0 means "append after the previous data". */
struct tseg {
	uint32_t type;
	uint64_t paddr, filesz, memsz, off;
};

struct tcore {
	int cls;		/* ELFCLASS64 / ELFCLASS32 */
	int data;		/* ELFDATA2LSB */
	uint16_t type, machine;
	const struct tseg *segs;
	size_t nr;
	long truncate_to;	/* > 0: cut the file to this many bytes */
};

/* The byte a synthetic core holds at guest-physical gpa. */
static uint8_t pat(uint64_t gpa)
{
	return (uint8_t)(gpa * 7 + (gpa >> 8) * 13 + (gpa >> 32));
}

static char *path_of(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static void write_file(const char *name, const void *buf, size_t len)
{
	FILE *f = fopen(path_of(name), "wb");

	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(name);
		exit(2);
	}
	fclose(f);
}

/* Build a core image into a malloc'd buffer; returns its size. */
static size_t build_core(const struct tcore *c, unsigned char **out)
{
	bool e64 = c->cls == ELFCLASS64;
	size_t ehsz = e64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = e64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t pos = ehsz + phsz * c->nr, size;
	uint64_t offs[16];
	unsigned char *b;

	size = pos;
	for (size_t i = 0; i < c->nr; i++) {
		offs[i] = c->segs[i].off ? c->segs[i].off : pos;
		if (!c->segs[i].off)
			pos += c->segs[i].filesz;
		if (offs[i] < (1ULL << 32) &&
		    offs[i] + c->segs[i].filesz > size)
			size = offs[i] + c->segs[i].filesz;
	}
	b = calloc(1, size);
	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = (unsigned char)c->cls;
	b[EI_DATA] = (unsigned char)c->data;
	b[EI_VERSION] = EV_CURRENT;
	if (e64) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)b;

		eh->e_type = c->type;
		eh->e_machine = c->machine;
		eh->e_version = EV_CURRENT;
		eh->e_phoff = ehsz;
		eh->e_ehsize = 8;	/* what QEMU 7.2 writes */
		eh->e_phentsize = (uint16_t)phsz;
		eh->e_phnum = (uint16_t)c->nr;
	} else {
		Elf32_Ehdr *eh = (Elf32_Ehdr *)b;

		eh->e_type = c->type;
		eh->e_machine = c->machine;
		eh->e_version = EV_CURRENT;
		eh->e_phoff = (uint32_t)ehsz;
		eh->e_ehsize = (uint16_t)ehsz;
		eh->e_phentsize = (uint16_t)phsz;
		eh->e_phnum = (uint16_t)c->nr;
	}
	for (size_t i = 0; i < c->nr; i++) {
		const struct tseg *s = &c->segs[i];

		if (e64) {
			Elf64_Phdr *ph = (Elf64_Phdr *)(b + ehsz) + i;

			ph->p_type = s->type;
			ph->p_offset = offs[i];
			ph->p_paddr = s->paddr;
			ph->p_filesz = s->filesz;
			ph->p_memsz = s->memsz ? s->memsz : s->filesz;
		} else {
			Elf32_Phdr *ph = (Elf32_Phdr *)(b + ehsz) + i;

			ph->p_type = s->type;
			ph->p_offset = (uint32_t)offs[i];
			ph->p_paddr = (uint32_t)s->paddr;
			ph->p_filesz = (uint32_t)s->filesz;
			ph->p_memsz = (uint32_t)(s->memsz ? s->memsz : s->filesz);
		}
		if (s->type == PT_LOAD && offs[i] < (1ULL << 32))
			for (uint64_t j = 0; j < s->filesz; j++)
				b[offs[i] + j] = pat(s->paddr + j);
	}
	if (c->truncate_to > 0 && (uint64_t)c->truncate_to < size)
		size = (uint64_t)c->truncate_to;
	*out = b;
	return size;
}

static struct vtd_source *open_core(const char *name, const struct tcore *c,
				    char *err, size_t errlen)
{
	unsigned char *b;
	size_t n = build_core(c, &b);

	write_file(name, b, n);
	free(b);
	return core_source_open(path_of(name), err, errlen);
}

static bool check_bytes(struct vtd_source *s, uint64_t gpa, size_t len)
{
	unsigned char *buf = malloc(len);
	bool ok = source_read(s, gpa, buf, len) == 0;

	for (size_t i = 0; ok && i < len; i++)
		ok = buf[i] == pat(gpa + i);
	free(buf);
	return ok;
}

#define X64(segs) { ELFCLASS64, ELFDATA2LSB, ET_CORE, EM_X86_64, segs, \
		    sizeof(segs) / sizeof(segs[0]), 0 }

static const struct tseg good_segs[] = {
	{ PT_NOTE, 0, 0x40, 0, 0 },
	/* out of order on purpose */
	{ PT_LOAD, 0x100000000ULL, 0x1000, 0, 0 },
	{ PT_LOAD, 0x0, 0x2000, 0, 0 },
	/* adjacent to the one before in guest memory, not in the file */
	{ PT_LOAD, 0x2000, 0x1000, 0, 0 },
	/* only the first 0x1000 of 0x3000 is in the file */
	{ PT_LOAD, 0x10000, 0x1000, 0x3000, 0 },
	{ PT_LOAD, 0x20000, 0, 0x1000, 0 },	/* nothing in the file */
};

static void test_good(void)
{
	struct tcore c = X64(good_segs);
	char err[512] = "x";
	struct vtd_source *s = open_core("good.core", &c, err, sizeof(err));
	struct core_segment seg[8];
	uint64_t v;
	unsigned char buf[64];

	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "  error: %s\n", err);
		return;
	}
	CHECK(err[0] == 0);
	CHECK(strcmp(s->ops->kind, "core") == 0);
	CHECK(strcmp(s->access, "elf") == 0);
	CHECK(strcmp(s->target, path_of("good.core")) == 0);
	CHECK(s->ops->read_reg == NULL);
	CHECK(source_read_reg(s, 0x20, 64, &v) == -ENOTSUP);

	/* RAM: 0-0x3000 merged, 0x10000+0x1000, 4G+0x1000 */
	CHECK(s->nr_ram == 3);
	if (s->nr_ram == 3) {
		CHECK(s->ram[0].start == 0 && s->ram[0].size == 0x3000);
		CHECK(s->ram[1].start == 0x10000 && s->ram[1].size == 0x1000);
		CHECK(s->ram[2].start == 0x100000000ULL &&
		      s->ram[2].size == 0x1000);
	}
	CHECK(core_source_segments(s, seg, 8) == 4);
	CHECK(seg[0].gpa == 0 && seg[1].gpa == 0x2000 &&
	      seg[2].gpa == 0x10000 && seg[3].gpa == 0x100000000ULL);

	CHECK(check_bytes(s, 0, 16));
	CHECK(check_bytes(s, 0x1234, 100));
	CHECK(check_bytes(s, 0x1ff8, 16));	/* spans two segments */
	CHECK(check_bytes(s, 0x1000, 0x2000));	/* spans, to the end */
	CHECK(check_bytes(s, 0x10ff0, 16));
	CHECK(check_bytes(s, 0x100000ff8ULL, 8));
	CHECK(check_bytes(s, 0, 0x3000));

	/* holes */
	CHECK(source_read(s, 0x2ff8, buf, 16) == -EFAULT);	/* past 0x3000 */
	CHECK(source_read(s, 0x3000, buf, 8) == -EFAULT);
	CHECK(source_read(s, 0x10ff8, buf, 16) == -EFAULT);	/* memsz tail */
	CHECK(source_read(s, 0x11000, buf, 8) == -EFAULT);
	CHECK(source_read(s, 0x20000, buf, 8) == -EFAULT);	/* filesz 0 */
	CHECK(source_read(s, 0xfffffff8ULL, buf, 16) == -EFAULT);
	CHECK(source_read(s, UINT64_MAX - 4, buf, 16) == -EFAULT);
	/* the backend itself also refuses holes, without source_read */
	CHECK(s->ops->read(s, 0x2ff8, buf, 16) == -EFAULT);
	CHECK(s->ops->read(s, 0x5000, buf, 8) == -EFAULT);
	CHECK(s->ops->read(s, 0x100001000ULL, buf, 8) == -EFAULT);
	source_close(s);
}

static void test_classes(void)
{
	static const struct tseg segs[] = {
		{ PT_LOAD, 0x1000, 0x1000, 0, 0 },
		{ PT_LOAD, 0xfffc0000, 0x40000, 0, 0 },
	};
	struct tcore c = X64(segs);
	char err[512];
	struct vtd_source *s;

	/* QEMU writes EM_386 when the CPU is not in long mode */
	c.machine = EM_386;
	s = open_core("em386.core", &c, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		CHECK(check_bytes(s, 0x1800, 64));
		CHECK(check_bytes(s, 0xfffffff0, 16));
		source_close(s);
	}
	/* and ELF32 when, in addition, no RAM block ends above 4 GiB */
	c.cls = ELFCLASS32;
	s = open_core("elf32.core", &c, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		CHECK(s->nr_ram == 2);
		CHECK(check_bytes(s, 0x1000, 0x1000));
		CHECK(check_bytes(s, 0xffff0000, 0x10000));
		source_close(s);
	}
}

static bool open_fails(const char *name, const struct tcore *c,
		       const char *want)
{
	char err[512] = "";
	struct vtd_source *s = open_core(name, c, err, sizeof(err));

	if (s) {
		source_close(s);
		fprintf(stderr, "  %s: opened, expected \"%s\"\n", name, want);
		return false;
	}
	if (!strstr(err, want)) {
		fprintf(stderr, "  %s: error \"%s\", expected \"%s\"\n", name,
			err, want);
		return false;
	}
	return true;
}

static bool raw_fails(const char *name, const void *buf, size_t len,
		      const char *want, const char *want2)
{
	char err[512] = "";
	struct vtd_source *s;

	write_file(name, buf, len);
	s = core_source_open(path_of(name), err, sizeof(err));
	if (s) {
		source_close(s);
		return false;
	}
	if (!strstr(err, want) || (want2 && !strstr(err, want2))) {
		fprintf(stderr, "  %s: error \"%s\"\n", name, err);
		return false;
	}
	return true;
}

static void test_bad(void)
{
	static const struct tseg one[] = {
		{ PT_LOAD, 0x0, 0x1000, 0, 0 },
	};
	static const struct tseg trunc[] = {
		{ PT_NOTE, 0, 0x10, 0, 0 },
		{ PT_LOAD, 0x0, 0x1000, 0, 0 },
		{ PT_LOAD, 0x1000, 0x1000, 0, 0 },
		{ PT_LOAD, 0x100000, 0x2000, 0, 0 },
	};
	static const struct tseg overlap[] = {
		{ PT_LOAD, 0x0, 0x2000, 0, 0 },
		{ PT_LOAD, 0x1000, 0x2000, 0, 0 },	/* other file bytes */
	};
	static const struct tseg notes_only[] = {
		{ PT_NOTE, 0, 0x10, 0, 0 },
	};
	static const struct tseg huge_off[] = {
		{ PT_LOAD, 0x0, 0x1000, 0, 0 },
		{ PT_LOAD, 0x1000, 0x10, 0, 0xffffffffffffff00ULL },
	};
	static const struct tseg wrap[] = {
		{ PT_LOAD, 0xfffffffffffff000ULL, 0x2000, 0, 0 },
	};
	struct tcore c;

	c = (struct tcore)X64(one);
	c.machine = EM_AARCH64;
	CHECK(open_fails("arm.core", &c, "wrong machine"));
	c = (struct tcore)X64(one);
	c.type = ET_EXEC;
	CHECK(open_fails("exec.core", &c, "not a core file"));
	c = (struct tcore)X64(one);
	c.data = ELFDATA2MSB;
	CHECK(open_fails("be.core", &c, "big-endian"));
	c = (struct tcore)X64(one);
	c.cls = 7;
	CHECK(open_fails("class.core", &c, "unsupported ELF class"));

	/* segment 3 (of 4, counting the note) runs past the end of the file */
	c = (struct tcore)X64(trunc);
	c.truncate_to = 64 + 4 * 56 + 0x10 + 0x2000 + 0x1000;
	CHECK(open_fails("trunc.core", &c,
			 "truncated core: segment 3 ends at 0x"));
	CHECK(open_fails("trunc.core", &c, "beyond file size 0x"));
	/* the program headers themselves are cut off */
	c = (struct tcore)X64(trunc);
	c.truncate_to = 64 + 56;
	CHECK(open_fails("trunc-ph.core", &c, "truncated core"));
	c = (struct tcore)X64(huge_off);
	CHECK(open_fails("huge-off.core", &c, "truncated core: segment 1"));
	c = (struct tcore)X64(wrap);
	CHECK(open_fails("wrap.core", &c, "wraps"));

	c = (struct tcore)X64(overlap);
	CHECK(open_fails("overlap.core", &c, "overlapping segments"));
	c = (struct tcore)X64(notes_only);
	CHECK(open_fails("noload.core", &c, "no PT_LOAD"));
	c = (struct tcore)X64(one);
	c.nr = 0;
	CHECK(open_fails("nophdr.core", &c, "no PT_LOAD"));

	CHECK(raw_fails("text", "hello, world\n", 13, "not an ELF file", NULL));
	CHECK(raw_fails("tiny", "\177EL", 3, "not an ELF file", NULL));
	CHECK(raw_fails("empty", "", 0, "not an ELF file", NULL));
	{
		unsigned char kd[4096] = "KDUMP   ";

		CHECK(raw_fails("kdump", kd, sizeof(kd), "kdump-compressed",
				"ELF format"));
		memcpy(kd, "makedumpfile", 12);
		CHECK(raw_fails("flat", kd, sizeof(kd), "kdump-compressed",
				"ELF format"));
		memcpy(kd, "PAGEDU64", 8);
		CHECK(raw_fails("windmp", kd, sizeof(kd), "win-dmp",
				"ELF format"));
	}
	{
		char err[512] = "";

		CHECK(core_source_open(path_of("missing"), err,
				       sizeof(err)) == NULL);
		CHECK(strstr(err, "No such file") != NULL);
		CHECK(core_source_open(tmpdir, err, sizeof(err)) == NULL);
		CHECK(strstr(err, "not a regular file") != NULL);
	}
}

/* With paging=true QEMU may name the same bytes twice, at one file offset. */
static void test_consistent_overlap(void)
{
	uint64_t base = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	struct tseg segs[] = {
		{ PT_LOAD, 0x0, 0x3000, 0, 0 },
		{ PT_LOAD, 0x1000, 0x1000, 0, base + 0x1000 },
	};
	struct tcore c = X64(segs);
	char err[512];
	struct vtd_source *s = open_core("alias.core", &c, err, sizeof(err));

	CHECK(s != NULL);
	if (s) {
		CHECK(s->nr_ram == 1 && s->ram[0].size == 0x3000);
		CHECK(core_source_segments(s, NULL, 0) == 1);
		CHECK(check_bytes(s, 0, 0x3000));
		source_close(s);
	}
}

static void test_real(void)
{
	const char *path = getenv("VTDCTL_TEST_CORE");
	char err[512];
	struct vtd_source *s;
	uint64_t v;

	if (!path || !*path)
		return;
	s = core_source_open(path, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "  %s: %s\n", path, err);
		return;
	}
	CHECK(s->nr_ram >= 2 && s->ram[0].start == 0);
	CHECK(source_read(s, 0, &v, 8) == 0);
	CHECK(source_read(s, 0xa0000, &v, 8) == -EFAULT);	/* VGA hole */
	source_close(s);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_good();
	test_classes();
	test_bad();
	test_consistent_overlap();
	test_real();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return unit_summary();
}
