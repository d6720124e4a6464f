// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: the event log and the highlights of what just changed. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tui/events.h"

/* A change stays highlighted this long, and at least three refreshes */
#define MARK_MIN_MS	4000

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

void event_add(struct event_log *log, enum ui_col col, const char *fmt, ...)
{
	struct ui_event *e = &log->ring[log->head];
	va_list ap;

	e->wall_ms = log->clock_ms ? log->clock_ms : wall_ms();
	e->seq = log->seq++;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	log->head = (log->head + 1) % EVENTS_KEPT;
	if (log->count < EVENTS_KEPT)
		log->count++;
}

const struct ui_event *event_get(const struct event_log *log, unsigned i)
{
	if (i >= log->count)
		return NULL;
	return &log->ring[(log->head + EVENTS_KEPT - 1 - i) % EVENTS_KEPT];
}

unsigned event_count(const struct event_log *log)
{
	return log->count;
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

int event_log_save(const struct event_log *log, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	int err = 0;

	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	for (unsigned i = log->count; i-- > 0;) {
		const struct ui_event *e = event_get(log, i);
		time_t t = e->wall_ms / 1000;
		char day[16], hms[16];
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		event_time(e, hms, sizeof(hms));
		fprintf(f, "%s %s  %s\n", day, hms, e->text);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

long marks_hold_ms(long interval_ms)
{
	long d = 3 * interval_ms;

	return d > MARK_MIN_MS ? d : MARK_MIN_MS;
}

void mark_set(struct marks *ms, enum mark_type t, int64_t a, int64_t b,
	      char kind)
{
	struct mark *m = NULL;

	for (unsigned i = 0; i < ms->n && !m; i++)
		if (ms->list[i].t == t && ms->list[i].a == a && ms->list[i].b == b)
			m = &ms->list[i];
	if (m) {
		/* "new" wins over "changed" while both are live */
		if (m->kind != '+')
			m->kind = kind;
	} else if (ms->n < MARKS_MAX) {
		m = &ms->list[ms->n++];
		*m = (struct mark){ .t = t, .a = a, .b = b, .kind = kind };
	} else {
		return;		/* a flood of changes: the log has them */
	}
	m->until = mono_ms() + ms->hold_ms;
}

char mark_get(const struct marks *ms, enum mark_type t, int64_t a, int64_t b)
{
	for (unsigned i = 0; i < ms->n; i++)
		if (ms->list[i].t == t && ms->list[i].a == a && ms->list[i].b == b)
			return ms->list[i].kind;
	return ' ';
}

bool marks_expire(struct marks *ms)
{
	int64_t now = mono_ms();
	unsigned j = 0;
	bool gone = false;

	for (unsigned i = 0; i < ms->n; i++) {
		if (ms->list[i].until <= now) {
			gone = true;
			continue;
		}
		ms->list[j++] = ms->list[i];
	}
	ms->n = j;
	return gone;
}

long marks_next_expiry(const struct marks *ms)
{
	int64_t now = mono_ms(), best = -1;

	for (unsigned i = 0; i < ms->n; i++)
		if (best < 0 || ms->list[i].until < best)
			best = ms->list[i].until;
	if (best < 0)
		return -1;
	return best > now ? (long)(best - now) : 0;
}
