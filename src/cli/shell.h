/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the shell and batch: command lines run through vtdctl_run(). */
#ifndef VTDCTL_SHELL_H
#define VTDCTL_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#define SHELL_MAX_ARGS	256

/*
 * Split line into words the way a POSIX shell does for plain words:
 * blanks separate, '...' and "..." quote (a backslash escapes the next
 * character outside single quotes), an unquoted '#' at the start of a word
 * ends the line. Returns the number of words (argv[n] = NULL; free with
 * shell_free_args()), or -1 with *err set (unterminated quote, too many
 * words).
 */
int shell_split(const char *line, char ***argv, const char **err);
void shell_free_args(char **argv);

/*
 * Run one line: shell built-ins (help, quit, exit) or a vtdctl command,
 * with the global options restored afterwards so that nothing leaks into
 * the next line. Returns the exit status (EXIT_*); *quit is set by
 * quit/exit. where ("line 3" or NULL) prefixes the split error.
 */
int shell_run_line(const char *line, bool *quit, const char *where);

/* The interactive shell's line: shell_run_line() with its output through
 * a pager when stdout is a terminal, or through the command after an
 * unquoted '|' (shell_pager.c) */
int shell_run_paged_line(const char *line, bool *quit);

/* Keep the target open across lines (a no-op until src/vtdctl.c offers
 * target_keep()); off closes it. */
void shell_keep_target(bool on);

/* How many shells and batches run inside one another (the shell refuses
 * to nest, batch stops at SHELL_MAX_DEPTH: a file that batches itself). */
extern int shell_depth;
#define SHELL_MAX_DEPTH	8

/* Interactive: readline, history, completion. Returns the exit status. */
int shell_interactive(void);

/* Lines from f until EOF or the first line that fails with EXIT_FATAL;
 * the worst exit status. name is for messages. */
int shell_batch(FILE *f, const char *name);

/*
 * Completion (complete.c). shell_complete_setup() looks at the words
 * before the cursor (line[0..start)) and text, the word being completed,
 * and returns false when file names are what may come (readline's own
 * completion then); shell_complete_word() is then readline's generator.
 * BDFs and PASIDs come from a walk of the target, cached until
 * shell_targets_stale() (after each command); refresh walks again if
 * stale, quietly (no messages) when asked.
 */
bool shell_complete_setup(const char *line, int start, const char *text);
char *shell_complete_word(const char *text, int state);
void shell_targets_stale(void);
void shell_targets_refresh(bool quiet);
void shell_targets_free(void);

#endif
