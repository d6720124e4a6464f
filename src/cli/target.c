// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the target the options name, opened (and kept open for the
 * shell and batch). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static bool keep_targets;
static struct vtd_source *kept;
static char kept_key[8192];

unsigned cli_targets_given(const struct global_opts *o)
{
	unsigned n = 0;

	for (size_t i = 0; i < CLI_NR_TARGETS; i++)
		n += !!o->target[i];
	return n;
}

const char *cli_target_arg(const struct global_opts *o, const char *option)
{
	int i = cli_target_index(option);

	return i < 0 ? NULL : o->target[i];
}

/* Everything open_target() opens a source from (the libvirt options only
 * matter for --vm: commands flip no_monitor for themselves). */
static void target_key(char *key, size_t len)
{
	const char *vm = cli_target_arg(&g, "vm");
	size_t n = 0;

	key[0] = 0;
	for (size_t i = 0; i < CLI_NR_TARGETS && n < len; i++)
		n += snprintf(key + n, len - n, "%s|", g.target[i] ? g.target[i] : "");
	if (n < len)
		snprintf(key + n, len - n, "%s|%d|%d|%d",
			 vm && g.virt_opts.uri ? g.virt_opts.uri : "",
			 vm && g.virt_opts.no_monitor, g.qmp_opts.no_proc_mem,
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

struct vtd_source *target_kept_source(void)
{
	char key[sizeof(kept_key)];

	target_key(key, sizeof(key));
	return reuse_target(key);
}

void target_drop_kept(void)
{
	target_keep(keep_targets);
}

struct vtd_source *open_target_quiet(const struct qmp_open_opts *qo,
				     char *err, size_t errlen)
{
	struct global_opts o = g;

	if (cli_targets_given(&g) > 1) {
		snprintf(err, errlen, "give one target: --qmp, --core, --vm or --snapshot");
		return NULL;
	}
	if (qo)
		o.qmp_opts = *qo;
	for (size_t i = 0; i < CLI_NR_TARGETS; i++)
		if (g.target[i])
			return cli_target_at(i)->open(g.target[i], &o, err, errlen);
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
