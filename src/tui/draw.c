// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: the drawing primitives (colours, title, text on a row). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/draw.h"

static const struct {
	short fg, bg;
	int attr, mono;
} ui_colors[UC_NR] = {
#define C(name, fg, bg, attr, mono) [UC_##name] = { fg, bg, attr, mono },
	UI_COLORS
#undef C
};

void ui_colours_init(struct ui_frame *f, int want)
{
	const char *nc = getenv("NO_COLOR");

	f->colours = want != 0 && (want > 0 || !(nc && *nc)) && has_colors() &&
		     start_color() == OK;
	if (!f->colours)
		return;
	use_default_colors();
	for (int c = 1; c < UC_NR; c++)
		init_pair(c, ui_colors[c].fg, ui_colors[c].bg);
}

int ui_attr(const struct ui_frame *f, enum ui_col c)
{
	if (!f->colours)
		return ui_colors[c].mono;
	return ui_colors[c].attr | (c == UC_DEFAULT ? 0 : COLOR_PAIR(c));
}

void ui_title(struct ui_frame *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->title, sizeof(f->title), fmt, ap);
	va_end(ap);
}

void fill_line(const struct ui_frame *f, int y, enum ui_col c)
{
	attrset(ui_attr(f, c));
	mvhline(y, 0, ' ', COLS);
}

void put_text(int y, int x, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (x < COLS)
		mvaddnstr(y, x, buf, COLS - x);
}

const char *ui_shifted(const struct ui_frame *f, const char *text)
{
	size_t n = strlen(text);

	return f->hscroll <= 0 ? text : (size_t)f->hscroll >= n ? text + n :
	       text + f->hscroll;
}

void col_header(const struct ui_frame *f, const char *text)
{
	attrset(ui_attr(f, UC_TITLE));
	mvaddnstr(f->body_top, 1, ui_shifted(f, text), COLS > 1 ? COLS - 1 : 0);
	attrset(A_NORMAL);
}

void body_note(const struct ui_frame *f, const char *text)
{
	mvaddnstr(f->body_top + 1, 2, ui_shifted(f, text), COLS > 2 ? COLS - 2 : 0);
}
