// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the QMP backend (src/qmp/): the HMP text parsers (xp,
 * info mtree -f, gpa2hva) on real and broken text, the read-only allowlist,
 * and the whole source against a scripted fake QMP server on a socketpair
 * (events, errors, a peer that hangs or closes mid-reply, oversized replies,
 * wrong ids, reads via xp and via /proc/PID/mem with fallbacks).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "source/source.h"
#include "qmp/qmp.h"
#include "source/procmem.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* xp                                                                       */

static void test_xp(void)
{
	uint64_t v[8];
	char err[256];

	/* real QEMU 7.2 output of "xp /4gx 0xfed90000" (HMP lines end in \r\n) */
	CHECK(qmp_parse_xp("00000000fed90000: 0x0000000000000010 0x00d2008c22260206\r\n"
			   "00000000fed90010: 0x0000480080f00f4a 0x0000000000000000\r\n",
			   0xfed90000, 64, 4, v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v[0], 0x10);
	CHECK_EQ_U64(v[1], 0x00d2008c22260206ULL);
	CHECK_EQ_U64(v[2], 0x0000480080f00f4aULL);
	CHECK_EQ_U64(v[3], 0);

	/* odd count: the last line holds one value */
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 0x0000000000000002\r\n"
			   "0000000000001010: 0xffffffffffffffff\r\n",
			   0x1000, 64, 3, v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v[2], UINT64_MAX);

	/* 32-bit: four a line */
	CHECK(qmp_parse_xp("00000000fed90000: 0x00000010\r\n", 0xfed90000, 32, 1,
			   v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v[0], 0x10);
	CHECK(qmp_parse_xp("00000000fed90000: 0x00000010 0x00000000 0x22260206 0x00d2008c\n"
			   "00000000fed90010: 0x80f00f4a\n", 0xfed90000, 32, 5,
			   v, err, sizeof(err)) == 0);
	CHECK_EQ_U64(v[3], 0x00d2008c);
	CHECK_EQ_U64(v[4], 0x80f00f4a);
	/* a 32-bit value may not have 16 digits */
	CHECK(qmp_parse_xp("00000000fed90000: 0x0000000000000010\r\n", 0xfed90000, 32, 1,
			   v, err, sizeof(err)) == -EPROTO);

	/* truncated: fewer lines than values */
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 0x0000000000000002\r\n",
			   0x1000, 64, 4, v, err, sizeof(err)) == -EPROTO);
	CHECK(strstr(err, "truncated") != NULL);
	/* truncated: a short line */
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001\r\n",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	/* truncated in the middle of a value's line (no newline at the end) */
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 0x",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	/* empty */
	CHECK(qmp_parse_xp("", 0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	/* wrong address on the first and on a later line */
	CHECK(qmp_parse_xp("0000000000002000: 0x0000000000000001 0x0000000000000002\r\n",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	CHECK(strstr(err, "expected 0x1000") != NULL);
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 0x0000000000000002\r\n"
			   "0000000000001000: 0x0000000000000003 0x0000000000000004\r\n",
			   0x1000, 64, 4, v, err, sizeof(err)) == -EPROTO);
	/* non-hex */
	CHECK(qmp_parse_xp("0000000000001000: 0x00000000000000g1 0x0000000000000002\r\n",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_xp("000000000000100z: 0x0000000000000001 0x0000000000000002\r\n",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 1234\r\n",
			   0x1000, 64, 2, v, err, sizeof(err)) == -EPROTO);
	/* too many digits, too many values, trailing junk, extra lines */
	CHECK(qmp_parse_xp("0000000000001000: 0x00000000000000001\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 0x0000000000000002\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001 junk\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001\r\n"
			   "0000000000001008: 0x0000000000000002\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	/* a trailing blank line is fine */
	CHECK(qmp_parse_xp("0000000000001000: 0x0000000000000001\r\n\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == 0);
	/* Cannot access memory: first line and after some good lines */
	CHECK(qmp_parse_xp("000000003ffffff8: Cannot access memory\r\n",
			   0x3ffffff8, 64, 2, v, err, sizeof(err)) == -EFAULT);
	CHECK(strstr(err, "0x3ffffff8") != NULL);
	CHECK(qmp_parse_xp("00000001bffffff0: 0x0000000000000000 0x0000000000000000\r\n"
			   "00000001c0000000: Cannot access memory\r\n",
			   0x1bffffff0ULL, 64, 4, v, err, sizeof(err)) == -EFAULT);
	/* HMP's own error text */
	CHECK(qmp_parse_xp("invalid char 'z' in expression\r\nTry \"help xp\" for more information\r\n",
			   0x1000, 64, 1, v, err, sizeof(err)) == -EPROTO);
	CHECK(strstr(err, "invalid char") != NULL);
	/* the range may not wrap */
	CHECK(qmp_parse_xp("", UINT64_MAX - 7, 64, 2, v, err, sizeof(err)) == -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* info mtree -f                                                            */

/* Abridged real output of QEMU 7.2, q35, -m 5G, after SeaBIOS ran. */
static const char mtree_5g[] =
	"FlatView #0\r\n"
	" AS \"I/O\", root: io\r\n"
	" Root memory region: io\r\n"
	"  0000000000000000-0000000000000007 (prio 0, i/o): dma-chan\r\n"
	"\r\n"
	"FlatView #1\r\n"
	" AS \"memory\", root: system\r\n"
	" AS \"cpu-memory-0\", root: system\r\n"
	" Root memory region: system\r\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem owner:{dev path=/machine/unattached/device[28]}\r\n"
	"  00000000000c0000-00000000000c9fff (prio 0, rom): pc.ram @00000000000c0000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000ca000-00000000000ccfff (prio 0, ram): pc.ram @00000000000ca000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000cd000-00000000000e7fff (prio 0, rom): pc.ram @00000000000cd000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000e8000-00000000000effff (prio 0, ram): pc.ram @00000000000e8000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000f0000-00000000000fffff (prio 0, rom): pc.ram @00000000000f0000 owner:{obj path=/objects/pc.ram}\r\n"
	"  0000000000100000-000000007fffffff (prio 0, ram): pc.ram @0000000000100000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000b0000000-00000000bfffffff (prio 0, i/o): pcie-mmcfg-mmio owner:{dev path=/machine/q35}\r\n"
	"  00000000fd000000-00000000fdffffff (prio 1, ram): vga.vram owner:{dev path=/machine/unattached/device[28]}\r\n"
	"  00000000febf0400-00000000febf041f (prio 0, i/o): vga ioports remapped owner:{dev path=/machine/unattached/device[28]}\r\n"
	"  00000000fed90000-00000000fed9022f (prio 0, i/o): intel_iommu owner:{dev path=/machine/peripheral-anon/device[0]}\r\n"
	"  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi owner:{dev path=/machine/unattached/device[0]}\r\n"
	"  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios parent:{obj path=/machine/unattached}\r\n"
	"  0000000100000000-00000001bfffffff (prio 0, ram): pc.ram @0000000080000000 owner:{obj path=/objects/pc.ram}\r\n"
	"\r\n"
	"FlatView #2\r\n"
	" AS \"mch\", root: bus master container\r\n"
	" Root memory region: (none)\r\n"
	"  No rendered FlatView\r\n"
	"\r\n"
	"FlatView #3\r\n"
	" AS \"vtd-root\", root: vtd-00.0\r\n"
	" Root memory region: vtd-nodmar\r\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram}\r\n"
	"  0000000200000000-00000002ffffffff (prio 0, ram): not-in-memory-as\r\n"
	"\r\n";

/* Real output of QEMU 7.2, q35, -m 256, -S, plain -f (no owners). */
static const char mtree_256[] =
	"FlatView #2\n"
	" AS \"cpu-smm-0\", root: memory\n"
	" Root memory region: memory\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): smram-only\n"
	"\n"
	"FlatView #3\n"
	" AS \"memory\", root: system\n"
	" AS \"cpu-memory-0\", root: system\n"
	" Root memory region: system\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): pc.ram\n"
	"  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem\n"
	"  00000000000c0000-00000000000dffff (prio 1, rom): pc.rom\n"
	"  00000000000e0000-00000000000fffff (prio 0, rom): pc.bios @0000000000020000\n"
	"  0000000000100000-000000000fffffff (prio 0, ram): pc.ram @0000000000100000\n"
	"  00000000fec00000-00000000fec00fff (prio 0, i/o): ioapic\n"
	"  00000000fed00000-00000000fed003ff (prio 0, i/o): hpet\n"
	"  00000000fed90000-00000000fed9022f (prio 0, i/o): intel_iommu\n"
	"  00000000fee00000-00000000feefffff (prio 4096, i/o): apic-msi\n"
	"  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n"
	"\n";

static void test_mtree(void)
{
	struct qmp_ram_piece *p = NULL;
	size_t n = 0;
	struct qmp_mmio_region io;
	char err[256];

	CHECK(qmp_parse_mtree_flat(mtree_5g, &p, &n, &io, err, sizeof(err)) == 0);
	CHECK(io.found);
	CHECK_EQ_U64(io.base, 0xfed90000);
	CHECK_EQ_U64(io.size, 0x230);	/* DMAR_REG_SIZE */
	CHECK_EQ_U64(n, 5);
	if (n == 5) {
		CHECK_EQ_U64(p[0].start, 0);
		CHECK_EQ_U64(p[0].size, 0xa0000);
		CHECK_STR(p[0].name, "pc.ram");
		CHECK_EQ_U64(p[1].start, 0xca000);
		CHECK_EQ_U64(p[1].size, 0x3000);
		CHECK_EQ_U64(p[1].offset, 0xca000);
		CHECK_EQ_U64(p[2].start, 0xe8000);
		CHECK_EQ_U64(p[3].start, 0x100000);
		CHECK_EQ_U64(p[3].size, 0x7ff00000);
		CHECK_EQ_U64(p[4].start, 0x100000000ULL);
		CHECK_EQ_U64(p[4].size, 0xc0000000ULL);
		CHECK_EQ_U64(p[4].offset, 0x80000000ULL);
		CHECK_STR(p[4].name, "pc.ram");
	}
	free(p);

	CHECK(qmp_parse_mtree_flat(mtree_256, &p, &n, &io, err, sizeof(err)) == 0);
	CHECK(io.found);
	CHECK_EQ_U64(io.base, 0xfed90000);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK_EQ_U64(p[0].size, 0xa0000);
		CHECK_EQ_U64(p[1].start, 0x100000);
		CHECK_EQ_U64(p[1].size, 0xff00000);
		CHECK_STR(p[1].name, "pc.ram");
	}
	free(p);

	/* no intel_iommu; a partly covered one gives start - offset */
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram\n",
				   &p, &n, &io, err, sizeof(err)) == 0);
	CHECK(!io.found);
	free(p);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram\n"
				   "  00000000fed90100-00000000fed9022f (prio 0, i/o): intel_iommu @0000000000000100\n",
				   &p, &n, &io, err, sizeof(err)) == 0);
	CHECK(io.found);
	CHECK_EQ_U64(io.base, 0xfed90000);
	CHECK_EQ_U64(io.size, 0x230);
	free(p);
	/* an offset beyond the start names no base */
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram\n"
				   "  0000000000000100-000000000000022f (prio 0, i/o): intel_iommu @0000000000001000\n",
				   &p, &n, &io, err, sizeof(err)) == 0);
	CHECK(!io.found);
	free(p);

	/* no "memory" view, no RAM, garbage, overlaps */
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"I/O\", root: io\n"
				   "  0000000000000000-0000000000000007 (prio 0, ram): x\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(strstr(err, "\"memory\"") != NULL);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  00000000fffc0000-00000000ffffffff (prio 0, rom): pc.bios\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-000000000009ffff (prio 0 ram): pc.ram\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  00000000000a0000-000000000009ffff (prio 0, ram): pc.ram\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-0000000000ffffff (prio 0, ram): a\n"
				   "  0000000000800000-0000000001ffffff (prio 0, ram): b\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_mtree_flat("FlatView #0\n AS \"memory\", root: system\n"
				   "  0000000000000000-ffffffffffffffff (prio 0, ram): all\n",
				   &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_mtree_flat("", &p, &n, &io, err, sizeof(err)) == -EPROTO);
	CHECK(p == NULL && n == 0);
}

/* ------------------------------------------------------------------------ */
/* gpa2hva                                                                  */

static void test_gpa2hva(void)
{
	uint64_t hva = 0;
	char name[64], err[256];

	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram) is 0x7f365bf00000\r\n",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == 0);
	CHECK_EQ_U64(hva, 0x7f365bf00000ULL);
	CHECK_STR(name, "pc.ram");
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x0 (odd (name)) is 0x1000\n",
				0, &hva, name, sizeof(name), err, sizeof(err)) == 0);
	CHECK_STR(name, "odd (name)");
	CHECK(qmp_parse_gpa2hva("Memory at address 0xfed90000 is not RAM\r\n",
				0xfed90000, &hva, name, sizeof(name), err, sizeof(err)) == -EFAULT);
	CHECK(qmp_parse_gpa2hva("No memory is mapped at address 0x20000000\r\n",
				0x20000000, &hva, name, sizeof(name), err, sizeof(err)) == -EFAULT);
	/* the wrong address, junk, truncation, a name too long */
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x200000 (pc.ram) is 0x7f365bf00000\r\n",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram) is 0x7f365bf0000g\r\n",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram) is \r\n",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram) is 0x1\r\nmore\r\n",
				0x100000, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("Host virtual address for 0x100000 (pc.ram) is 0x1\r\n",
				0x100000, &hva, name, 4, err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("", 0, &hva, name, sizeof(name), err, sizeof(err)) == -EPROTO);
	CHECK(qmp_parse_gpa2hva("unknown command: 'gpa2hva'\r\n", 0, &hva, name, sizeof(name),
				err, sizeof(err)) == -EPROTO);
}

/* ------------------------------------------------------------------------ */
/* The allowlist                                                            */

static int check_hmp(const char *line)
{
	struct json_object *a = json_object_new_object();
	char why[256];
	int rc;

	json_object_object_add(a, "command-line", json_object_new_string(line));
	rc = qmp_check_allowed("human-monitor-command", a, why, sizeof(why));
	json_object_put(a);
	return rc;
}

/* Lines as the kernel writes /proc/PID/maps (show_map_vma). */
static void test_maps_cover(void)
{
	static const char maps[] =
		"55d0c0a00000-55d0c0b00000 r--p 00000000 fe:01 1234   /usr/bin/qemu-system-x86_64\n"
		"7f0000000000-7f0010000000 rw-p 00000000 00:00 0 \n"
		"7f0010000000-7f0020000000 rw-s 00000000 00:01 77     /memfd:pc.ram (deleted)\n"
		"7f0030000000-7f0030001000 ---p 00000000 00:00 0 \n"
		"7ffd0000000-7ffd0021000 rw-p 00000000 00:00 0        [stack]\n";

	/* inside one mapping, to its very end, across two adjacent ones */
	CHECK(procmem_maps_cover(maps, 0x7f0000001000ULL, 0x1000));
	CHECK(procmem_maps_cover(maps, 0x7f0000000000ULL, 0x10000000));
	CHECK(procmem_maps_cover(maps, 0x7f000fff0000ULL, 0x20000));
	CHECK(procmem_maps_cover(maps, 0x7f0000000000ULL, 0x20000000));
	/* past the end, into the gap, from before, wrapping, empty */
	CHECK(!procmem_maps_cover(maps, 0x7f0000000000ULL, 0x20000001));
	CHECK(!procmem_maps_cover(maps, 0x7f0020000000ULL, 0x1000));
	CHECK(!procmem_maps_cover(maps, 0x7effffff0000ULL, 0x20000));
	CHECK(!procmem_maps_cover(maps, 0xfffffffffffff000ULL, 0x2000));
	CHECK(!procmem_maps_cover(maps, 0x7f0000000000ULL, 0));
	CHECK(!procmem_maps_cover(NULL, 0x7f0000000000ULL, 1));
	CHECK(!procmem_maps_cover("garbage\n\n-\nzz-yy\n", 0, 1));
	CHECK(!procmem_maps_cover("", 0, 1));
}

static void test_allowlist(void)
{
	static const char *const good_hmp[] = {
		"xp /512gx 0x1000", "xp /1wx 0xfed90000", "xp /gx 4096", "xp 0x1000",
		"xp  /2gx\t0x1000", "info mtree", "info mtree -f", "info mtree -f -o",
		"info mtree -f -d -o -D", "info pci", "info qtree", "info status",
		"info version", "gpa2hva 0x100000", "gpa2hva 1048576",
	};
	static const char *const bad_hmp[] = {
		"quit", "q", "stop", "cont", "system_reset", "info registers", "x /2gx 0x1000",
		"xp /2gx $eax", "xp /2gx 0x1000+8", "xp /2gx 0x1000 0x2000", "xp /2i 0x1000",
		"xp /2gx 0x1000; quit", "xp /2gx 0x1000\nquit", "xp /2gx 0x1000\rquit",
		"info mtree -f quit", "info mtree -x", "info mtree -", "info pci x",
		"info", "info migrate", "gpa2hva", "gpa2hva 0x10000000000000000",
		"pmemsave 0 4096 /tmp/x", "dump-guest-memory /tmp/x", "memsave 0 1 /tmp/x",
		"", "   ", "xp /2gxx 0x1000", "xp /2ggx 0x1000", "xp 2gx",
	};
	char why[256];
	struct json_object *a;

	for (size_t i = 0; i < sizeof(good_hmp) / sizeof(*good_hmp); i++) {
		if (!qmp_hmp_allowed(good_hmp[i]))
			fprintf(stderr, "should allow: %s\n", good_hmp[i]);
		CHECK(qmp_hmp_allowed(good_hmp[i]));
		CHECK(check_hmp(good_hmp[i]) == 0);
	}
	for (size_t i = 0; i < sizeof(bad_hmp) / sizeof(*bad_hmp); i++) {
		if (qmp_hmp_allowed(bad_hmp[i]))
			fprintf(stderr, "should refuse: %s\n", bad_hmp[i]);
		CHECK(!qmp_hmp_allowed(bad_hmp[i]));
		CHECK(check_hmp(bad_hmp[i]) == -EPERM);
	}

	CHECK(qmp_check_allowed("query-pci", NULL, why, sizeof(why)) == 0);
	CHECK(qmp_check_allowed("qom-get", NULL, why, sizeof(why)) == 0);
	CHECK(qmp_check_allowed("quit", NULL, why, sizeof(why)) == -EPERM);
	CHECK_STR(why, "refused: quit is not read-only");
	CHECK(qmp_check_allowed("stop", NULL, why, sizeof(why)) == -EPERM);
	CHECK(qmp_check_allowed("pmemsave", NULL, why, sizeof(why)) == -EPERM);
	CHECK(qmp_check_allowed("dump-guest-memory", NULL, why, sizeof(why)) == -EPERM);
	CHECK(qmp_check_allowed("qom-set", NULL, why, sizeof(why)) == -EPERM);
	CHECK(qmp_check_allowed("query-pci\n", NULL, why, sizeof(why)) == -EPERM);
	CHECK(check_hmp("system_reset") == -EPERM);

	/* human-monitor-command's own arguments */
	CHECK(qmp_check_allowed("human-monitor-command", NULL, why, sizeof(why)) == -EPERM);
	a = json_object_new_object();
	json_object_object_add(a, "command-line", json_object_new_int(3));
	CHECK(qmp_check_allowed("human-monitor-command", a, why, sizeof(why)) == -EPERM);
	json_object_put(a);
	a = json_object_new_object();
	json_object_object_add(a, "command-line", json_object_new_string("info pci"));
	json_object_object_add(a, "cpu-index", json_object_new_int(0));
	CHECK(qmp_check_allowed("human-monitor-command", a, why, sizeof(why)) == 0);
	json_object_object_add(a, "other", json_object_new_int(0));
	CHECK(qmp_check_allowed("human-monitor-command", a, why, sizeof(why)) == -EPERM);
	json_object_put(a);
	/* an embedded NUL hides nothing */
	a = json_object_new_object();
	json_object_object_add(a, "command-line",
			       json_object_new_string_len("info pci\0quit", 13));
	CHECK(qmp_check_allowed("human-monitor-command", a, why, sizeof(why)) == -EPERM);
	json_object_put(a);
	a = json_object_new_array();
	CHECK(qmp_check_allowed("query-pci", a, why, sizeof(why)) == -EPERM);
	json_object_put(a);
}

/* ------------------------------------------------------------------------ */
/* A fake QMP server on a socketpair                                        */

enum mode {
	M_OK,		/* a well-behaved QEMU */
	M_EVENTS,	/* events before and after every reply */
	M_BAD_HVA,	/* gpa2hva answers addresses that are not mapped */
	M_NAME,		/* gpa2hva answers another RAMBlock's name */
	M_NOT_QMP,	/* the greeting lacks "QMP" */
	M_GARBAGE,	/* the greeting is not JSON */
	M_NO_MTREE,	/* info mtree -f has no intel_iommu */
	M_BAD_XP,	/* xp answers with a wrong line address */
};

#define RAM_LO	0xa0000ULL			/* 0 .. 0x9ffff */
#define RAM_HI	0x100000ULL			/* 0x100000 .. 0x1fffff */
#define MEMSZ	0x200000ULL
static uint8_t guestmem[MEMSZ];			/* guest RAM, hva = guestmem + gpa */
static const uint64_t regs[] = { 0x10, 0x00d2008c22260206ULL, 0x0000480080f00f4aULL };

static bool is_ram(uint64_t a, uint64_t n)
{
	return (a + n <= RAM_LO) || (a >= RAM_HI && a + n <= MEMSZ);
}

static void emit(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			_exit(4);
		s += w;
		n -= w;
	}
}

static void reply(int fd, struct json_object *id, struct json_object *ret, enum mode m)
{
	struct json_object *o = json_object_new_object();
	const char *t;
	static const char ev[] =
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n";

	json_object_object_add(o, "return", ret);
	json_object_object_add(o, "id", json_object_get(id));
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (m == M_EVENTS)
		emit(fd, ev, strlen(ev));
	emit(fd, t, strlen(t));
	emit(fd, "\r\n", 2);
	if (m == M_EVENTS)
		emit(fd, ev, strlen(ev));
	json_object_put(o);
}

static char *xp_text(uint64_t addr, unsigned long cnt, char size, enum mode m)
{
	unsigned bytes = size == 'g' ? 8 : 4, per = 16 / bytes;
	size_t cap = cnt * 40 + 64, len = 0;
	char *s = malloc(cap);

	for (unsigned long i = 0; i < cnt; i += per) {
		uint64_t a = addr + i * bytes;

		len += sprintf(s + len, "%016" PRIx64 ":", m == M_BAD_XP && i ? a + 16 : a);
		for (unsigned long j = i; j < cnt && j < i + per; j++) {
			uint64_t x = addr + j * bytes, v = 0;

			if (x >= 0xfed90000 && x < 0xfed90018) {
				v = regs[(x - 0xfed90000) / 8];
				if (bytes == 4)
					v = (x & 4) ? v >> 32 : (uint32_t)v;
			} else if (is_ram(x, bytes)) {
				for (unsigned k = 0; k < bytes; k++)
					v |= (uint64_t)guestmem[x + k] << (8 * k);
			} else {
				len += sprintf(s + len, " Cannot access memory");
				break;
			}
			len += sprintf(s + len, bytes == 8 ? " 0x%016" PRIx64 : " 0x%08" PRIx64, v);
		}
		len += sprintf(s + len, "\r\n");
	}
	return s;
}

static const char fake_mtree[] =
	"FlatView #0\r\n AS \"memory\", root: system\r\n Root memory region: system\r\n"
	"  0000000000000000-000000000009ffff (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem\r\n"
	"  00000000000c0000-00000000000fffff (prio 0, rom): pc.ram @00000000000c0000\r\n"
	"  0000000000100000-00000000001fffff (prio 0, ram): pc.ram @0000000000100000 owner:{obj path=/objects/pc.ram}\r\n"
	"  00000000fd000000-00000000fdffffff (prio 1, ram): vga.vram owner:{dev path=/machine/unattached/device[28]}\r\n"
	"%s\r\n";
static const char fake_iommu[] =
	"  00000000fed90000-00000000fed9022f (prio 0, i/o): intel_iommu owner:{dev path=/machine/peripheral-anon/device[0]}";

static void server_hmp(int fd, struct json_object *id, const char *line, enum mode m)
{
	unsigned long cnt;
	uint64_t a;
	char size, out[4096];

	if (!qmp_hmp_allowed(line))
		_exit(3);	/* the allowlist let something through */
	if (!strcmp(line, "info mtree -f -o")) {
		snprintf(out, sizeof(out), fake_mtree, m == M_NO_MTREE ? "" : fake_iommu);
		reply(fd, id, json_object_new_string(out), m);
	} else if (sscanf(line, "xp /%lu%cx 0x%" SCNx64, &cnt, &size, &a) == 3) {
		char *t = xp_text(a, cnt, size, m);

		reply(fd, id, json_object_new_string(t), m);
		free(t);
	} else if (sscanf(line, "gpa2hva 0x%" SCNx64, &a) == 1) {
		uint64_t hva = (uintptr_t)guestmem + a;

		if (m == M_BAD_HVA)
			hva = 0x1000 + a;
		if (!is_ram(a, 1))
			snprintf(out, sizeof(out), "Memory at address 0x%" PRIx64 " is not RAM\r\n", a);
		else
			snprintf(out, sizeof(out), "Host virtual address for 0x%" PRIx64
				 " (%s) is 0x%" PRIx64 "\r\n", a,
				 m == M_NAME ? "other.ram" : "pc.ram", hva);
		reply(fd, id, json_object_new_string(out), m);
	} else {
		snprintf(out, sizeof(out), "unknown command: '%s'\r\n", line);
		reply(fd, id, json_object_new_string(out), m);
	}
}

static void server(int fd, enum mode m)
{
	static const char greeting[] =
		"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7},"
		" \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n";
	static char buf[1 << 16];
	size_t len = 0;

	if (m == M_NOT_QMP)
		emit(fd, "{\"hello\": {}}\r\n", 15);
	else if (m == M_GARBAGE)
		emit(fd, "QEMU 7.2.22 monitor - type 'help'\r\n", 35);
	else
		emit(fd, greeting, strlen(greeting));
	for (;;) {
		char *nl = memchr(buf, '\n', len);
		ssize_t r;

		if (!nl) {
			if (len == sizeof(buf))
				_exit(5);
			r = read(fd, buf + len, sizeof(buf) - len);
			if (r <= 0)
				_exit(0);
			len += r;
			continue;
		}
		*nl = 0;

		struct json_object *req = json_tokener_parse(buf), *ex, *id, *args, *cl;
		const char *cmd;

		if (!req || !json_object_object_get_ex(req, "execute", &ex) ||
		    !json_object_object_get_ex(req, "id", &id))
			_exit(6);
		cmd = json_object_get_string(ex);
		if (!strcmp(cmd, "qmp_capabilities")) {
			reply(fd, id, json_object_new_object(), m);
		} else if (!strcmp(cmd, "human-monitor-command") &&
			   json_object_object_get_ex(req, "arguments", &args) &&
			   json_object_object_get_ex(args, "command-line", &cl)) {
			server_hmp(fd, id, json_object_get_string(cl), m);
		} else if (!strcmp(cmd, "query-status")) {
			reply(fd, id, json_tokener_parse("{\"status\": \"paused\", \"running\": false}"), m);
		} else if (!strcmp(cmd, "qom-get")) {
			static const char e[] = "{\"error\": {\"class\": \"GenericError\", \"desc\": "
				"\"Property 'x' not found\"}, \"id\": ";
			const char *t = json_object_to_json_string(id);

			emit(fd, e, strlen(e));
			emit(fd, t, strlen(t));
			emit(fd, "}\r\n", 3);
		} else if (!strcmp(cmd, "query-commands")) {	/* wrong id */
			emit(fd, "{\"return\": [], \"id\": \"nope\"}\r\n", 30);
		} else if (!strcmp(cmd, "qom-list-types")) {	/* too big */
			static char big[20000];

			memset(big, 'a', sizeof(big) - 1);
			reply(fd, id, json_object_new_string(big), m);
		} else if (!strcmp(cmd, "query-pci")) {		/* closes mid-reply */
			emit(fd, "{\"return\": [{\"bus\": 0, ", 23);
			_exit(0);
		} else if (!strcmp(cmd, "query-version")) {	/* hangs */
			pause();
		} else {
			_exit(3);
		}
		json_object_put(req);
		len -= nl + 1 - buf;
		memmove(buf, nl + 1, len);
	}
}

static pid_t child;
/* The server's end, kept open here too: SO_PEERCRED of a socketpair names
 * its creator (this process, whose memory holds the guest's), and
 * /proc/PID/mem is read only of a process that holds the other end. -1:
 * closed, as a process that handed the socket on. */
static int kept_end = -1;
static bool keep_end = true;

static struct vtd_source *fake_open(enum mode m, bool no_proc, int timeout,
				    char *err, size_t errlen)
{
	struct qmp_open_opts o = { .timeout_ms = timeout, .no_proc_mem = no_proc };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return NULL;
	child = fork();
	if (child == 0) {
		close(sv[0]);
		server(sv[1], m);
		_exit(0);
	}
	if (keep_end && !no_proc)	/* (it would hide the server's close) */
		kept_end = sv[1];
	else
		close(sv[1]);
	return qmp_source_open_fd(sv[0], "fake", &o, err, errlen);
}

/* Reap the server; true if it ended cleanly: its own exit codes (3: a
 * refused command reached it, 5, 6: a bad request) are the failures. Our
 * SIGTERM, or SIGPIPE when the client closed while it was still writing,
 * are clean ends. A failure says how the server ended. */
static bool fake_done(void)
{
	int st = 0;
	bool clean;

	if (kept_end >= 0)
		close(kept_end);
	kept_end = -1;
	if (child <= 0)
		return false;
	kill(child, SIGTERM);
	waitpid(child, &st, 0);
	child = 0;
	clean = (WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
		(WIFSIGNALED(st) && (WTERMSIG(st) == SIGTERM ||
				     WTERMSIG(st) == SIGPIPE));
	if (!clean)
		fprintf(stderr, "fake server: %s %d\n",
			WIFEXITED(st) ? "exit" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return clean;
}

static bool mem_equal(const uint8_t *b, uint64_t gpa, size_t n)
{
	return !memcmp(b, guestmem + gpa, n);
}

static void test_reads(enum mode m, bool no_proc, const char *want_access)
{
	static uint8_t buf[128 * 1024 + 64];
	char err[512];
	struct vtd_source *s = fake_open(m, no_proc, 5000, err, sizeof(err));
	uint64_t v = 0;
	unsigned long calls;

	CHECK(s != NULL);
	if (!s) {
		fprintf(stderr, "open: %s\n", err);
		fake_done();
		return;
	}
	CHECK_STR(s->ops->kind, "qmp");
	CHECK_EQ_U64(s->nr_ram, 2);
	CHECK_EQ_U64(s->ram[0].start, 0);
	CHECK_EQ_U64(s->ram[0].size, RAM_LO);
	CHECK_EQ_U64(s->ram[1].start, RAM_HI);
	CHECK_EQ_U64(s->ram[1].size, MEMSZ - RAM_HI);
	CHECK_EQ_U64(s->mmio_base, 0xfed90000);
	CHECK(!qmp_mmio_base_defaulted(s));
	CHECK_EQ_U64(qmp_peer_pid(s), getpid());	/* socketpair: its creator */

	CHECK(source_read_reg(s, 0, 32, &v) == 0);
	CHECK_EQ_U64(v, 0x10);
	CHECK(source_read_reg(s, 8, 64, &v) == 0);
	CHECK_EQ_U64(v, regs[1]);
	CHECK(source_read_reg(s, 0xc, 32, &v) == 0);
	CHECK_EQ_U64(v, regs[1] >> 32);
	CHECK(source_read_reg(s, 0x10, 64, &v) == 0);
	CHECK_EQ_U64(v, regs[2]);

	/* whole tables, both RAM pieces */
	CHECK(source_read(s, 0x1000, buf, 4096) == 0);
	CHECK(mem_equal(buf, 0x1000, 4096));
	CHECK(source_read(s, 0x120000, buf, 128 * 1024) == 0);
	CHECK(mem_equal(buf, 0x120000, 128 * 1024));
	/* a second read in the same piece costs one call at most (xp) */
	calls = s->nr_calls;
	CHECK(source_read(s, 0x150000, buf, 4096) == 0);
	CHECK(mem_equal(buf, 0x150000, 4096));
	CHECK(s->nr_calls - calls == (strcmp(want_access, "xp") ? 0 : 1));
	/* unaligned slices */
	CHECK(source_read(s, 0x1003, buf, 13) == 0);
	CHECK(mem_equal(buf, 0x1003, 13));
	CHECK(source_read(s, 0x9fff9, buf, 7) == 0);
	CHECK(mem_equal(buf, 0x9fff9, 7));
	CHECK(source_read(s, 0x100001, buf, 1) == 0);
	CHECK(mem_equal(buf, 0x100001, 1));
	CHECK(source_read(s, 0x1ffff0, buf, 16) == 0);
	CHECK(mem_equal(buf, 0x1ffff0, 16));
	/* not RAM: ROM, a device's RAM BAR, beyond the end, a straddle */
	CHECK(source_read(s, 0xc0000, buf, 8) == -EFAULT);
	CHECK(source_read(s, 0xfd000000, buf, 8) == -EFAULT);
	CHECK(source_read(s, MEMSZ, buf, 8) == -EFAULT);
	CHECK(source_read(s, RAM_LO - 8, buf, 16) == -EFAULT);
	CHECK_STR(s->access, want_access);

	/* refused commands never reach the server (it would exit 3) */
	calls = s->nr_calls;
	char *out = NULL;

	CHECK(qmp_hmp(s, "quit", &out) == -EPERM);
	CHECK(out == NULL);
	CHECK_STR(s->error, "refused: quit is not read-only");
	CHECK(qmp_command(s, "stop", NULL, NULL) == -EPERM);
	CHECK_STR(s->error, "refused: stop is not read-only");
	CHECK(qmp_hmp(s, "xp /1gx 0x1000; quit", &out) == -EPERM);
	CHECK_EQ_U64(s->nr_calls, calls);

	/* an allowed command, an error reply (the session goes on) */
	struct json_object *ret = NULL, *st;

	CHECK(qmp_command(s, "query-status", NULL, &ret) == 0);
	CHECK(json_object_is_type(ret, json_type_object) &&
	      json_object_object_get_ex(ret, "status", &st) &&
	      !strcmp(json_object_get_string(st), "paused"));
	json_object_put(ret);
	CHECK(qmp_command(s, "qom-get", NULL, &ret) == -EIO);
	CHECK(ret == NULL);
	CHECK(strstr(s->error, "GenericError: Property 'x' not found") != NULL);
	CHECK(qmp_hmp(s, "info status", &out) == 0);
	CHECK(out && strstr(out, "unknown command"));
	free(out);

	int maj = 0, min = 0, mic = 0;
	const char *pkg = NULL;

	CHECK(qmp_qemu_version(s, &maj, &min, &mic, &pkg) == 0);
	CHECK(maj == 7 && min == 2 && mic == 22);
	CHECK_STR(pkg, "fake");

	source_close(s);
	CHECK(fake_done());
}

static void test_failures(void)
{
	char err[512];
	struct vtd_source *s;
	uint8_t buf[64];
	struct json_object *ret = NULL;

	/* not QMP */
	s = fake_open(M_NOT_QMP, true, 2000, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "not a QMP server") != NULL);
	fake_done();
	s = fake_open(M_GARBAGE, true, 2000, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "not a QMP server") != NULL);
	/* the text is HMP's greeting: say which monitor it is */
	CHECK(strstr(err, "human monitor (HMP)") != NULL);
	fake_done();

	/* no intel_iommu in the memory map: the VM has none, said at open
	 * (as --vm says it), not an error on every read of the registers */
	s = fake_open(M_NO_MTREE, true, 2000, err, sizeof(err));
	CHECK(s == NULL);
	CHECK(strstr(err, "has no Intel IOMMU") != NULL);
	if (s)
		source_close(s);
	fake_done();

	/* a wrong address in xp output is an error, never zeros */
	s = fake_open(M_BAD_XP, true, 2000, err, sizeof(err));
	CHECK(s != NULL);
	if (s) {
		memset(buf, 0, sizeof(buf));
		CHECK(source_read(s, 0x1000, buf, 64) == -EPROTO);
		CHECK(strstr(s->error, "expected 0x1010") != NULL);
		source_close(s);
	}
	fake_done();

	/* transport failures */
	s = fake_open(M_OK, true, 300, err, sizeof(err));
	CHECK(s != NULL);
	if (!s) {
		fake_done();
		return;
	}
	CHECK(qmp_command(s, "query-commands", NULL, &ret) == -EPROTO);	/* wrong id */
	CHECK(strstr(s->error, "id") != NULL);
	CHECK(qmp_command(s, "query-status", NULL, &ret) == -EPIPE);	/* unusable now */
	source_close(s);
	fake_done();

	s = fake_open(M_OK, true, 300, err, sizeof(err));
	if (s) {
		qmp_set_reply_limit(s, 4096);
		CHECK(qmp_command(s, "qom-list-types", NULL, &ret) == -EPROTO);
		CHECK(strstr(s->error, "larger than 4096") != NULL);
		source_close(s);
	}
	fake_done();

	s = fake_open(M_OK, true, 300, err, sizeof(err));
	if (s) {
		CHECK(qmp_command(s, "query-version", NULL, &ret) == -ETIMEDOUT);
		CHECK(strstr(s->error, "300 ms") != NULL);
		source_close(s);
	}
	fake_done();

	s = fake_open(M_OK, true, 2000, err, sizeof(err));
	if (s) {
		CHECK(qmp_command(s, "query-pci", NULL, &ret) == -ECONNRESET);
		CHECK_STR(s->error, "QMP connection closed");
		CHECK(source_read(s, 0x1000, buf, 8) == -EPIPE);
		source_close(s);
	}
	fake_done();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < MEMSZ; i++)
		guestmem[i] = (uint8_t)(i * 7 + (i >> 8) * 13 + (i >> 16) + 1);

	test_xp();
	test_mtree();
	test_gpa2hva();
	test_maps_cover();
	test_allowlist();
	test_reads(M_OK, true, "xp");
	test_reads(M_EVENTS, true, "xp");
	test_reads(M_OK, false, "proc-mem");
	test_reads(M_EVENTS, false, "proc-mem");
	test_reads(M_BAD_HVA, false, "xp");	/* not mapped: falls back */
	test_reads(M_NAME, false, "xp");	/* another RAMBlock */
	keep_end = false;	/* the creator holds no end: not the peer */
	test_reads(M_OK, false, "xp");
	keep_end = true;
	test_failures();
	return unit_summary();
}
