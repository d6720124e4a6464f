// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: which of the command-specific options a command reads. An option
 * given to a command that does not read it is said on stderr (a warning:
 * the command still runs), as bpftool refuses what a command does not take.
 * The target options, -j -p -v, --timeout, --no-host and --no-proc-mem
 * apply wherever a target is opened and are not checked here.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

enum {
	A_SLOT = 1u << 0,	/* -s */
	A_PASID = 1u << 1,	/* --pasid */
	A_DID = 1u << 2,	/* --did */
	A_COUNT = 1u << 3,	/* -n */
	A_OUTPUT = 1u << 4,	/* -o */
	A_INTERVAL = 1u << 5,	/* -i */
	A_PAGES = 1u << 6,	/* --pages */
	A_WALK = 1u << 7,	/* --consistent, --pause */
	A_RECORD = 1u << 8,	/* --duration, --max-size, --keep, --keyframe */
	A_SPAN = 1u << 9,	/* --since, --until */
	A_ALL = ~0u,		/* shell, batch: their lines say */
};

#define FILTERS (A_SLOT | A_PASID | A_DID)

static const struct {
	const char *cmd;
	unsigned applies;
} table[] = {
	{ "dump", FILTERS | A_PAGES | A_WALK },
	{ "check", FILTERS | A_WALK },
	{ "xlate", A_SLOT | A_PASID | A_WALK },
	{ "ir", A_SLOT },
	{ "diff", FILTERS },
	{ "iq", A_COUNT },
	{ "snapshot", FILTERS | A_OUTPUT | A_PAGES | A_WALK },
	{ "record", A_OUTPUT | A_INTERVAL | A_RECORD },
	{ "watch", FILTERS | A_COUNT | A_INTERVAL },
	{ "log", A_SLOT | A_PASID | A_SPAN },
	{ "timeline", A_SLOT | A_PASID | A_OUTPUT | A_SPAN },
	{ "shell", A_ALL },
	{ "batch", A_ALL },
};

static const struct global_opts *base;	/* the shell's own, or NULL */
static bool checked;

void cli_options_check_reset(const struct global_opts *b)
{
	base = b;
	checked = false;
}

static unsigned given(const struct global_opts *o)
{
	const struct vtd_filter *f = &o->walk.filter;

	return (vtd_filter_has_slot(f) ? A_SLOT : 0) |
	       (f->pasid >= 0 ? A_PASID : 0) | (f->did >= 0 ? A_DID : 0) |
	       (o->count >= 0 ? A_COUNT : 0) | (o->output ? A_OUTPUT : 0) |
	       (o->interval_ms > 0 ? A_INTERVAL : 0) | (o->pages ? A_PAGES : 0) |
	       (o->consistent || o->pause ? A_WALK : 0) |
	       (o->duration_ms || o->max_size || o->keep >= 0 || o->keyframe_ms ?
		A_RECORD : 0) |
	       (o->since || o->until ? A_SPAN : 0);
}

static const char *option_name(unsigned bit)
{
	switch (bit) {
	case A_SLOT: return "-s";
	case A_PASID: return "--pasid";
	case A_DID: return "--did";
	case A_COUNT: return "-n";
	case A_OUTPUT: return "-o";
	case A_INTERVAL: return "-i";
	case A_PAGES: return "--pages";
	case A_SPAN: return "--since/--until";
	case A_WALK: return "--consistent/--pause";
	default: return "--duration/--max-size/--keep/--keyframe";
	}
}

void cli_options_check(const char *cmd)
{
	unsigned applies = 0, extra;

	if (checked)
		return;
	checked = true;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].cmd, cmd))
			applies = table[i].applies;
	extra = given(&g) & ~(base ? given(base) : 0) & ~applies;
	for (unsigned bit = 1; extra; bit <<= 1) {
		if (!(extra & bit))
			continue;
		extra &= ~bit;
		fflush(stdout);
		fprintf(stderr, "vtdctl: warning: %s does not apply to %s (ignored; see 'vtdctl help %s')\n",
			option_name(bit), cmd, cmd);
	}
}
