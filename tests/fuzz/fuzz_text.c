// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: the other text parsers of untrusted input: QEMU's
 * `info mtree -o -D` for address spaces (host_parse_mtree), `info qtree` for
 * the vIOMMU's options (vtd_vmm_parse_qtree), and the shell's line splitter
 * (shell_split, user input).
 *
 * Input: byte 0 selects the parser (mod 3); the rest is the text.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/host.h"
#include "cli/shell.h"
#include "vmm/vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mtree(const char *text)
{
	struct mtree_info mi;
	char err[256];

	memset(&mi, 0, sizeof(mi));
	if (host_parse_mtree(text, &mi, err, sizeof(err)) == 0)
		host_mtree_free(&mi);
}

static void qtree(const char *text)
{
	struct vtd_vmm v;

	memset(&v, 0, sizeof(v));
	vtd_vmm_parse_qtree(text, &v);
	if (v.nr_props > VTD_VMM_MAX_PROPS)
		abort();
}

static void split(const char *text)
{
	const char *err = NULL;
	char **argv = NULL;
	int n = shell_split(text, &argv, &err);

	if (n < 0) {
		if (!err)
			abort();	/* a failure always says why */
		return;
	}
	for (int i = 0; i < n; i++)
		if (!argv[i])
			abort();
	if (argv[n])
		abort();
	shell_free_args(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	switch (data[0] % 3) {
	case 0: mtree(text); break;
	case 1: qtree(text); break;
	default: split(text); break;
	}
	free(text);
	return 0;
}
