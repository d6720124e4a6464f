// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl shell: a line's output through a pager, as git does: $VTDCTL_PAGER,
 * else $PAGER, else less, with LESS=FRX when LESS is unset (quit when the
 * output fits the screen, keep colours, leave the screen as it is); only
 * when stdout is a terminal. A line may also end in "| COMMAND" (dump |
 * less, check | grep error): its output goes to that command instead.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shell.h"

struct pager {
	pid_t pid;
	int saved_stdout;
	struct sigaction old_pipe;
};

/* The first '|' outside quotes is cut out of line: the command after it, or NULL */
static char *cut_pipe(char *line)
{
	char quote = 0;

	for (char *p = line; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (quote == '"' && *p == '\\' && p[1])
				p++;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '\\' && p[1]) {
			p++;
		} else if (*p == '#') {
			return NULL;	/* a comment: the rest is not a command */
		} else if (*p == '|') {
			*p = '\0';
			return p + 1;
		}
	}
	return NULL;
}

/* The pager for a line nobody piped: NULL for none */
static const char *default_pager(void)
{
	const char *p = getenv("VTDCTL_PAGER");

	if (!isatty(STDOUT_FILENO))
		return NULL;
	if (!p)
		p = getenv("PAGER");
	if (!p)
		p = "less";
	if (!*p || !strcmp(p, "cat"))
		return NULL;
	setenv("LESS", "FRX", 0);	/* as git: only when the user set none */
	return p;
}

static int pager_start(struct pager *pg, const char *cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int fd[2];

	fflush(stdout);
	if (pipe(fd))
		return -errno;
	pg->pid = fork();
	if (pg->pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -errno;
	}
	if (pg->pid == 0) {
		dup2(fd[0], STDIN_FILENO);
		close(fd[0]);
		close(fd[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[0]);
	pg->saved_stdout = dup(STDOUT_FILENO);
	dup2(fd[1], STDOUT_FILENO);
	close(fd[1]);
	/* the pager may quit before the output ends: EPIPE, not death */
	sigaction(SIGPIPE, &ign, &pg->old_pipe);
	return 0;
}

static void pager_end(struct pager *pg)
{
	fflush(stdout);
	clearerr(stdout);
	dup2(pg->saved_stdout, STDOUT_FILENO);	/* the pager sees EOF */
	close(pg->saved_stdout);
	while (waitpid(pg->pid, NULL, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &pg->old_pipe, NULL);
}

/* Not an empty line, quit or exit; nor watch or shell, which own the
 * terminal */
static bool line_is_paged(const char *line)
{
	const char *err;
	char **argv;
	int argc = shell_split(line, &argv, &err);
	bool yes = argc > 0 && strcmp(argv[0], "quit") && strcmp(argv[0], "exit");

	for (int i = 0; i < argc && yes; i++) {
		const char *c = argv[i][0] != '-' ? vtdctl_command_full_name(argv[i]) : NULL;

		yes = !c || (strcmp(c, "watch") && strcmp(c, "shell"));
	}
	shell_free_args(argv);
	return yes;
}

int shell_run_paged_line(const char *line, bool *quit)
{
	char *copy = strdup(line), *piped;
	const char *pager;
	struct pager pg;
	int rc;

	if (!copy) {
		report_error("out of memory");
		return EXIT_FATAL;
	}
	piped = cut_pipe(copy);
	if (piped && !piped[strspn(piped, " \t")]) {
		report_error("'|' needs a command after it (dump | less)");
		free(copy);
		return EXIT_FATAL;
	}
	pager = piped ? piped : line_is_paged(copy) ? default_pager() : NULL;
	if (!pager || pager_start(&pg, pager)) {
		rc = shell_run_line(copy, quit, NULL);
	} else {
		/* the pager shows colour (less -R); a program after '|' reads text */
		cli_pager_in_use = !piped;
		rc = shell_run_line(copy, quit, NULL);
		cli_pager_in_use = false;
		pager_end(&pg);
	}
	free(copy);
	return rc;
}
