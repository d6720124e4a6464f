// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the command line's options, parsed into g. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

/* -s [BUS:]DEV.FN, hex like lspci; returns an error string or NULL */
static const char *parse_slot(const char *s, struct vtd_filter *f)
{
	unsigned bus = 0, dev, fn;
	int n = 0;

	if (sscanf(s, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 && !s[n]) {
		if (bus > 0xff)
			return "bus out of range";
		f->bus = bus;
	} else if (n = 0, sscanf(s, "%x.%x%n", &dev, &fn, &n) == 2 && !s[n]) {
		f->bus = -1;
	} else {
		return "expected [BUS:]DEV.FN in hex";
	}
	if (dev > 0x1f || fn > 7)
		return "device or function out of range";
	f->devfn = dev << 3 | fn;
	return NULL;
}

enum {
	OPT_RTADDR = 256, OPT_PASID, OPT_DID, OPT_TIMEOUT,
	OPT_NO_PROC_MEM, OPT_NO_MONITOR, OPT_ALL,
	OPT_PAGES, OPT_CONSISTENT, OPT_PAUSE, OPT_NO_HOST,
	OPT_MAX_ENTRIES, OPT_MAX_FINDINGS, OPT_ALL_FINDINGS, OPT_MAX_RANGES,
	OPT_MAX_OUTPUT,
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
	{ "interval", required_argument, NULL, 'i' },
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
		msg = parse_slot(arg, &g.walk.filter);
		if (msg) {
			report_error("-s %s: %s", arg, msg);
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
	case OPT_MAX_ENTRIES:
	case OPT_MAX_FINDINGS:
	case OPT_MAX_RANGES:
	case OPT_MAX_OUTPUT:
		return parse_budget(c, arg);
	case OPT_ALL_FINDINGS: g.walk.findings.all = true; break;
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
