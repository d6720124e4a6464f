// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl shell: the interactive loop. readline's callback interface driven
 * from a poll() loop (as nftables' cli.c), history in ~/.vtdctl_history
 * without duplicates, Ctrl-C clears the line, Ctrl-D or quit leaves.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void history_setup(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return;
	snprintf(history_path, sizeof(history_path), "%s/%s", home, HISTORY_FILE);
	using_history();
	stifle_history(HISTORY_MAX);
	read_history(history_path);	/* none yet is fine */
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
	if (history_path[0])
		write_history(history_path);
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
