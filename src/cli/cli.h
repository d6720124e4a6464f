/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: what every command shares: global options, target, errors. */
#ifndef VTDCTL_CMD_H
#define VTDCTL_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output/output.h"
#include "source/source.h"
#include "model/model.h"
#include "libvirt/source.h"
#include "pipeline/inspect.h"
#include "qmp/qmp.h"

enum { EXIT_OK = 0, EXIT_FATAL = 1, EXIT_FINDINGS = 2 };

/* Global options, filled by main() before a command runs; read-only after. */
/* The kinds of target (src/cli/targets.c): --qmp, --core, --vm, --snapshot */
#define CLI_NR_TARGETS	5
/* The largest trace file (src/trace/trace.h's TRACE_MAX_FILE) */
#define TRACE_MAX_FILE_BYTES	(1ULL << 30)

struct global_opts {
	/* the argument of each target option given (--qmp=ARG, ...), by the
	 * index of its row in the table of targets; NULL: not given */
	const char *target[CLI_NR_TARGETS];
	struct vtd_walk_opts walk;	/* --rtaddr, filters */
	const char *slot_arg;		/* -s as given, for messages */
	struct out_opts out;		/* -j -p -v */
	struct qmp_open_opts qmp_opts;	/* --timeout, --no-proc-mem */
	struct libvirt_open_opts virt_opts;	/* -c URI, --no-monitor */
	bool all;			/* --all: every libvirt domain */
	const char *output;		/* -o FILE */
	long count;			/* -n N: how many (iq); -1 = default */
	long interval_ms;		/* -i MS: refresh (watch); 0 = default */
	bool pages;			/* --pages: list mappings (dump) */
	unsigned long max_ranges;	/* --max-ranges (--pages); 0 = default */
	bool consistent, pause;		/* --consistent, --pause */
	bool no_host;			/* --no-host: the guest side only */
	const char *at;			/* --at=TIME (with --trace) */
	int64_t duration_ms;		/* record --duration; 0 = until stopped */
	uint64_t max_size;		/* record --max-size; 0 = the file limit */
	long keep;			/* record --keep=N; -1 = default */
	int64_t keyframe_ms;		/* record --keyframe=SECS; 0 = default */
	const char *since, *until;	/* --since, --until (log, timeline) */
	bool help, version;
	enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color;	/* --color */
};
extern struct global_opts g;

/* One kind of target: its option, and how to open it with g's options. */
struct cli_target {
	const char *option;	/* "qmp": --qmp=ARG */
	const char *arg;	/* what ARG is, for messages */
	struct vtd_source *(*open)(const char *arg, const struct global_opts *o,
				   char *err, size_t errlen);
};
/* The table's row i (NULL past the end); the row of an option, or -1. */
const struct cli_target *cli_target_at(size_t i);
int cli_target_index(const char *option);
/* How many targets o names; the argument of one kind (NULL if not given). */
unsigned cli_targets_given(const struct global_opts *o);
const char *cli_target_arg(const struct global_opts *o, const char *option);

/* Record a snapshot of src into path (src stays open); 0, or -1 with err
 * filled. Prints nothing (watch saves one while it owns the terminal). */
int snapshot_save(struct vtd_source *src, const char *path, bool pages,
		  char *err, size_t errlen);
struct vtd_snapshot;
/* Take everything a snapshot holds from src (src stays open): the state in
 * *out (malloc'd, its header filled) and the model walked in m; 0, or a
 * negative errno with err filled (nothing to free then). */
int snapshot_take(struct vtd_source *src, struct vtd_snapshot **out,
		  struct vtd_model *m, char *err, size_t errlen);

/* Warn once per command line of the options cmd does not read (applies.c);
 * reset before each shell line, with the shell's own options as the base
 * (they are not this line's). */
void cli_options_check(const char *cmd);
void cli_options_check_reset(const struct global_opts *base);

/* Colour for this command line from --color, NO_COLOR, TERM and whether
 * stdout is a terminal (or the shell's pager, which shows colour) */
void cli_color_setup(void);
extern bool cli_pager_in_use;

/* One line on stderr; in JSON mode also {"error": ...} on stdout. */
void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* stdout for text renderers: control characters from outside escaped
 * (output/escape.c); unbuffered, so in step with stdout. */
FILE *text_stdout(void);
/* "TARGET: what failed" for a failed call on src; returns -1. */
int report_source_error(const struct vtd_source *src, int err);

/* Open the target the global options name; NULL after report_error(). */
struct vtd_source *open_target(void);
/* The same without printing (err gets the message); qo overrides the QMP
 * options (NULL: g.qmp_opts). For reconnecting views. */
struct vtd_source *open_target_quiet(const struct qmp_open_opts *qo,
				     char *err, size_t errlen);
/* The shell and batch keep the target open across lines: while on,
 * open_target() returns the source it opened last when g names the same
 * target, and source_close() leaves that one open; off closes it. */
void target_keep(bool on);
/* The kept source when g names it (watch in the shell runs on the shell's
 * connection: a QMP socket takes one client), else NULL. */
struct vtd_source *target_kept_source(void);
/* Close the kept source for good (its connection dropped). */
void target_drop_kept(void);
/* For the shell's completion: the command table's names in order (NULL
 * past the end) and getopt's long options (ending in a zero entry). */
struct option;
const char *vtdctl_command_name(size_t i);
/* Its one-line description (NULL past the end) */
const char *vtdctl_command_help(size_t i);
/* The command a word names (a prefix: the first in table order), or NULL */
const char *vtdctl_command_full_name(const char *word);
const struct option *vtdctl_long_options(void);
/* The pipeline's options from g, with these stages after the walk. */
struct vtd_inspect_opts cli_inspect_opts(unsigned stages);
/* vtd_inspect() with g's options; -1 after report_error() (m is freed). */
int inspect_target(struct vtd_source *src, unsigned stages,
		   struct vtd_model *m);
/* no_args(), open_target(), inspect_target(): the source, or NULL after
 * report_error() with nothing left open. */
struct vtd_source *open_inspect(const char *cmd, int argc, char **argv,
				unsigned stages, struct vtd_model *m);
/* open_inspect() for check and dump: with --all-findings, s is set up (check:
 * its line format) and every finding is printed through it as the walk and
 * the rules add it, none held in m; until stream_done(), report_error()
 * closes the JSON object s opened. Without it, s is not touched. */
struct vtd_source *open_inspect_streamed(const char *cmd, int argc,
					 char **argv, unsigned stages,
					 struct vtd_model *m,
					 struct out_stream *s, bool check);
void stream_done(void);
/* A filter (-s, --pasid, --did) that matched nothing in m, when the
 * tables do hold something: true after report_error() saying what the
 * filter was and what there is (src walked again without it). */
bool report_no_match(struct vtd_source *src, const struct vtd_model *m);
/* The filter matched nothing in m (the tables may be empty too). */
bool filter_matched_nothing(const struct vtd_model *m);
/* EXIT_FINDINGS when m has a warning or an error, else EXIT_OK. */
int exit_status_of(const struct vtd_model *m);
struct vtd_regfile;
/* Read every register; -1 after report_error() (also for a dump). */
int cmd_read_regfile(struct vtd_source *src, struct vtd_regfile *rf);
/* no_args(), open_target() and every register into *rf (allocated): the
 * source, or NULL after report_error() with nothing left open. */
struct vtd_source *open_with_regs(const char *cmd, int argc, char **argv,
				  struct vtd_regfile **rf);
/* Parse one option list into g (src/cli/options.c): optind of the first
 * argument that is not an option, or -1 after report_error(). optstring
 * starting with "+" stops at the first non-option; where names the
 * command for the message. */
int cli_parse_options(int argc, char **argv, const char *optstring,
		      const char *where);
/* -s as lspci reads it, into f's -s part; NULL, or what is wrong. */
const char *cli_parse_slot(const char *arg, struct vtd_filter *f);
/* Refuse positional arguments a command does not take. */
int no_args(const char *cmd, int argc, char **argv);

/* Commands: int do_NAME(int argc, char **argv), argv after the name. */
int do_dump(int argc, char **argv);
int do_regs(int argc, char **argv);
int do_faults(int argc, char **argv);
int do_iq(int argc, char **argv);
int do_xlate(int argc, char **argv);
int do_ir(int argc, char **argv);
int do_check(int argc, char **argv);
int do_snapshot(int argc, char **argv);
int do_record(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_list(int argc, char **argv);
int do_watch(int argc, char **argv);
int do_shell(int argc, char **argv);
int do_batch(int argc, char **argv);
int do_log(int argc, char **argv);
int do_timeline(int argc, char **argv);

/* Recordings (src/cli/replay.c): the file --trace names (NULL if none);
 * it opened, NULL after report_error(); a time the user gave, absolute or
 * relative to the start (+) or the end (-), -1 after report_error(); the
 * state at a time as a source (kind "trace"), NULL with err filled. */
struct trace;
const char *cli_trace_path(void);
struct trace *cli_open_trace(const char *cmd);
int cli_trace_time(struct trace *tr, const char *what, const char *s,
		   int64_t *out);
struct vtd_source *cli_trace_source_at(struct trace *tr, int64_t t_ms,
				       int64_t *at_ms, char *err, size_t errlen);

/* --all: run argv (argv[0] = command) through run once per libvirt domain
 * with an Intel IOMMU, a summary line per domain (src/cli/all.c). */
int run_on_all_domains(const char *cmd, int argc, char **argv,
		       int (*run)(int argc, char **argv));

/* Run one command line (argv[0] = command) on top of g: main and the shell. */
int vtdctl_run(int argc, char **argv);
/* The whole command line (argv[0] = the program): what main() calls. */
int cli_main(int argc, char **argv);

#endif
