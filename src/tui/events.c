// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: the event log and the highlights of what just changed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui/ui.h"

#define EVENTS_KEPT	1000
#define MARKS_MAX	512
/* A change stays highlighted this long, and at least three refreshes */
#define MARK_MIN_MS	4000

static struct ui_event events[EVENTS_KEPT];
static unsigned ev_head, ev_count;	/* head: next slot to write */
static int64_t ev_seq;

struct mark {
	enum mark_type t;
	int64_t a, b;
	char kind;
	int64_t until;		/* mono ms */
};
static struct mark marks[MARKS_MAX];
static unsigned nr_marks;

int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void event_log(enum ui_col col, const char *fmt, ...)
{
	struct ui_event *e = &events[ev_head];
	va_list ap;

	e->wall_ms = wall_ms();
	e->seq = ev_seq++;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	ev_head = (ev_head + 1) % EVENTS_KEPT;
	if (ev_count < EVENTS_KEPT)
		ev_count++;
}

const struct ui_event *event_get(unsigned i)
{
	if (i >= ev_count)
		return NULL;
	return &events[(ev_head + EVENTS_KEPT - 1 - i) % EVENTS_KEPT];
}

unsigned event_count(void)
{
	return ev_count;
}

/* "14:03:27.418", local time */
void event_time(const struct ui_event *e, char *buf, size_t len)
{
	time_t t = e->wall_ms / 1000;
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (int)(e->wall_ms % 1000));
}

static long mark_duration(void)
{
	long d = 3 * W.interval_ms;

	return d > MARK_MIN_MS ? d : MARK_MIN_MS;
}

void mark_set(enum mark_type t, int64_t a, int64_t b, char kind)
{
	struct mark *m = NULL;

	for (unsigned i = 0; i < nr_marks && !m; i++)
		if (marks[i].t == t && marks[i].a == a && marks[i].b == b)
			m = &marks[i];
	if (m) {
		/* "new" wins over "changed" while both are live */
		if (m->kind != '+')
			m->kind = kind;
	} else if (nr_marks < MARKS_MAX) {
		m = &marks[nr_marks++];
		*m = (struct mark){ .t = t, .a = a, .b = b, .kind = kind };
	} else {
		return;		/* a flood of changes: the log has them */
	}
	m->until = mono_ms() + mark_duration();
}

char mark_get(enum mark_type t, int64_t a, int64_t b)
{
	for (unsigned i = 0; i < nr_marks; i++)
		if (marks[i].t == t && marks[i].a == a && marks[i].b == b)
			return marks[i].kind;
	return ' ';
}

bool marks_expire(void)
{
	int64_t now = mono_ms();
	unsigned j = 0;
	bool gone = false;

	for (unsigned i = 0; i < nr_marks; i++) {
		if (marks[i].until <= now) {
			gone = true;
			continue;
		}
		marks[j++] = marks[i];
	}
	nr_marks = j;
	return gone;
}

long marks_next_expiry(void)
{
	int64_t now = mono_ms(), best = -1;

	for (unsigned i = 0; i < nr_marks; i++)
		if (best < 0 || marks[i].until < best)
			best = marks[i].until;
	if (best < 0)
		return -1;
	return best > now ? (long)(best - now) : 0;
}
