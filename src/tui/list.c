// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: scrollable lists with a kept selection, filter and sort. */
#define _GNU_SOURCE	/* qsort_r */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/list.h"

void list_begin(struct ui_list *l)
{
	const struct ui_row *r = list_selected(l);

	if (r) {
		l->sel_key = r->key;
		l->have_sel = true;
	}
	l->n = 0;
	l->hidden = 0;
}

static bool row_matches(const char *text, const char *filter)
{
	size_t n = strlen(filter);

	if (!n)
		return true;
	for (; *text; text++)
		if (!strncasecmp(text, filter, n))
			return true;
	return false;
}

static struct ui_row *grow(struct ui_list *l)
{
	struct ui_row *rows;
	size_t cap;

	if (l->n < l->cap)
		return &l->rows[l->n];
	cap = l->cap ? l->cap * 2 : 64;
	rows = realloc(l->rows, cap * sizeof(*rows));
	if (!rows)
		return NULL;
	l->rows = rows;
	l->cap = cap;
	return &l->rows[l->n];
}

struct ui_row *list_add(struct ui_list *l, int64_t key, enum ui_col col,
			char mark, const char *fmt, ...)
{
	struct ui_row *r = grow(l);
	va_list ap;

	if (!r)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	if (!row_matches(r->text, l->filter)) {
		l->hidden++;
		return NULL;
	}
	r->key = key;
	r->col = col;
	r->mark = mark ? mark : ' ';
	for (unsigned i = 0; i < sizeof(r->sk) / sizeof(r->sk[0]); i++)
		r->sk[i] = (int64_t)l->n;
	l->n++;
	return r;
}

/* The chosen order (*sort, an index into sk[]), then the natural one (sk[0]) */
static int cmp_rows(const void *a, const void *b, void *sort)
{
	const struct ui_row *x = a, *y = b;
	int by = *(const int *)sort;
	int64_t d = x->sk[by] - y->sk[by];

	if (!d)
		d = x->sk[0] - y->sk[0];
	return d < 0 ? -1 : d > 0;
}

void list_end(struct ui_list *l)
{
	if (l->sort > 0 && l->n > 1)
		qsort_r(l->rows, l->n, sizeof(l->rows[0]), cmp_rows, &l->sort);
	if (l->have_sel)
		for (size_t i = 0; i < l->n; i++)
			if (l->rows[i].key == l->sel_key) {
				l->sel = i;
				break;
			}
	if (l->sel >= l->n)
		l->sel = l->n ? l->n - 1 : 0;
}

const struct ui_row *list_selected(const struct ui_list *l)
{
	return l->sel < l->n ? &l->rows[l->sel] : NULL;
}

static int row_attr(const struct ui_frame *f, const struct ui_row *r,
		    bool selected)
{
	if (selected)
		return ui_attr(f, UC_SEL) | (r->mark != ' ' ? A_BOLD : 0);
	if (r->mark == '+')
		return ui_attr(f, UC_NEW);
	if (r->mark == '~')
		return ui_attr(f, UC_CHANGED);
	return ui_attr(f, r->col);
}

void list_draw(const struct ui_frame *f, struct ui_list *l, int y0, int y1,
	       bool show_sel)
{
	int h = y1 - y0 + 1;

	if (h <= 0)
		return;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)h)
		l->top = l->sel - h + 1;
	if (l->top + h > l->n)
		l->top = l->n > (size_t)h ? l->n - h : 0;
	for (int y = 0; y < h && l->top + y < l->n; y++) {
		const struct ui_row *r = &l->rows[l->top + y];
		bool sel = show_sel && l->top + y == l->sel;

		attrset(row_attr(f, r, sel));
		if (sel)
			mvhline(y0 + y, 0, ' ', COLS);
		mvaddch(y0 + y, 0, r->mark);
		mvaddnstr(y0 + y, 1, ui_shifted(f, r->text), COLS > 1 ? COLS - 1 : 0);
	}
	attrset(A_NORMAL);
}

bool list_key(struct ui_list *l, int ch, int page)
{
	size_t last = l->n ? l->n - 1 : 0;

	if (page < 1)
		page = 1;
	switch (ch) {
	case KEY_UP: case 'k':
		if (l->sel)
			l->sel--;
		break;
	case KEY_DOWN: case 'j':
		if (l->sel < last)
			l->sel++;
		break;
	case KEY_PPAGE:
		l->sel = l->sel > (size_t)page ? l->sel - page : 0;
		break;
	case KEY_NPAGE: case ' ':
		l->sel = l->sel + page < last ? l->sel + page : last;
		break;
	case KEY_HOME: case 'g':
		l->sel = 0;
		break;
	case KEY_END: case 'G':
		l->sel = last;
		break;
	default:
		return false;
	}
	l->have_sel = false;
	return true;
}

void list_free(struct ui_list *l)
{
	free(l->rows);
	memset(l, 0, sizeof(*l));
}
