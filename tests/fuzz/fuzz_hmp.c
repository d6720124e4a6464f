// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the text QEMU sends back and the read-only allowlist:
 * qmp_parse_xp, qmp_parse_mtree_flat, qmp_parse_gpa2hva, qmp_check_allowed
 * and qmp_hmp_allowed (src/source/monitor.c).
 *
 * Input: byte 0 selects the parser (mod 5), bytes 1..8 an address, byte 9
 * a count; the rest is the text (for the allowlist: "COMMAND\0ARGS-JSON").
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_mem.h"
#include "qmp/qmp.h"

#define HDR	10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void xp(const char *text, uint64_t addr, unsigned sel)
{
	uint64_t vals[256];
	char err[256];
	size_t count = (sel % 255) + 1;

	qmp_parse_xp(text, addr, sel & 0x100 ? 32 : 64, count, vals, err,
		     sizeof(err));
}

static void mtree(const char *text)
{
	struct qmp_ram_piece *pieces = NULL;
	struct qmp_mmio_region iommu;
	size_t nr;
	char err[256];

	if (qmp_parse_mtree_flat(text, &pieces, &nr, &iommu, err,
				 sizeof(err)) == 0) {
		/* the contract: sorted and non-overlapping */
		for (size_t i = 1; i < nr; i++)
			if (pieces[i].start < pieces[i - 1].start +
					      pieces[i - 1].size)
				abort();
	}
	free(pieces);
}

static void gpa2hva(const char *text, uint64_t gpa)
{
	char name[64], err[256];
	uint64_t hva;

	qmp_parse_gpa2hva(text, gpa, &hva, name, sizeof(name), err,
			  sizeof(err));
}

static void allowlist(const char *text, size_t len)
{
	size_t n = strlen(text);
	struct json_object *args = NULL;
	char why[256];

	if (n + 1 < len)
		args = json_tokener_parse(text + n + 1);
	qmp_check_allowed(text, args, why, sizeof(why));
	json_object_put(args);
	qmp_hmp_allowed(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t addr;
	unsigned sel;
	char *text;

	if (size < HDR)
		return 0;
	addr = fuzz_le64(data + 1);
	sel = data[9] | (data[0] & 0x80 ? 0x100 : 0);
	text = malloc(size - HDR + 1);
	if (!text)
		return 0;
	memcpy(text, data + HDR, size - HDR);
	text[size - HDR] = '\0';
	switch (data[0] % 5) {
	case 0: xp(text, addr, sel); break;
	case 1: mtree(text); break;
	case 2: gpa2hva(text, addr); break;
	case 3: allowlist(text, size - HDR); break;
	default: xp(text, addr & ~7ULL, sel); mtree(text); break;
	}
	free(text);
	return 0;
}
