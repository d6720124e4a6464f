// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl shell: the interactive loop. readline's callback interface driven
 * from a poll() loop (as nftables' cli.c), history in ~/.vtdctl_history
 * without duplicates, Ctrl-C clears the line, Ctrl-D or quit leaves.
 */
#define _GNU_SOURCE	/* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/cli.h"
#include "cli/shell.h"

#define HISTORY_FILE	".vtdctl_history"
#define HISTORY_MAX	1000

static volatile sig_atomic_t got_sigint, got_sigwinch;
static bool done;
static char history_path[4096];

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_sigint = 1;
	else
		got_sigwinch = 1;
}

/*
 * History is kept only where it is safe for whoever runs vtdctl (root, most
 * often, perhaps with another user's HOME through sudo -E): HOME must be a
 * directory owned by us and writable by no one else, and the file a regular
 * file owned by us, never a symlink (O_NOFOLLOW). It is written to a new
 * file in HOME and renamed over the old one. Otherwise the shell keeps no
 * history file, and says why once.
 */
static bool history_unsafe(const char *why, const char *what)
{
	fprintf(stderr, "vtdctl: shell history not kept: %s %s\n", what, why);
	history_path[0] = 0;
	return true;
}

static bool history_dir_unsafe(const char *home)
{
	struct stat st;

	if (lstat(home, &st) < 0)
		return history_unsafe(strerror(errno), home);
	if (!S_ISDIR(st.st_mode))
		return history_unsafe("is not a directory", home);
	if (st.st_uid != geteuid())
		return history_unsafe("belongs to another user (HOME from sudo -E?)", home);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return history_unsafe("is writable by others", home);
	return false;
}

/* The history file opened for reading, -1 if there is none; -2 when it
 * must not be used (said). */
static int history_open(void)
{
	struct stat st;
	int fd = open(history_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					O_NOCTTY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd < 0) {
		history_unsafe(errno == ELOOP ? "is a symbolic link" :
			       strerror(errno), history_path);
		return -2;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid()) {
		close(fd);
		history_unsafe("is not a regular file of yours", history_path);
		return -2;
	}
	return fd;
}

/* At most HISTORY_MAX lines of at most 4 KiB from fd. */
static void history_load(int fd)
{
	FILE *f = fdopen(fd, "r");
	char line[4096];

	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] && line[0] != '#')
			add_history(line);
	}
	fclose(f);
}

static void history_setup(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;
	int fd;

	if (!home || !*home) {
		pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return;
	snprintf(history_path, sizeof(history_path), "%s/%s", home, HISTORY_FILE);
	using_history();
	stifle_history(HISTORY_MAX);
	if (history_dir_unsafe(home))
		return;
	fd = history_open();
	if (fd >= 0)
		history_load(fd);
}

/* The whole history into a new file next to the old one, renamed over it. */
static void history_save(void)
{
	char tmp[sizeof(history_path) + 8];
	HIST_ENTRY **list = history_list();
	FILE *f;
	int fd;

	if (!history_path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", history_path);
	fd = mkostemp(tmp, O_CLOEXEC);	/* O_EXCL, mode 0600 */
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return;
	}
	for (int i = 0; list && list[i]; i++)
		fprintf(f, "%s\n", list[i]->line);
	if (fclose(f) || rename(tmp, history_path))
		unlink(tmp);
}

/* Add line, dropping every earlier copy of it; save the file at once so a
 * killed shell keeps it. */
static void history_note(const char *line)
{
	HIST_ENTRY *e;

	if (!line[strspn(line, " \t")])
		return;
	for (int i = history_length - 1; i >= 0; i--) {
		e = history_get(history_base + i);
		if (e && !strcmp(e->line, line))
			free_history_entry(remove_history(i));
	}
	add_history(line);
	history_save();
}

static void on_line(char *line)
{
	bool quit = false;

	if (!line) {		/* Ctrl-D */
		rl_callback_handler_remove();
		done = true;
		return;
	}
	history_note(line);
	shell_run_paged_line(line, &quit);
	shell_targets_stale();
	free(line);
	if (quit) {
		/* now, or readline prints the prompt once more on the way out */
		rl_callback_handler_remove();
		done = true;
	}
}

static char **on_complete(const char *text, int start, int end)
{
	char **m;

	if (!shell_complete_setup(rl_line_buffer, start, text))
		return NULL;	/* file names: readline's own completion */
	rl_attempted_completion_over = 1;
	m = rl_completion_matches(text, shell_complete_word);
	/* "--slot=": the value follows, no space */
	if (m && !m[1] && m[0][0] && m[0][strlen(m[0]) - 1] == '=')
		rl_completion_suppress_append = 1;
	return m;
}

static void on_sigint(void)
{
	got_sigint = 0;
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	rl_crlf();
	rl_on_new_line();
	rl_redisplay();
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
}

static void loop(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	while (!done) {
		if (got_sigint)
			on_sigint();
		if (got_sigwinch) {
			got_sigwinch = 0;
			rl_resize_terminal();
		}
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd.revents & POLLNVAL)
			break;
		rl_callback_read_char();
	}
}

int shell_interactive(void)
{
	history_setup();
	rl_readline_name = "vtdctl";
	rl_attempted_completion_function = on_complete;
	rl_completer_word_break_characters = " \t\n\"'=";
	install_signals();
	shell_keep_target(true);
	shell_targets_refresh(false);
	rl_callback_handler_install("vtdctl> ", on_line);
	loop();
	if (!done)
		rl_callback_handler_remove();
	shell_keep_target(false);
	shell_targets_free();
	signal(SIGINT, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
	return EXIT_OK;
}
