// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl shell: Tab completion of commands, options, BDFs and PASIDs. */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shell.h"

/* From src/vtdctl.c once it exports them (see cmd.h): the command table's
 * names and getopt's long options. Weak so that the shell links before
 * that; it then completes only BDFs and PASIDs. */
extern const char *vtdctl_command_name(size_t i) __attribute__((weak));
extern const struct option *vtdctl_long_options(void) __attribute__((weak));

static const char *const builtins[] = { "quit", "exit" };

enum what { W_NONE, W_COMMAND, W_OPTION, W_BDF, W_PASID, W_ACCESS, W_FILE };

struct strlist {
	char **v;
	size_t n, cap;
};

/* What the word under the cursor may be, and the device -s names. */
static struct {
	enum what what;
	struct vtd_filter slot;	/* its -s part; VTD_FILTER_ALL: any */
} want;

/* The target's devices and their present PASIDs, from the last walk. */
struct dev_pasids {
	int bus, devfn;
	char bdf[8];
	uint32_t *pasids;
	size_t nr;
};
static struct dev_pasids *devs;
static size_t nr_devs;
static bool stale = true;

/* --- vocabulary ------------------------------------------------------- */

static const struct option *long_options(void)
{
	static const struct option none = { NULL, 0, NULL, 0 };

	return vtdctl_long_options ? vtdctl_long_options() : &none;
}

static const char *command_name(size_t i)
{
	return vtdctl_command_name ? vtdctl_command_name(i) : NULL;
}

/* The command a (possibly abbreviated) word names, as vtdctl_run() does. */
static const char *full_command(const char *word)
{
	const char *hit = NULL, *name;
	size_t len = strlen(word);

	for (size_t i = 0; (name = command_name(i)); i++) {
		if (!strcmp(name, word))
			return name;
		if (!strncmp(name, word, len)) {
			if (hit)
				return NULL;
			hit = name;
		}
	}
	return hit;
}

/* The option a word spells ("--slot", "-s"), or NULL. */
static const struct option *find_option(const char *word)
{
	const struct option *o;

	if (word[0] != '-')
		return NULL;
	for (o = long_options(); o->name; o++) {
		if (word[1] == '-' && !strcmp(word + 2, o->name))
			return o;
		if (word[1] != '-' && o->val < 256 && word[1] == o->val && !word[2])
			return o;
	}
	return NULL;
}

static bool takes_value(const char *word)
{
	const struct option *o = find_option(word);

	return o && o->has_arg == required_argument;
}

/* --- the cache of the target's BDFs and PASIDs ------------------------ */

void shell_targets_free(void)
{
	for (size_t i = 0; i < nr_devs; i++)
		free(devs[i].pasids);
	free(devs);
	devs = NULL;
	nr_devs = 0;
}

void shell_targets_stale(void)
{
	stale = true;
}

static void keep_device(const struct vtd_device *d, struct dev_pasids *out)
{
	out->bus = d->bus;
	out->devfn = d->devfn;
	fmt_bdf(out->bdf, d->bus, d->devfn);
	out->nr = 0;
	out->pasids = calloc(d->nr_pasids ? d->nr_pasids : 1, sizeof(uint32_t));
	if (!out->pasids)
		return;
	for (size_t i = 0; i < d->nr_pasids; i++)
		out->pasids[out->nr++] = d->pasids[i].pasid;
}

static void keep_model(const struct vtd_model *m)
{
	devs = calloc(m->nr_devices ? m->nr_devices : 1, sizeof(*devs));
	if (!devs)
		return;
	for (size_t i = 0; i < m->nr_devices; i++)
		keep_device(&m->devices[i], &devs[nr_devs++]);
}

/* Walk the shell's target once (every device, no filter). */
static void walk_for_cache(void)
{
	struct vtd_source *src;
	struct vtd_model m;

	g.out.json = false;
	g.walk.filter = VTD_FILTER_ALL;
	src = open_target();
	if (!src)
		return;
	if (!inspect_target(src, VTD_STAGE_VMM, &m)) {
		keep_model(&m);
		vtd_model_free(&m);
	}
	source_close(src);
}

void shell_targets_refresh(bool quiet)
{
	struct global_opts saved = g;
	int err_fd = -1, null_fd;

	if (!stale)
		return;
	stale = false;
	shell_targets_free();
	if (g.all || !cli_targets_given(&g))
		return;
	/* a completion must not write over the line being edited */
	if (quiet) {
		fflush(stderr);
		err_fd = dup(STDERR_FILENO);
		null_fd = open("/dev/null", O_WRONLY);
		if (null_fd >= 0) {
			dup2(null_fd, STDERR_FILENO);
			close(null_fd);
		}
	}
	walk_for_cache();
	g = saved;
	if (err_fd >= 0) {
		fflush(stderr);
		dup2(err_fd, STDERR_FILENO);
		close(err_fd);
	}
}

/* --- what the word under the cursor may be ---------------------------- */

/* -s anywhere on the line (lspci's forms): PASIDs of what it names. */
static void note_slot(const char *s)
{
	struct vtd_filter f = VTD_FILTER_ALL;

	if (!cli_parse_slot(s, &f))
		want.slot = f;
}

static void find_slot(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-s") || !strcmp(argv[i], "--slot")) && i + 1 < argc)
			note_slot(argv[i + 1]);
		else if (!strncmp(argv[i], "--slot=", 7))
			note_slot(argv[i] + 7);
		else if (!strncmp(argv[i], "-s", 2) && argv[i][2])
			note_slot(argv[i] + 2);
	}
}

static enum what value_of(const char *opt)
{
	const struct option *o = find_option(opt);

	if (!o || o->has_arg != required_argument)
		return W_NONE;
	if (!strcmp(o->name, "slot"))
		return W_BDF;
	if (!strcmp(o->name, "pasid"))
		return W_PASID;
	if (!strcmp(o->name, "output") || !strcmp(o->name, "core") ||
	    !strcmp(o->name, "snapshot") || !strcmp(o->name, "qmp"))
		return W_FILE;
	return W_NONE;
}

/* Words after the command that are neither options nor their values. */
static int count_positionals(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			n++;
		else if (takes_value(argv[i]))
			i++;
	}
	return n;
}

static enum what positional_of(int argc, char **argv)
{
	const char *cmd = full_command(argv[0]);

	if (!cmd)
		return W_NONE;
	if (!strcmp(cmd, "help"))
		return argc == 1 ? W_COMMAND : W_NONE;
	if (!strcmp(cmd, "batch") || !strcmp(cmd, "diff"))
		return W_FILE;
	if (!strcmp(cmd, "xlate") && count_positionals(argc, argv) == 1)
		return W_ACCESS;
	return W_NONE;
}

static enum what classify(int argc, char **argv, bool after_eq, const char *text)
{
	if (after_eq && argc > 0) {
		char *eq = strchr(argv[argc - 1], '=');

		if (eq)
			*eq = '\0';
		return value_of(argv[argc - 1]);
	}
	if (argc == 0)
		return W_COMMAND;
	if (text[0] == '-')
		return W_OPTION;
	if (argv[argc - 1][0] == '-' && takes_value(argv[argc - 1]))
		return value_of(argv[argc - 1]);
	return positional_of(argc, argv);
}

/* Options before the command ("-j check"): how many words they take */
static int leading_options(int argc, char **argv)
{
	int i = 0;

	while (i < argc && argv[i][0] == '-')
		i += takes_value(argv[i]) ? 2 : 1;
	return i > argc ? argc : i;
}

bool shell_complete_setup(const char *line, int start, const char *text)
{
	char *head = strndup(line, start);
	const char *err;
	char **argv = NULL;
	int argc = head ? shell_split(head, &argv, &err) : -1;

	want.what = W_NONE;
	want.slot = VTD_FILTER_ALL;
	if (argc >= 0) {
		bool eq = start > 0 && line[start - 1] == '=';
		bool value = argc > 0 && takes_value(argv[argc - 1]);
		int k = eq || value ? 0 : leading_options(argc, argv);

		/* an option's value is the option's; else from the command on */
		want.what = classify(argc - k, argv + k, eq, text);
		find_slot(argc, argv);
	}
	shell_free_args(argv);
	free(head);
	return want.what != W_FILE;
}

/* --- candidates ------------------------------------------------------- */

static void add(struct strlist *l, const char *s)
{
	char **v;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	if (l->n == l->cap) {
		v = realloc(l->v, (l->cap * 2 + 16) * sizeof(*v));
		if (!v)
			return;
		l->v = v;
		l->cap = l->cap * 2 + 16;
	}
	l->v[l->n] = strdup(s);
	if (l->v[l->n])
		l->n++;
}

static void add_options(struct strlist *l)
{
	char buf[64];

	for (const struct option *o = long_options(); o->name; o++) {
		snprintf(buf, sizeof(buf), "--%s%s", o->name,
			 o->has_arg == required_argument ? "=" : "");
		add(l, buf);
		if (o->val < 256 && isalnum(o->val)) {
			snprintf(buf, sizeof(buf), "-%c", o->val);
			add(l, buf);
		}
	}
}

static bool device_wanted(const struct dev_pasids *d)
{
	return vtd_filter_bdf(&want.slot, d->bus, d->devfn);
}

static void add_targets(struct strlist *l, enum what what)
{
	char buf[16];

	shell_targets_refresh(true);
	for (size_t i = 0; i < nr_devs; i++) {
		if (what == W_BDF) {
			add(l, devs[i].bdf);
			continue;
		}
		if (!device_wanted(&devs[i]))
			continue;
		for (size_t j = 0; j < devs[i].nr; j++) {
			snprintf(buf, sizeof(buf), "%u", devs[i].pasids[j]);
			add(l, buf);
		}
	}
}

static void build(struct strlist *l)
{
	const char *name;

	switch (want.what) {
	case W_COMMAND:
		for (size_t i = 0; (name = command_name(i)); i++)
			add(l, name);
		for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			add(l, builtins[i]);
		break;
	case W_OPTION:
		add_options(l);
		break;
	case W_BDF:
	case W_PASID:
		add_targets(l, want.what);
		break;
	case W_ACCESS:
		add(l, "read");
		add(l, "write");
		break;
	default:
		break;
	}
}

static void clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){ 0 };
}

/* readline's generator: state 0 starts a new list; NULL at the end. */
char *shell_complete_word(const char *text, int state)
{
	static struct strlist l;
	static size_t next;
	size_t len = strlen(text);

	if (!state) {
		clear(&l);
		build(&l);
		next = 0;
	}
	while (next < l.n) {
		const char *s = l.v[next++];

		if (!strncmp(s, text, len))
			return strdup(s);
	}
	return NULL;
}
