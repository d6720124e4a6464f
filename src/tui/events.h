/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl watch: the event log, the highlights of what just changed, clocks. */
#ifndef VTDCTL_TUI_EVENTS_H
#define VTDCTL_TUI_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/draw.h"

#define EVENTS_KEPT	1000
#define MARKS_MAX	512

/* --- highlights ------------------------------------------------------------ */

enum mark_type { MK_DEV, MK_PASID, MK_REG, MK_FAULT, MK_IQ, MK_FINDING };

#define PASID_CTX	(-2)	/* "the context entry" in place of a PASID */

struct mark {
	enum mark_type t;
	int64_t a, b;
	char kind;
	int64_t until;		/* mono ms */
};

struct marks {
	struct mark list[MARKS_MAX];
	unsigned n;
	long hold_ms;		/* how long a mark set now stays */
};

/* How long a mark stays at this refresh period: three refreshes, 4 s at least */
long marks_hold_ms(long interval_ms);
/* Highlight an object for a while: '+' new, '~' changed */
void mark_set(struct marks *ms, enum mark_type t, int64_t a, int64_t b,
	      char kind);
/* The live mark of an object, ' ' if none */
char mark_get(const struct marks *ms, enum mark_type t, int64_t a, int64_t b);
/* Drop marks past their time; true if any went (a redraw is due) */
bool marks_expire(struct marks *ms);
/* ms until the next mark expires, or -1 */
long marks_next_expiry(const struct marks *ms);

/* --- the event log --------------------------------------------------------- */

struct ui_event {
	int64_t wall_ms;	/* CLOCK_REALTIME */
	int64_t seq;
	enum ui_col col;
	char text[200];
};

/* The newest EVENTS_KEPT events, in a ring */
struct event_log {
	struct ui_event ring[EVENTS_KEPT];
	unsigned head, count;	/* head: next slot to write */
	int64_t seq;
	int64_t clock_ms;	/* 0: events take the wall clock; a replay
				 * sets the recorded time of its sample */
};

void event_add(struct event_log *log, enum ui_col col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* i = 0 is the newest; NULL past the oldest kept */
const struct ui_event *event_get(const struct event_log *log, unsigned i);
unsigned event_count(const struct event_log *log);
void event_time(const struct ui_event *e, char *buf, size_t len);
/* Every event kept, oldest first, one "YYYY-MM-DD HH:MM:SS.mmm  text" line
 * each, into a new file path (not over an existing one); 0 or -errno */
int event_log_save(const struct event_log *log, const char *path);

int64_t mono_ms(void);
int64_t wall_ms(void);

#endif
