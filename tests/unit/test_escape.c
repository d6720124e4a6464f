// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: text output escaping (src/output/escape.c): what a terminal would
 * act on is shown as \xHH, valid UTF-8 text is kept, in strings and through
 * the escaping stream, also when a write cuts a UTF-8 sequence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "unit.h"

static const char *esc(const char *s)
{
	static char buf[256];

	return text_escape(buf, sizeof(buf), s);
}

static void test_strings(void)
{
	char small[8];

	CHECK_STR(esc("plain 00:03.0"), "plain 00:03.0");
	CHECK_STR(esc("\x1b]0;t\x07"), "\\x1b]0;t\\x07");
	CHECK_STR(esc("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
	CHECK_STR(esc("\x7f"), "\\x7f");
	/* UTF-8: kept; C1 CSI (U+009B) and lone or bad bytes escaped */
	CHECK_STR(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_STR(esc("\xc2\x9b" "31m"), "\\xc2\\x9b31m");
	CHECK_STR(esc("\x9b" "31m"), "\\x9b31m");
	CHECK_STR(esc("\xc3"), "\\xc3");
	CHECK_STR(esc("\xc0\xaf"), "\\xc0\\xaf");		/* overlong '/' */
	CHECK_STR(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");	/* a surrogate */
	CHECK_STR(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	CHECK_STR(text_escape(small, sizeof(small), "\x1b\x1b\x1b"), "\\x1b\\x1");
}

static void test_stream(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	FILE *f = text_escaping_stream(mem);

	CHECK(f != mem);
	fprintf(f, "dev %s\n", "x\x1b[2Jy");
	fputs("\xe2\x82", f);		/* a sequence cut between two writes */
	fputs("\xac\t", f);
	fputc('\xc2', f);
	fputc('\x9b', f);
	fputs("\xe2", f);		/* cut, and never finished */
	fclose(f);
	fclose(mem);
	CHECK_STR(text, "dev x\\x1b[2Jy\n\xe2\x82\xac\t\\xc2\\x9b\\xe2");
	free(text);
}

int main(void)
{
	test_strings();
	test_stream();
	return unit_summary();
}
