/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: text lines that wrap at a word before TEXT_WIDTH columns. */
#ifndef VTDCTL_OUTPUT_WRAP_H
#define VTDCTL_OUTPUT_WRAP_H

#include <stdio.h>

/* Every line of the default text output fits in this many columns. */
#define TEXT_WIDTH	100

/*
 * A line being written word by word: a word that would pass TEXT_WIDTH
 * starts a new line, indented by indent spaces (a word longer than a line
 * is written whole). col is where the caller's own text left the cursor.
 */
struct wrap {
	FILE *f;
	unsigned col;
	unsigned indent;
};

void wrap_start(struct wrap *w, FILE *f, unsigned col, unsigned indent);
/* sep (" ", ", ") then the word, unless the word starts a line */
void wrap_word(struct wrap *w, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Every blank-separated word of text, one space apart. */
void wrap_text(struct wrap *w, const char *text);
void wrap_end(struct wrap *w);

#endif
