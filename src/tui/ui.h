/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: what the files of the live view share (not for other modules).
 *
 * Structure (as ncdu): one state variable says which screen is shown; each
 * screen has <screen>_draw() and <screen>_key(ch); input_handle() in ui.c is
 * the only caller of getch() and handles KEY_RESIZE and the redraw. Data
 * comes from refresh.c, which owns the source, the models and the event log;
 * screens only read it. Every list on screen is a struct ui_list (list.c):
 * the screen rebuilds its rows on each draw, list.c keeps the selection
 * (by row key), scrolling, the '/' filter and the 's' sort order.
 */
#ifndef VTDCTL_TUI_UI_H
#define VTDCTL_TUI_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "tui/tui.h"
#include "walker/iq.h"

enum ui_state {
	ST_DEVICES,	/* device list */
	ST_DEVICE,	/* one device: context entry and PASIDs */
	ST_ENTRY,	/* one entry, field by field, raw qwords */
	ST_REGS,
	ST_FAULTS,
	ST_IQ,
	ST_FINDINGS,
	ST_EVENTS,
	ST_HELP,
	ST_NR,
	ST_QUIT = ST_NR,
};

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

/* The attribute to draw with for a colour of the table */
int ui_attr(enum ui_col c);

/* --- lists --------------------------------------------------------------- */

#define UI_ROW_MAX 256

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
void list_draw(struct ui_list *l, int y0, int y1, bool show_sel);
/* Movement keys; true if ch was one */
bool list_key(struct ui_list *l, int ch, int page);
const struct ui_row *list_selected(const struct ui_list *l);
void list_free(struct ui_list *l);

/* --- events and highlights (events.c) ---------------------------------- */

enum mark_type { MK_DEV, MK_PASID, MK_REG, MK_FAULT, MK_IQ, MK_FINDING };

#define PASID_CTX	(-2)	/* "the context entry" in place of a PASID */

/* Highlight an object for a few seconds: '+' new, '~' changed */
void mark_set(enum mark_type t, int64_t a, int64_t b, char kind);
/* The live mark of an object, ' ' if none */
char mark_get(enum mark_type t, int64_t a, int64_t b);
/* Drop marks past their time; true if any went (a redraw is due) */
bool marks_expire(void);
/* ms until the next mark expires, or -1 */
long marks_next_expiry(void);

struct ui_event {
	int64_t wall_ms;	/* CLOCK_REALTIME */
	int64_t seq;
	enum ui_col col;
	char text[200];
};

void event_log(enum ui_col col, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* i = 0 is the newest; NULL past the oldest kept */
const struct ui_event *event_get(unsigned i);
unsigned event_count(void);
void event_time(const struct ui_event *e, char *buf, size_t len);

int64_t mono_ms(void);
int64_t wall_ms(void);

/* --- the watched target (refresh.c) ------------------------------------ */

struct watch {
	struct tui_conf conf;
	struct vtd_source *src;		/* NULL while disconnected */
	char target[640];
	char conn_msg[640];		/* why the last connection failed */
	int64_t connected_since;
	bool ever_connected;

	struct vtd_model *cur;		/* latest walk (valid when have_model) */
	bool have_model;
	int64_t last_tick_wall;		/* CLOCK_REALTIME ms */
	long walk_ms;			/* duration of the last walk */
	unsigned long walks, ticks, ticks_since_walk;
	unsigned long rereads;		/* PASIDs re-read alone, not walked */

	struct vtd_regfile *rf;		/* latest registers */
	struct vtd_faults *faults;	/* pending fault records from rf */
	struct vtd_iq iq;		/* latest queue window */
	bool have_iq;
	uint32_t iq_tail;		/* the tail whose descriptors were logged */
	struct vtd_model *iq_scratch;	/* findings of the IQ read */

	long interval_ms;
	bool paused;
	int64_t next_tick;		/* mono ms */
	int64_t next_reconnect;
	long backoff_ms;
};

extern struct watch W;

int watch_init(const struct tui_conf *conf, struct vtd_source *src);
void watch_free(void);
/* One refresh (or a reconnection attempt) when due; true if data changed */
bool watch_poll(void);
/* ms until watch_poll() has work, -1 for never (paused or still) */
long watch_wait_ms(void);
void watch_set_interval(long ms);
/* Refresh now (after un-pausing) */
void watch_kick(void);

/* Lookups in the current model (NULL when gone) */
const struct vtd_device *watch_device(int bus, int devfn);
const struct vtd_pasid_rec *watch_pasid(const struct vtd_device *d,
					uint32_t pasid);
unsigned watch_pasid_findings(const struct vtd_device *d, int64_t pasid);

/* --- screens ------------------------------------------------------------- */

extern enum ui_state ui_state;
extern struct ui_list ui_lists[ST_NR];

/* The device and entry the detail screens show */
struct ui_focus {
	int bus, devfn;
	int64_t pasid;		/* PASID_CTX for the context entry */
	enum ui_state back;	/* where Backspace returns from ST_ENTRY/ST_HELP */
};
extern struct ui_focus ui_focus;

/* Layout rows of the body: [ui_body_top, ui_body_bottom] */
extern int ui_body_top, ui_body_bottom;

void ui_goto(enum ui_state st);
void ui_title(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ui_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void devices_draw(void);
bool devices_key(int ch);
void device_draw(void);
bool device_key(int ch);
void entry_draw(void);
bool entry_key(int ch);
void regs_draw(void);
void faults_draw(void);
void iq_draw(void);
void findings_draw(void);
void events_draw(void);
void help_draw(void);

/* Small formatting helpers (screens.c) */
void bdf_str(char buf[8], int bus, int devfn);
const char *pgtt_str(unsigned pgtt, char *buf, unsigned len);

#endif
