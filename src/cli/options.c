// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the command line's options, parsed into g. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "output/color.h"

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/* One part of -s: "" or "*" leave it -1 (any); else hex digits only, the
 * value at most max. false when it is not such a number. */
static bool slot_part(const char *s, unsigned long max, int *out)
{
	unsigned long v = 0;

	if (!s || !s[0] || !strcmp(s, "*"))
		return true;
	for (; *s; s++) {
		if (!isxdigit((unsigned char)*s))
			return false;
		v = v << 4 | (unsigned long)(isdigit((unsigned char)*s) ? *s - '0' :
					      tolower((unsigned char)*s) - 'a' + 10);
		if (v > max)
			return false;
	}
	*out = (int)v;
	return true;
}

/* Split s in place at sep into at most n fields (NULL past the last one);
 * false when there are more. */
static bool split_fields(char *s, int sep, char **fields, int n)
{
	int i = 0;

	for (;;) {
		if (i == n)
			return false;
		fields[i++] = s;
		s = strchr(s, sep);
		if (!s)
			break;
		*s++ = 0;
	}
	while (i < n)
		fields[i++] = NULL;
	return true;
}

/*
 * -s as lspci reads it (pciutils 3.8 and later, lib/filter.c):
 * [[[DOMAIN]:]BUS:][SLOT][.[FUNC]], hex digits, each part may be empty or
 * "*" (any). Three ':'-fields are domain, bus, slot.func; two are bus and
 * slot.func. Fills the -s part of f; returns NULL, or what is wrong in
 * lspci's words.
 */
const char *cli_parse_slot(const char *arg, struct vtd_filter *f)
{
	char buf[64], *fld[3], *sf[2], *dev;
	struct vtd_filter n = *f;
	int i = 0;

	if (strlen(arg) >= sizeof(buf))
		return "expression too long";
	strcpy(buf, arg);
	if (!split_fields(buf, ':', fld, 3))
		return "too many fields";
	n.domain = n.bus = n.slot = n.func = -1;
	if (fld[2] && !slot_part(fld[i++], 0x7fffffff, &n.domain))
		return "invalid domain number";
	if (fld[i + 1] && !slot_part(fld[i++], 0xff, &n.bus))
		return "invalid bus number";
	dev = fld[i];
	if (dev[0] && strcmp(dev, "*")) {
		if (!split_fields(dev, '.', sf, 2))
			return "invalid slot/function number";
		if (!slot_part(sf[0], 0x1f, &n.slot))
			return "invalid slot number";
		if (!slot_part(sf[1], 7, &n.func))
			return "invalid function number";
	}
	*f = n;
	return NULL;
}

enum {
	OPT_RTADDR = 256, OPT_PASID, OPT_DID, OPT_TIMEOUT,
	OPT_NO_PROC_MEM, OPT_NO_MONITOR, OPT_ALL,
	OPT_PAGES, OPT_CONSISTENT, OPT_PAUSE, OPT_NO_HOST, OPT_COLOR,
	OPT_MAX_ENTRIES, OPT_MAX_FINDINGS, OPT_ALL_FINDINGS, OPT_MAX_RANGES,
	OPT_MAX_OUTPUT, OPT_AT, OPT_DURATION, OPT_MAX_SIZE, OPT_KEEP,
	OPT_KEYFRAME,
	OPT_SINCE, OPT_UNTIL,
	OPT_TARGET = 512,	/* + the row in the table of targets */
};

/* The options that are not targets; the targets' come from their table. */
static const struct option fixed_opts[] = {
	{ "rtaddr", required_argument, NULL, OPT_RTADDR },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "slot", required_argument, NULL, 's' },
	{ "pasid", required_argument, NULL, OPT_PASID },
	{ "did", required_argument, NULL, OPT_DID },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-proc-mem", no_argument, NULL, OPT_NO_PROC_MEM },
	{ "count", required_argument, NULL, 'n' },
	{ "connect", required_argument, NULL, 'c' },
	{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "output", required_argument, NULL, 'o' },
	{ "pages", no_argument, NULL, OPT_PAGES },
	{ "consistent", no_argument, NULL, OPT_CONSISTENT },
	{ "pause", no_argument, NULL, OPT_PAUSE },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "max-entries", required_argument, NULL, OPT_MAX_ENTRIES },
	{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
	{ "all-findings", no_argument, NULL, OPT_ALL_FINDINGS },
	{ "max-ranges", required_argument, NULL, OPT_MAX_RANGES },
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "interval", required_argument, NULL, 'i' },
	{ "at", required_argument, NULL, OPT_AT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "keyframe", required_argument, NULL, OPT_KEYFRAME },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define NR_FIXED_OPTS	(sizeof(fixed_opts) / sizeof(fixed_opts[0]))

/* The targets' options, then the fixed ones (ending in a zero entry). */
const struct option *vtdctl_long_options(void)
{
	static struct option all[CLI_NR_TARGETS + NR_FIXED_OPTS];

	if (!all[0].name) {
		for (size_t i = 0; i < CLI_NR_TARGETS; i++)
			all[i] = (struct option){ cli_target_at(i)->option,
						  required_argument, NULL,
						  OPT_TARGET + (int)i };
		memcpy(all + CLI_NR_TARGETS, fixed_opts, sizeof(fixed_opts));
	}
	return all;
}

static const char *opt_name(int val)
{
	for (const struct option *o = vtdctl_long_options(); o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

bool cli_pager_in_use;

void cli_color_setup(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	bool on = g.color == COLOR_ALWAYS;

	/* auto: a terminal (or the shell's pager), NO_COLOR unset or empty
	 * (no-color.org), a terminal that is not dumb; never in JSON */
	if (g.color == COLOR_AUTO)
		on = (cli_pager_in_use || isatty(STDOUT_FILENO)) && !(no && *no) &&
		     !(term && !strcmp(term, "dumb"));
	out_color_set(on && !g.out.json);
}

/* --max-entries, --max-findings, --max-ranges: 1 .. 2^40; --max-output
 * BYTES, with an optional K, M or G suffix (binary). */
static int parse_budget(int c, const char *arg)
{
	char *end;
	uint64_t v;
	int shift = 0;

	errno = 0;
	v = arg && *arg && *arg != '-' ? strtoull(arg, &end, 0) : 0;
	if (v && c == OPT_MAX_OUTPUT && *end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' ? 20 :
			*end == 'G' ? 30 : -1;
	if (!v || errno || shift < 0 || (*end && !shift) ||
	    v > (1ULL << 40) >> shift) {
		report_error("invalid value '%s' for option --%s (a count from 1 to 2^40%s)",
			     arg ? arg : "", opt_name(c),
			     c == OPT_MAX_OUTPUT ? ", or bytes with K, M or G" : "");
		return -1;
	}
	v <<= shift;
	if (c == OPT_MAX_ENTRIES)
		g.walk.max_entries = v;
	else if (c == OPT_MAX_FINDINGS)
		g.walk.findings.max = v;
	else if (c == OPT_MAX_RANGES)
		g.max_ranges = v;
	else
		g.out.max_output = v;
	return 0;
}

/* SECS (a fraction allowed) as ms, 1 ms .. 10 years */
static int parse_seconds(const char *arg, int64_t *ms)
{
	char *end;
	double v;

	if (!arg || !*arg || *arg == '-')
		return -1;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || *end || !(v >= 0.001) || v > 3.2e8)
		return -1;
	*ms = (int64_t)(v * 1000 + 0.5);
	return 0;
}

/* --max-size SIZE: bytes with an optional K, M or G (binary), 64 KiB to
 * the largest trace file */
static int parse_size(const char *arg, uint64_t *out)
{
	char *end;
	uint64_t v;
	int shift = 0;

	if (!arg || !*arg || *arg == '-')
		return -1;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' ? 20 :
			*end == 'G' ? 30 : -1;
	if (errno || shift < 0 || (*end && !shift) || v > (TRACE_MAX_FILE_BYTES >> shift))
		return -1;
	v <<= shift;
	if (v < 65536)
		return -1;
	*out = v;
	return 0;
}

/* The recording and replay options (record, --trace) */
static int parse_trace_opt(int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case OPT_AT:
		g.at = arg;
		return 0;
	case OPT_DURATION:
		return parse_seconds(arg, &g.duration_ms);
	case OPT_KEYFRAME:
		return parse_seconds(arg, &g.keyframe_ms);
	case OPT_MAX_SIZE:
		return parse_size(arg, &g.max_size);
	default:	/* OPT_KEEP */
		if (parse_u64(arg, &v) || v > 100)
			return -1;
		g.keep = (long)v;
		return 0;
	}
}

/* Returns 0, or -1 after printing a usage error. */
static int parse_one(int c, const char *arg)
{
	const char *msg;
	uint64_t v;

	if (c >= OPT_TARGET && c < OPT_TARGET + CLI_NR_TARGETS) {
		g.target[c - OPT_TARGET] = arg;
		return 0;
	}
	switch (c) {
	case 'j': g.out.json = true; break;
	case 'p': g.out.json = g.out.pretty = true; break;
	case 'v': g.out.verbose++; break;
	case 'h': g.help = true; break;
	case OPT_NO_PROC_MEM:
		g.qmp_opts.no_proc_mem = true;
		g.virt_opts.no_proc_mem = true;
		break;
	case 'c':	     g.virt_opts.uri = arg; break;
	case OPT_NO_MONITOR: g.virt_opts.no_monitor = true; break;
	case OPT_ALL:	     g.all = true; break;
	case 'o':	     g.output = arg; break;
	case OPT_PAGES:	     g.pages = g.out.pages = true; break;
	case OPT_CONSISTENT: g.consistent = true; break;
	case OPT_PAUSE:	     g.consistent = g.pause = true; break;
	case OPT_NO_HOST:
		g.no_host = true;
		g.virt_opts.no_monitor = true;
		break;
	case 'i':
		if (parse_u64(arg, &v) || v < 50 || v > 3600000)
			goto bad;
		g.interval_ms = v;
		break;
	case OPT_RTADDR:
		if (parse_u64(arg, &v))
			goto bad;
		g.walk.have_rtaddr = true;
		g.walk.rtaddr = v;
		break;
	case 's':
		msg = cli_parse_slot(arg, &g.walk.filter);
		g.slot_arg = arg;
		if (msg) {
			report_error("-s %s: %s (as in lspci: [[[DOMAIN]:]BUS:][SLOT][.[FUNC]], hex)",
				     arg, msg);
			return -1;
		}
		break;
	case OPT_PASID:
		if (parse_u64(arg, &v) || v >= (1u << 20))
			goto bad;
		g.walk.filter.pasid = v;
		break;
	case OPT_DID:
		if (parse_u64(arg, &v) || v > 0xffff)
			goto bad;
		g.walk.filter.did = v;
		break;
	case 'n':
		if (parse_u64(arg, &v) || v > 1000000)
			goto bad;
		g.count = v;
		break;
	case OPT_COLOR:
		if (!arg || !strcmp(arg, "always"))
			g.color = COLOR_ALWAYS;
		else if (!strcmp(arg, "never"))
			g.color = COLOR_NEVER;
		else if (!strcmp(arg, "auto"))
			g.color = COLOR_AUTO;
		else
			goto bad;
		break;
	case OPT_MAX_ENTRIES:
	case OPT_MAX_FINDINGS:
	case OPT_MAX_RANGES:
	case OPT_MAX_OUTPUT:
		return parse_budget(c, arg);
	case OPT_ALL_FINDINGS: g.walk.findings.all = true; break;
	case OPT_AT:
	case OPT_DURATION:
	case OPT_MAX_SIZE:
	case OPT_KEEP:
	case OPT_KEYFRAME:
		if (parse_trace_opt(c, arg))
			goto bad;
		break;
	case OPT_SINCE: g.since = arg; break;	/* read against the trace */
	case OPT_UNTIL: g.until = arg; break;
	case OPT_TIMEOUT:
		if (parse_u64(arg, &v) || v == 0 || v > 3600000)
			goto bad;
		g.qmp_opts.timeout_ms = v;
		break;
	default:
		return -1;
	}
	return 0;
bad:
	report_error("invalid value '%s' for option --%s", arg, opt_name(c));
	return -1;
}

int cli_parse_options(int argc, char **argv, const char *optstring,
		      const char *where)
{
	int c;

	opterr = 0;
	optind = 0;	/* glibc: start afresh, so "+" is read again each call */
	while ((c = getopt_long(argc, argv, optstring, vtdctl_long_options(), NULL)) != -1) {
		if (c == '?' || c == ':') {
			report_error("unknown or incomplete option '%s' (see 'vtdctl help%s%s')",
				     argv[optind - 1], where ? " " : "",
				     where ? where : "");
			return -1;
		}
		if (c == 'V') {
			g.help = false;
			g.version = true;
			continue;
		}
		if (parse_one(c, optarg))
			return -1;
	}
	return optind;
}
