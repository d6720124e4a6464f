// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the kinds of target, as pciutils lists its access methods: the
 * option that names one and how to open it. A new source is its backend
 * and one line here (and its words in the man page and completions).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "elfcore/core.h"
#include "kdump/kdump.h"
#include "libvirt/source.h"
#include "qmp/qmp.h"
#include "snapshot/snapshot.h"
#include "trace/trace.h"

static struct vtd_source *open_qmp(const char *arg, const struct global_opts *o,
				   char *err, size_t errlen)
{
	return qmp_source_open(arg, &o->qmp_opts, err, errlen);
}

/* A dump of any format, told by its first bytes: kdump (libkdumpfile),
 * else ELF. */
static struct vtd_source *open_core(const char *arg, const struct global_opts *o,
				    char *err, size_t errlen)
{
	unsigned char head[KDUMP_MAGIC_LEN];
	struct vtd_source *src;
	uint64_t size;
	ssize_t n = 0;
	/* a FIFO or device is refused here at once, not waited on */
	int fd = open_regular_file(arg, &size, err, errlen);

	if (fd < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", arg, why);
		return NULL;
	}
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n < 0)
		n = 0;
	if (kdump_magic(head, (size_t)n))
		return kdump_source_open(arg, err, errlen);
	src = core_source_open(arg, err, errlen);
	if (src)
		src->format = "elf";
	return src;
}

static struct vtd_source *open_vm(const char *arg, const struct global_opts *o,
				  char *err, size_t errlen)
{
	return libvirt_source_open(arg, &o->virt_opts, err, errlen);
}

static struct vtd_source *open_snapshot(const char *arg,
					const struct global_opts *o,
					char *err, size_t errlen)
{
	return snapshot_source_open(arg, err, errlen);
}

/*
 * A recording at one time (--trace=FILE [--at=TIME]; without --at, its last
 * sample): the state trace_state_at() builds, replayed as a snapshot. The
 * source names the sample's time: FILE@2026-12-03T04:31:48.250Z.
 */
static struct vtd_source *open_trace(const char *arg, const struct global_opts *o,
				     char *err, size_t errlen)
{
	struct vtd_snapshot *s = calloc(1, sizeof(*s));
	struct trace *tr = NULL;
	char target[600], when[40];
	int64_t t, at;
	int rc;

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", arg);
		return NULL;
	}
	if (trace_open(arg, &tr, err, errlen))
		goto fail;
	if (trace_note(tr)[0])
		fprintf(stderr, "vtdctl: note: %s: %s\n", arg, trace_note(tr));
	t = trace_last_ms(tr);
	if (o->at && trace_parse_time_in(tr, o->at, &t)) {
		snprintf(err, errlen, "--at=%s: not a time (ISO 8601 UTC, unix seconds, +SECS from the start or -SECS from the end)",
			 o->at);
		goto fail;
	}
	rc = trace_state_at(tr, t, s, &at, err, errlen);
	if (rc) {
		if (rc == -ENOENT)
			snprintf(err, errlen, "%s: --at=%s is before the first sample (%s)", arg,
				 o->at ? o->at : "", trace_format_time(trace_first_ms(tr), when, sizeof(when)));
		goto fail;
	}
	trace_close(tr);
	snprintf(target, sizeof(target), "%s@%s", arg, trace_format_time(at, when, sizeof(when)));
	return snapshot_source_from(s, "trace", target, err, errlen);
fail:
	trace_close(tr);
	free(s);
	return NULL;
}

/* In the order "give one target" lists them. */
static const struct cli_target cli_targets[] = {
	{ "qmp", "SOCKET", open_qmp },
	{ "core", "FILE", open_core },
	{ "vm", "NAME", open_vm },
	{ "snapshot", "FILE", open_snapshot },
	{ "trace", "FILE", open_trace },
};

const struct cli_target *cli_target_at(size_t i)
{
	return i < CLI_NR_TARGETS ? &cli_targets[i] : NULL;
}

int cli_target_index(const char *option)
{
	for (size_t i = 0; i < CLI_NR_TARGETS; i++)
		if (!strcmp(cli_targets[i].option, option))
			return (int)i;
	return -1;
}

_Static_assert(sizeof(cli_targets) / sizeof(cli_targets[0]) == CLI_NR_TARGETS,
	       "CLI_NR_TARGETS is the number of rows of cli_targets");
