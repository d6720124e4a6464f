/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl watch: the drawing primitives every part of the screen uses: the
 * colour table, the frame (colours, where the body is, the title) and text
 * cut at the right edge.
 */
#ifndef VTDCTL_TUI_DRAW_H
#define VTDCTL_TUI_DRAW_H

#include <curses.h>
#include <stdbool.h>

#define UI_ROW_MAX 256

/* Colours: name, foreground, background, attribute with colours, attribute
 * on a terminal without them (or with NO_COLOR set). */
#define UI_COLORS \
	C(DEFAULT,  -1,            -1,          A_NORMAL, A_NORMAL)           \
	C(HEADER,   COLOR_BLACK,   COLOR_CYAN,  A_NORMAL, A_REVERSE)          \
	C(TITLE,    COLOR_CYAN,    -1,          A_BOLD,   A_BOLD)             \
	C(SEL,      COLOR_BLACK,   COLOR_WHITE, A_NORMAL, A_REVERSE)          \
	C(NEW,      COLOR_GREEN,   -1,          A_BOLD,   A_BOLD | A_UNDERLINE) \
	C(CHANGED,  COLOR_YELLOW,  -1,          A_BOLD,   A_BOLD)             \
	C(GONE,     COLOR_RED,     -1,          A_BOLD,   A_BOLD)             \
	C(ERROR,    COLOR_RED,     -1,          A_BOLD,   A_BOLD)             \
	C(WARN,     COLOR_YELLOW,  -1,          A_NORMAL, A_NORMAL)           \
	C(DIM,      COLOR_BLUE,    -1,          A_BOLD,   A_DIM)              \
	C(STATUS,   COLOR_BLACK,   COLOR_WHITE, A_NORMAL, A_REVERSE)

enum ui_col {
#define C(name, fg, bg, attr, mono) UC_##name,
	UI_COLORS
#undef C
	UC_NR
};

/* What drawing needs to know of the terminal and of the layout */
struct ui_frame {
	bool colours;			/* else the mono attributes */
	int body_top, body_bottom;	/* rows of a screen's body */
	char title[UI_ROW_MAX];		/* set by the screen while it draws */
	int hscroll;			/* columns the body is scrolled right by */
};

/* Colours on when the terminal has them and NO_COLOR is unset, unless
 * want says otherwise (--color: 1 always, 0 never, -1 auto) */
void ui_colours_init(struct ui_frame *f, int want);
/* The attribute to draw with for a colour of the table */
int ui_attr(const struct ui_frame *f, enum ui_col c);

void ui_title(struct ui_frame *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Row y in colour c from edge to edge */
void fill_line(const struct ui_frame *f, int y, enum ui_col c);
/* Text at (y, x), cut at the right edge (mvprintw would wrap) */
void put_text(int y, int x, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* text as the body shows it, scrolled right by f->hscroll columns */
const char *ui_shifted(const struct ui_frame *f, const char *text);
/* The column names above a list, on the body's first row */
void col_header(const struct ui_frame *f, const char *text);
/* A line of explanation under the column names */
void body_note(const struct ui_frame *f, const char *text);

#endif
