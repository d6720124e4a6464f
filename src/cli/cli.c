// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl's command layer: the command table, help, and the dispatch of one
 * command line. main() (src/vtdctl.c) hands argv to cli_main().
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/shell.h"

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

#define FILTERS "  -s [[[DOMAIN]:]BUS:][SLOT][.[FUNC]] (as lspci -s), --pasid=N, --did=N: only\n" \
	"  what they name; matching nothing is an error (exit 1), not 'clean'.\n"

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
	  "  context entry's RID_PASID. On a snapshot taken without --pages, a page table\n"
	  "  it lacks makes the answer unknown (exit 1), never a fault.\n"
	  "  Example: vtdctl --qmp=/run/vm.qmp -s 00:03.0 xlate 0x1000 write\n" },
	{ "ir", do_ir, "", "the interrupt remapping table: present entries", 0,
	  "  -s (as lspci -s): only the entries whose SID field names such a device.\n"
	  "  Example: vtdctl --vm=web1 ir\n" },
	{ "check", do_check, "", "guest tables against the host side: every rule, findings", CMD_HOST,
	  FILTERS
	  "  Findings worst first, each line within 100 columns (-v: whole messages),\n"
	  "  then the counts. Exit 2 when any finding is a warning or an error. With\n"
	  "  --all: one summary line per VM, its findings under it.\n"
	  "  Example: vtdctl --all check\n" },
	{ "snapshot", do_snapshot, "-o FILE|- [--pages]", "save everything a later offline run needs", CMD_HOST,
	  "  Registers, the guest pages the walk read, QEMU's replies: --snapshot=FILE\n"
	  "  replays it. --pages adds every page table, for xlate and dump --pages.\n"
	  "  It holds guest memory: treat it as the guest's data.\n"
	  "  Example: vtdctl --vm=web1 snapshot -o web1.snap\n" },
	{ "record", do_record, "-o FILE [-i MS] [--duration=SECS] [--max-size=SIZE] [--keep=N] [--keyframe=SECS]",
	  "record the target's VT-d state over time into a trace file", CMD_HOST,
	  "  A keyframe, then a line per sample that changed (every -i MS, default 1000)\n"
	  "  with its events; until Ctrl-C, SIGTERM or --duration. Survives the VM\n"
	  "  restarting (a gap, then a restart mark). Read it back with --trace=FILE\n"
	  "  [--at=TIME] and any command. --all: one file per domain, DIR/NAME.trace.\n"
	  "  Example: vtdctl --vm=web1 record -o web1.trace --duration=600\n" },
	{ "diff", do_diff, "SNAPSHOT_A SNAPSHOT_B", "what changed between two snapshots (exit 2: they differ)", 0,
	  "  Example: vtdctl diff before.snap after.snap\n" },
	{ "log", do_log, "[-s BDF] [--pasid=N] [--since=T] [--until=T]",
	  "a recording's events in time order (--trace=FILE)", 0,
	  "  One line per event: time (UTC), time since the start, device, PASID, what\n"
	  "  happened (PASID cases a/b/c named, lost descriptors counted, gaps and\n"
	  "  restarts marked). T: 2026-12-03T04:31:48Z, unix seconds, +12.5s from the\n"
	  "  start, -30s from the end. -s/--pasid keep the recording's own marks.\n"
	  "  Example: vtdctl --trace=vm1.trace -s 00:03.0 --since=+60s log\n" },
	{ "timeline", do_timeline, "-o FILE.svg [-s BDF] [--pasid=N] [--since=T] [--until=T]",
	  "a recording as a picture: one lane per device (--trace=FILE)", 0,
	  "  SVG, or PNG when FILE ends in .png. PASIDs present over time, QEMU's address\n"
	  "  spaces and host bindings, faults, invalidations per second, gaps and\n"
	  "  restarts; the legend says which is which.\n"
	  "  Example: vtdctl --trace=vm1.trace timeline -o vm1.svg\n" },
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

const char *vtdctl_command_help(size_t i)
{
	return i < sizeof(cmds) / sizeof(cmds[0]) ? cmds[i].help : NULL;
}

static const struct cmd *find_cmd(const char *name);

const char *vtdctl_command_full_name(const char *word)
{
	const struct cmd *c = find_cmd(word);

	return c ? c->name : NULL;
}

static const char global_usage[] =
	"Usage: vtdctl [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"TARGET := { --qmp=PATH | --qmp=HOST:PORT | --core=FILE [--rtaddr=ADDR] |\n"
	"            --vm=NAME [-c|--connect=URI] [--no-monitor] | --all [-c URI] |\n"
	"            --snapshot=FILE | --trace=FILE [--at=TIME] }\n"
	"OPTIONS := { -j|--json | -p|--pretty | -v|--verbose ... |\n"
	"             -s|--slot=[[[DOMAIN]:]BUS:][SLOT][.[FUNC]] | --pasid=N | --did=N |\n"
	"             -n|--count=N | -o|--output=FILE | --pages | -i|--interval=MS |\n"
	"             --consistent | --pause | --no-host | --timeout=MS | --no-proc-mem |\n"
	"             --max-entries=N | --max-findings=N | --all-findings |\n"
	"             --max-ranges=N | --max-output=BYTES | --duration=SECS |\n"
	"             --max-size=SIZE | --keep=N | --keyframe=SECS |\n"
	"             --since=T | --until=T |\n"
	"             --color[=auto|always|never] | -h|--help | -V|--version }\n"
	"\n"
	"Exit status: 0 ok, 1 usage or fatal error (also: the VM has no Intel IOMMU,\n"
	"a filter matched nothing, xlate's answer is unknown), 2 decoded with findings\n"
	"(a warning or an error about the guest's tables).\n";

#define HELP_WIDTH	100

/* The usage line, its arguments wrapped before a "[" within HELP_WIDTH
 * and indented under the first one */
static void print_usage_line(const struct cmd *c)
{
	int indent = printf("Usage: vtdctl [TARGET] [OPTIONS] %s", c->name) + 1;
	int col = indent - 1;
	const char *p = c->args;

	while (*p) {
		const char *end = strstr(p + 1, " [");
		int len = end ? (int)(end - p) : (int)strlen(p);

		if (col > indent && col + 1 + len > HELP_WIDTH)
			col = printf("\n%*s", indent - 1, "") - 1;
		col += printf(" %.*s", len, p);
		p += len;
		if (*p == ' ')
			p++;
	}
	putchar('\n');
}

static void print_cmd_help(const struct cmd *c)
{
	print_usage_line(c);
	printf("  %s\n%s", c->help, c->more ? c->more : "");
}

#define NR_CMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* An exact name, else the first command in table order that name begins
 * (as bpftool's is_prefix(): "d" is dump, "di" diff) */
static const struct cmd *find_cmd(const char *name)
{
	size_t len = strlen(name);

	if (!len)
		return NULL;
	for (size_t i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	for (size_t i = 0; i < NR_CMDS; i++)
		if (!strncmp(cmds[i].name, name, len))
			return &cmds[i];
	return NULL;
}

/* Optimal string alignment distance (a swap of two neighbours is one
 * edit), for names of at most CMD_NAME_MAX characters */
#define CMD_NAME_MAX	16

static unsigned edit_distance(const char *a, const char *b)
{
	unsigned d[CMD_NAME_MAX + 1][CMD_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > CMD_NAME_MAX || lb > CMD_NAME_MAX)
		return CMD_NAME_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

/* The command a typo most likely meant (at most two edits, and fewer than
 * the word's length), or NULL */
static const struct cmd *similar_cmd(const char *name)
{
	const struct cmd *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; i < NR_CMDS; i++) {
		unsigned d = edit_distance(name, cmds[i].name);

		if (d < best_d && d < strlen(name)) {
			best = &cmds[i];
			best_d = d;
		}
	}
	return best;
}

static void report_unknown_command(const char *name, const char *help)
{
	const struct cmd *c = similar_cmd(name);

	if (c)
		report_error("unknown command '%s': did you mean '%s'? (see '%s')",
			     name, c->name, help);
	else
		report_error("unknown command '%s' (see '%s')", name, help);
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
			report_unknown_command(argv[0], "help");
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
		report_unknown_command(argv[0], shell_depth ? "help" : "vtdctl help");
		return EXIT_FATAL;
	}
	n = cli_parse_options(argc, argv, "jpvs:n:c:o:i:hV", cmd->name);
	if (n < 0)
		return EXIT_FATAL;
	if (g.version)
		return do_version(0, NULL);
	if (g.help) {
		print_cmd_help(cmd);
		return EXIT_OK;
	}
	cli_options_check(cmd->name);
	cli_color_setup();
	/* libvirt: reading memory and registers needs no monitor; only host
	 * state does, and the monitor marks the domain tainted */
	if (!(cmd->flags & CMD_HOST))
		g.virt_opts.no_monitor = true;
	if (g.at && !cli_target_arg(&g, "trace")) {
		report_error("--at=%s: give the recording too (--trace=FILE)", g.at);
		return EXIT_FATAL;
	}
	if (g.all && strcmp(cmd->name, "record"))
		return run_on_all_domains(cmd->name, argc, argv, vtdctl_run);
	return cmd->fn(argc - n, argv + n);
}

int cli_main(int argc, char **argv)
{
	int n = cli_parse_options(argc, argv, "+jpvs:n:c:o:i:hV", NULL);

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
