/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl watch: every list on screen. The screen rebuilds its rows on each
 * draw (list_begin, list_add..., list_end); the list keeps the selection
 * (by row key), scrolling, the '/' filter and the 's' sort order.
 */
#ifndef VTDCTL_TUI_LIST_H
#define VTDCTL_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/draw.h"

struct ui_row {
	char text[UI_ROW_MAX];
	unsigned char col;	/* enum ui_col */
	char mark;		/* ' ', '+' new, '~' changed, '!' trouble */
	int64_t key;		/* identity: keeps the selection across refreshes */
	int64_t sk[4];		/* sort keys, one per sort order */
};

struct ui_list {
	struct ui_row *rows;
	size_t n, cap;
	size_t sel, top;
	int64_t sel_key;
	bool have_sel;
	int sort;			/* index into sort_names */
	const char *const *sort_names;	/* NULL-terminated; NULL: one order */
	char filter[64];
	unsigned hidden;		/* rows the filter left out */
};

void list_begin(struct ui_list *l);
/* A row (NULL when out of memory or filtered out); sk[] default to the
 * insertion order. */
struct ui_row *list_add(struct ui_list *l, int64_t key, enum ui_col col,
			char mark, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void list_end(struct ui_list *l);
/* Body rows y0..y1 (inclusive) of the screen */
void list_draw(const struct ui_frame *f, struct ui_list *l, int y0, int y1,
	       bool show_sel);
/* Movement keys; true if ch was one */
bool list_key(struct ui_list *l, int ch, int page);
const struct ui_row *list_selected(const struct ui_list *l);
void list_free(struct ui_list *l);

#endif
