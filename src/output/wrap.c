// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: text lines that wrap at a word before TEXT_WIDTH columns. */
#include <stdarg.h>
#include <string.h>

#include "output/wrap.h"

void wrap_start(struct wrap *w, FILE *f, unsigned col, unsigned indent)
{
	w->f = f;
	w->col = col;
	w->indent = indent;
}

static void put_word(struct wrap *w, const char *sep, const char *word, size_t len)
{
	size_t sl = strlen(sep);

	if (w->col > w->indent && w->col + sl + len > TEXT_WIDTH) {
		fprintf(w->f, "\n%*s", (int)w->indent, "");
		w->col = w->indent;
		sl = 0;
	}
	fprintf(w->f, "%s%.*s", sl ? sep : "", (int)len, word);
	w->col += (unsigned)(sl + len);
}

void wrap_word(struct wrap *w, const char *sep, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	put_word(w, sep, buf, strlen(buf));
}

void wrap_text(struct wrap *w, const char *text)
{
	const char *sep = " ";

	for (;;) {
		size_t len;

		text += strspn(text, " ");
		len = strcspn(text, " ");
		if (!len)
			return;
		put_word(w, sep, text, len);
		text += len;
	}
}

void wrap_end(struct wrap *w)
{
	fputc('\n', w->f);
	w->col = 0;
}
