// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl shell: split a command line into words (quotes, escapes, '#'). */
#include <stdlib.h>
#include <string.h>

#include "cli/shell.h"

struct words {
	char **v;
	int n;
};

static int add_word(struct words *w, const char *s, size_t len)
{
	char *copy;

	if (w->n >= SHELL_MAX_ARGS)
		return -1;
	copy = strndup(s, len);
	if (!copy)
		return -1;
	w->v[w->n++] = copy;
	w->v[w->n] = NULL;
	return 0;
}

/* Copy one word starting at *pp into buf (unquoted); *pp moves past it.
 * Returns the word's length or -1 for an unterminated quote. */
static long scan_word(const char **pp, char *buf)
{
	const char *p = *pp;
	char quote = 0;
	long len = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
				buf[len++] = *++p;
			else
				buf[len++] = *p;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			break;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '\\' && p[1]) {
			buf[len++] = *++p;
		} else {
			buf[len++] = *p;
		}
	}
	*pp = p;
	return quote ? -1 : len;
}

void shell_free_args(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int shell_split(const char *line, char ***argv, const char **err)
{
	struct words w = { calloc(SHELL_MAX_ARGS + 1, sizeof(char *)), 0 };
	char *buf = malloc(strlen(line) + 1);
	const char *p = line;
	long len;

	*argv = NULL;
	*err = "out of memory";
	if (!w.v || !buf)
		goto fail;
	for (;;) {
		p += strspn(p, " \t\n\r");
		if (!*p || *p == '#')
			break;
		len = scan_word(&p, buf);
		if (len < 0) {
			*err = "unterminated quote";
			goto fail;
		}
		if (add_word(&w, buf, len)) {
			*err = "too many words";
			goto fail;
		}
	}
	free(buf);
	*argv = w.v;
	return w.n;
fail:
	free(buf);
	shell_free_args(w.v);
	return -1;
}
