// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl's command layer: global options, the command table, help, exit
 * codes. main() (src/vtdctl.c) hands argv to cli_main().
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct global_opts g = {
	.walk = { .filter = { -1, -1, -1, -1 } },
	.count = -1,
};

static const char *prog = "vtdctl";

void report_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	struct json_object *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, msg);
	if (g.out.json) {
		o = json_object_new_object();
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_print(stdout, o, g.out.pretty);
	}
}

/* --- targets ---------------------------------------------------------- */

static bool keep_targets;
static struct vtd_source *kept;
static char kept_key[8192];

/* Everything open_target() opens a source from (the libvirt options only
 * matter for --vm: commands flip no_monitor for themselves). */
static void target_key(char *key, size_t len)
{
	snprintf(key, len, "%s|%s|%s|%s|%s|%d|%d|%d", g.qmp ? g.qmp : "",
		 g.core ? g.core : "", g.vm ? g.vm : "",
		 g.snapshot ? g.snapshot : "",
		 g.vm && g.virt_opts.uri ? g.virt_opts.uri : "",
		 g.vm && g.virt_opts.no_monitor, g.qmp_opts.no_proc_mem,
		 g.qmp_opts.timeout_ms);
}

void target_keep(bool on)
{
	keep_targets = on;
	if (kept) {
		kept->kept = false;
		source_close(kept);
		kept = NULL;
	}
}

static struct vtd_source *reuse_target(const char *key)
{
	if (!kept || strcmp(key, kept_key))
		return NULL;
	kept->nr_calls = kept->nr_reads = kept->bytes_read = 0;
	kept->error[0] = '\0';
	return kept;
}

static void keep_target(struct vtd_source *src, const char *key)
{
	target_keep(true);
	kept = src;
	src->kept = true;
	snprintf(kept_key, sizeof(kept_key), "%s", key);
}

struct vtd_source *open_target_quiet(const struct qmp_open_opts *qo,
				     char *err, size_t errlen)
{
	if (!!g.qmp + !!g.core + !!g.vm + !!g.snapshot > 1) {
		snprintf(err, errlen, "give one target: --qmp, --core, --vm or --snapshot");
		return NULL;
	}
	if (g.qmp)
		return qmp_source_open(g.qmp, qo ? qo : &g.qmp_opts, err, errlen);
	if (g.core)
		return core_source_open(g.core, err, errlen);
	if (g.vm)
		return libvirt_source_open(g.vm, &g.virt_opts, err, errlen);
	if (g.snapshot)
		return snapshot_source_open(g.snapshot, err, errlen);
	snprintf(err, errlen, "no target: give --qmp=SOCKET, --core=FILE, --vm=NAME or --snapshot=FILE (see 'vtdctl help')");
	return NULL;
}

struct vtd_source *open_target(void)
{
	char err[512] = "", key[sizeof(kept_key)];
	struct vtd_source *src;

	target_key(key, sizeof(key));
	src = reuse_target(key);
	if (!src) {
		/* a QMP socket takes one client: let the kept one go first */
		if (kept)
			target_keep(keep_targets);
		src = open_target_quiet(NULL, err, sizeof(err));
		/* the backends' messages name the target themselves */
		if (!src) {
			report_error("%s", err[0] ? err : "cannot open the target");
			return NULL;
		}
		if (keep_targets)
			keep_target(src, key);
	}
	src->no_host = g.no_host;
	return src;
}

int exit_status_of(const struct vtd_model *m)
{
	bool any;
	unsigned worst = vtd_worst_severity(m, &any);

	return any && worst >= VTD_SEV_WARNING ? EXIT_FINDINGS : EXIT_OK;
}

struct vtd_inspect_opts cli_inspect_opts(unsigned stages)
{
	struct vtd_inspect_opts o = {
		.walk = g.walk,
		.consistent = g.consistent,
		.pause = g.pause,
		.stages = stages,
	};

	return o;
}

int inspect_target(struct vtd_source *src, unsigned stages,
		   struct vtd_model *m)
{
	struct vtd_inspect_opts o = cli_inspect_opts(stages);
	int err = vtd_inspect(src, &o, m);

	if (err < 0) {
		report_error("%s: %s", src->target, source_strerror(src, err));
		return -1;
	}
	return 0;
}

struct vtd_source *open_inspect(const char *cmd, int argc, char **argv,
				unsigned stages, struct vtd_model *m)
{
	struct vtd_source *src;

	if (no_args(cmd, argc, argv) || !(src = open_target()))
		return NULL;
	if (inspect_target(src, stages, m)) {
		source_close(src);
		return NULL;
	}
	return src;
}

/* --- commands --------------------------------------------------------- */

int no_args(const char *cmd, int argc, char **argv)
{
	if (argc <= 0)
		return 0;
	report_error("%s: unexpected argument '%s'", cmd, argv[0]);
	return -1;
}

static int do_version(int argc, char **argv)
{
	if (g.out.json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "version",
				       json_object_new_string(VTDCTL_VERSION));
		json_print(stdout, o, g.out.pretty);
	} else {
		printf("vtdctl %s\n", VTDCTL_VERSION);
	}
	return EXIT_OK;
}

static int do_help(int argc, char **argv);

/* The command shows QEMU's side (host state): only such commands may use
 * the monitor of a libvirt domain, which marks the domain tainted. */
#define CMD_HOST	(1u << 0)

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* grammar after the command name */
	const char *help;
	unsigned flags;		/* CMD_* */
	const char *more;	/* `COMMAND --help`: what else applies, an example */
};

#define FILTERS "  -s [BUS:]DEV.FN, --pasid=N, --did=N: only what they name.\n"

static const struct cmd cmds[] = {
	{ "dump", do_dump, "", "decode every device, context and PASID entry", CMD_HOST,
	  FILTERS
	  "  -v: flags lspci-style (P+ FPD- PDTS=2); -vv: the raw qwords too.\n"
	  "  --pages: each PASID's mappings as merged ranges. --no-host: the guest's side\n"
	  "  only. --consistent / --pause: for a guest that changes its tables meanwhile.\n"
	  "  Example: vtdctl --vm=web1 -s 01:00.0 -v dump\n" },
	{ "regs", do_regs, "", "every register of the unit, decoded by field", 0,
	  "  -v: every CAP and ECAP field by name.\n"
	  "  Example: vtdctl --qmp=/run/vm.qmp -v regs\n" },
	{ "faults", do_faults, "", "fault status and every pending fault record", 0,
	  "  Each record: source BDF, read or write, address, PASID, reason by name.\n"
	  "  Example: vtdctl --all faults\n" },
	{ "iq", do_iq, "[-n|--count=N]", "the invalidation queue: the last N descriptors before the tail", 0,
	  "  N defaults to 16. PASID-cache invalidations, on which QEMU replays PASID\n"
	  "  bindings, are marked with a star.\n"
	  "  Example: vtdctl --vm=web1 -n 64 iq\n" },
	{ "xlate", do_xlate, "-s BDF [--pasid=N] IOVA [read|write]",
	  "walk the page tables for one address of one device", 0,
	  "  One line per level; the walk stops where the hardware would fault, with\n"
	  "  the reason it would record. The access defaults to read; the PASID to the\n"
	  "  context entry's RID_PASID.\n"
	  "  Example: vtdctl --qmp=/run/vm.qmp -s 00:03.0 xlate 0x1000 write\n" },
	{ "ir", do_ir, "", "the interrupt remapping table: present entries", 0,
	  "  -s [BUS:]DEV.FN: only the entries whose SID field names that device.\n"
	  "  Example: vtdctl --vm=web1 ir\n" },
	{ "check", do_check, "", "guest tables against the host side: every rule, findings", CMD_HOST,
	  FILTERS
	  "  Exit 2 when any finding is a warning or an error. With --all: one summary\n"
	  "  line per VM, its findings under it.\n"
	  "  Example: vtdctl --all check\n" },
	{ "snapshot", do_snapshot, "-o FILE|- [--pages]", "save everything a later offline run needs", CMD_HOST,
	  "  Registers, the guest pages the walk read, QEMU's replies: --snapshot=FILE\n"
	  "  replays it. --pages adds every page table, for xlate and dump --pages.\n"
	  "  It holds guest memory: treat it as the guest's data.\n"
	  "  Example: vtdctl --vm=web1 snapshot -o web1.vtdsnap\n" },
	{ "diff", do_diff, "SNAPSHOT_A SNAPSHOT_B", "what changed between two snapshots (exit 2: they differ)", 0,
	  "  Example: vtdctl diff before.vtdsnap after.vtdsnap\n" },
	{ "list", do_list, "[-c URI]", "libvirt domains with an Intel IOMMU", 0,
	  "  Running ones; --all adds those shut off.\n"
	  "  Example: vtdctl -c qemu+ssh://host/system list\n" },
	{ "watch", do_watch, "[-i MS]", "live ncurses view of the target", CMD_HOST,
	  "  Refreshes every MS milliseconds (default 1000); ? in the view lists the keys.\n"
	  "  Example: vtdctl --vm=web1 watch\n" },
	{ "shell", do_shell, "", "interactive shell over one target", CMD_HOST,
	  "  Every command without the vtdctl prefix; history in ~/.vtdctl_history.\n"
	  "  Example: vtdctl --vm=web1 shell\n" },
	{ "batch", do_batch, "FILE|-", "run shell lines from a file or stdin", CMD_HOST,
	  "  Example: printf 'regs\\ncheck\\n' | vtdctl --vm=web1 batch -\n" },
	{ "version", do_version, "", "print the version", 0, NULL },
	{ "help", do_help, "[COMMAND]", "print this help, or a command's", 0, NULL },
};

const char *vtdctl_command_name(size_t i)
{
	return i < sizeof(cmds) / sizeof(cmds[0]) ? cmds[i].name : NULL;
}

static const char global_usage[] =
	"Usage: vtdctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"TARGET := { --qmp=PATH | --qmp=HOST:PORT | --core=FILE [--rtaddr=ADDR] |\n"
	"            --vm=NAME [-c|--connect=URI] [--no-monitor] | --all [-c URI] |\n"
	"            --snapshot=FILE }\n"
	"OPTIONS := { -j|--json | -p|--pretty | -v|--verbose ... |\n"
	"             -s|--slot=[BUS:]DEV.FN | --pasid=N | --did=N |\n"
	"             -n|--count=N | -o|--output=FILE | --pages | -i|--interval=MS |\n"
	"             --consistent | --pause | --no-host | --timeout=MS | --no-proc-mem |\n"
	"             -h|--help | -V|--version }\n"
	"\n"
	"Exit status: 0 ok, 1 usage or fatal error, 2 decoded with findings\n"
	"(a warning or an error about the guest's tables).\n";

static void print_cmd_help(const struct cmd *c)
{
	printf("Usage: vtdctl [TARGET] [OPTIONS] %s%s%s\n  %s\n%s", c->name,
	       c->args[0] ? " " : "", c->args, c->help, c->more ? c->more : "");
}

static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *hit = NULL;
	size_t len = strlen(name);

	/* exact names win; a prefix is accepted only when unique */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (!strncmp(cmds[i].name, name, len)) {
			if (hit)
				return NULL;
			hit = &cmds[i];
		}
	}
	return hit;
}

/* "COMMAND := { dump | regs | ... }", wrapped before column 80 */
static void print_command_grammar(void)
{
	size_t n = sizeof(cmds) / sizeof(cmds[0]);
	int col = printf("\nCOMMAND := {") - 1;

	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(cmds[i].name) + 3;

		if (col + len > 76)
			col = printf("\n            ") - 1;
		col += printf(" %s%s", cmds[i].name, i + 1 < n ? " |" : " }\n");
	}
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc > 0) {
		c = find_cmd(argv[0]);
		if (!c) {
			report_error("help: unknown command '%s'", argv[0]);
			return EXIT_FATAL;
		}
		print_cmd_help(c);
		return EXIT_OK;
	}
	if (g.out.json) {
		printf("null\n");
		return EXIT_OK;
	}
	fputs(global_usage, stdout);
	print_command_grammar();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-10s %s\n", cmds[i].name, cmds[i].help);
	return EXIT_OK;
}

/* --- option parsing --------------------------------------------------- */

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
	OPT_QMP = 256, OPT_CORE, OPT_RTADDR, OPT_PASID, OPT_DID, OPT_TIMEOUT,
	OPT_NO_PROC_MEM, OPT_VM, OPT_NO_MONITOR, OPT_ALL, OPT_SNAPSHOT,
	OPT_PAGES, OPT_CONSISTENT, OPT_PAUSE, OPT_NO_HOST,
};

static const struct option long_opts[] = {
	{ "qmp", required_argument, NULL, OPT_QMP },
	{ "core", required_argument, NULL, OPT_CORE },
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
	{ "vm", required_argument, NULL, OPT_VM },
	{ "connect", required_argument, NULL, 'c' },
	{ "no-monitor", no_argument, NULL, OPT_NO_MONITOR },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
	{ "output", required_argument, NULL, 'o' },
	{ "pages", no_argument, NULL, OPT_PAGES },
	{ "consistent", no_argument, NULL, OPT_CONSISTENT },
	{ "pause", no_argument, NULL, OPT_PAUSE },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "interval", required_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const struct option *vtdctl_long_options(void)
{
	return long_opts;
}

static const char *opt_name(int val)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

/* Returns 0, or -1 after printing a usage error. */
static int parse_one(int c, const char *arg)
{
	const char *msg;
	uint64_t v;

	switch (c) {
	case OPT_QMP:  g.qmp = arg; break;
	case OPT_CORE: g.core = arg; break;
	case 'j': g.out.json = true; break;
	case 'p': g.out.json = g.out.pretty = true; break;
	case 'v': g.out.verbose++; break;
	case 'h': g.help = true; break;
	case OPT_NO_PROC_MEM:
		g.qmp_opts.no_proc_mem = true;
		g.virt_opts.no_proc_mem = true;
		break;
	case OPT_VM:	     g.vm = arg; break;
	case 'c':	     g.virt_opts.uri = arg; break;
	case OPT_NO_MONITOR: g.virt_opts.no_monitor = true; break;
	case OPT_ALL:	     g.all = true; break;
	case OPT_SNAPSHOT:   g.snapshot = arg; break;
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

/* Parse one option list; "+" stops at the first non-option. */
static int parse_opts(int argc, char **argv, const char *optstring,
		      const char *where)
{
	int c;

	opterr = 0;
	optind = 0;	/* glibc: start afresh, so "+" is read again each call */
	while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
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

/*
 * Run one command line: argv[0] is the command, options may come anywhere
 * after it (GNU getopt permutes them to the front), on top of the global
 * options already in g. main() and the shell both come here.
 */
int vtdctl_run(int argc, char **argv)
{
	const struct cmd *cmd = find_cmd(argv[0]);
	int n;

	if (!cmd) {
		report_error("unknown command '%s' (see 'vtdctl help')", argv[0]);
		return EXIT_FATAL;
	}
	n = parse_opts(argc, argv, "jpvs:n:c:o:i:hV", cmd->name);
	if (n < 0)
		return EXIT_FATAL;
	if (g.version)
		return do_version(0, NULL);
	if (g.help) {
		print_cmd_help(cmd);
		return EXIT_OK;
	}
	/* libvirt: reading memory and registers needs no monitor; only host
	 * state does, and the monitor marks the domain tainted */
	if (!(cmd->flags & CMD_HOST))
		g.virt_opts.no_monitor = true;
	if (g.all)
		return run_on_all_domains(cmd->name, argc, argv);
	return cmd->fn(argc - n, argv + n);
}

int cli_main(int argc, char **argv)
{
	int n = parse_opts(argc, argv, "+jpvs:n:c:o:i:hV", NULL);

	if (n < 0)
		return EXIT_FATAL;
	if (g.version)
		return do_version(0, NULL);
	if (n >= argc) {
		if (g.help)
			return do_help(0, NULL);
		fputs(global_usage, stderr);
		return EXIT_FATAL;
	}
	return vtdctl_run(argc - n, argv + n);
}
