// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch --trace: the view over a recording. Each sample is a source
 * of its own (the state recorded then); going to a sample puts its source
 * in place of the last one and runs one refresh with a forced walk, so the
 * view, its highlights and its event log show what changed between the two
 * samples as they would have live, at the recorded time. Playing steps to
 * the next sample when its recorded distance (divided by the speed) has
 * passed on the monotonic clock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "replay/replay.h"
#include "tui/refresh.h"

static const struct tui_replay *rp_of(const struct watch *w)
{
	return w->conf.replay;
}

/* Put sample i's source in place; false (and a message) when it cannot be
 * read: the view keeps the last one. */
static bool open_sample(struct watch *w, size_t i)
{
	const struct tui_replay *r = rp_of(w);
	char err[512] = "";
	struct vtd_source *s = r->open_at(r->ctx, i, err, sizeof(err));

	if (!s) {
		snprintf(w->rp.msg, sizeof(w->rp.msg), "sample %zu: %.120s", i + 1,
			 err[0] ? err : "cannot be read");
		event_add(&w->log, UC_ERROR, "%s", w->rp.msg);
		return false;
	}
	if (w->src)
		source_close(w->src);
	w->src = s;
	w->rp.msg[0] = 0;
	return true;
}

/* Show sample i: its source, one refresh at its recorded time */
static void show_sample(struct watch *w, size_t i)
{
	const struct tui_replay *r = rp_of(w);
	bool back = i < w->rp.at;

	w->rp.go = false;
	if (!open_sample(w, i))
		return;
	/* going back: the queue's tail moved backwards, no descriptors to log */
	if (back)
		w->have_iq = false;
	w->log.clock_ms = r->times[i];
	watch_ev_begin(w);
	watch_tick(w, true);
	watch_ev_end(w);
	w->log.clock_ms = 0;
	w->rp.at = i;
	w->ticks++;
	w->last_tick_wall = r->times[i];
	w->rp.play_mono = mono_ms();
}

/* Playing: the next sample is due when its recorded distance has passed */
static int64_t next_due(const struct watch *w)
{
	const struct tui_replay *r = rp_of(w);
	size_t i = w->rp.at;

	if (!w->rp.playing || i + 1 >= r->nr_times)
		return -1;
	return w->rp.play_mono + replay_due_ms(r->times[i], r->times[i + 1], w->rp.speed);
}

bool replay_poll(struct watch *w)
{
	int64_t due = next_due(w);

	if (!w->have_model && !w->rp.go) {
		/* the first picture: the source the view was started with */
		size_t i = rp_of(w)->start < rp_of(w)->nr_times ? rp_of(w)->start : 0;

		w->rp.at = i;
		w->log.clock_ms = rp_of(w)->times[i];
		watch_ev_begin(w);
		watch_tick(w, true);
		watch_ev_end(w);
		w->log.clock_ms = 0;
		w->ticks++;
		w->last_tick_wall = rp_of(w)->times[i];
		return true;
	}
	if (w->rp.go) {
		show_sample(w, w->rp.to);
		return true;
	}
	if (due >= 0 && mono_ms() >= due) {
		show_sample(w, w->rp.at + 1);
		if (w->rp.at + 1 >= rp_of(w)->nr_times)
			w->rp.playing = false;
		return true;
	}
	return false;
}

long replay_wait_ms(const struct watch *w)
{
	int64_t due = next_due(w), now = mono_ms();

	if (w->rp.go || !w->have_model)
		return 0;
	if (due < 0)
		return -1;
	return due > now ? (long)(due - now) : 0;
}

static void go_to(struct watch *w, size_t i)
{
	w->rp.to = i;
	w->rp.go = true;
}

void replay_step(struct watch *w, int dir, char *msg, size_t len)
{
	size_t n = rp_of(w)->nr_times, at = w->rp.go ? w->rp.to : w->rp.at;

	w->rp.playing = false;
	if (dir > 0 && at + 1 < n)
		go_to(w, at + 1);
	else if (dir < 0 && at > 0)
		go_to(w, at - 1);
	else
		snprintf(msg, len, "%s sample of the recording", dir > 0 ? "the last" : "the first");
}

/* The first sample that shows mark m (at or after its time), or the last */
static size_t sample_of_mark(const struct tui_replay *r, size_t m)
{
	size_t i = replay_index_at(r->times, r->nr_times, r->marks[m]);

	if (r->times[i] < r->marks[m] && i + 1 < r->nr_times)
		i++;
	return i;
}

void replay_jump_mark(struct watch *w, int dir, char *msg, size_t len)
{
	const struct tui_replay *r = rp_of(w);
	size_t at = w->rp.go ? w->rp.to : w->rp.at, i = at;
	long m = dir > 0 ? replay_next_mark(r->marks, r->nr_marks, r->times[at]) :
			   replay_prev_mark(r->marks, r->nr_marks, r->times[at]);

	w->rp.playing = false;
	/* backwards: the latest mark a sample before this one shows */
	for (; m >= 0; m--) {
		i = sample_of_mark(r, (size_t)m);
		if (dir > 0 || i < at)
			break;
	}
	if (m < 0 || i == at) {
		snprintf(msg, len, "no %s fault or finding", dir > 0 ? "later" : "earlier");
		return;
	}
	go_to(w, i);
	snprintf(msg, len, "%s fault or finding", dir > 0 ? "next" : "previous");
}

void replay_toggle_play(struct watch *w, char *msg, size_t len)
{
	const struct tui_replay *r = rp_of(w);
	size_t at = w->rp.go ? w->rp.to : w->rp.at;

	if (!w->rp.playing && at + 1 >= r->nr_times) {
		snprintf(msg, len, "at the end: , or [ to go back");
		return;
	}
	w->rp.playing = !w->rp.playing;
	w->rp.play_mono = mono_ms();
	snprintf(msg, len, w->rp.playing ? "playing at %ux the recorded pace" : "paused",
		 w->rp.speed);
}

void replay_speed(struct watch *w, int dir, char *msg, size_t len)
{
	w->rp.speed = replay_speed_step(w->rp.speed, dir);
	snprintf(msg, len, "speed %ux the recorded pace", w->rp.speed);
}

void replay_position(const struct watch *w, char *buf, size_t len)
{
	const struct tui_replay *r = rp_of(w);
	size_t at = w->rp.at < r->nr_times ? w->rp.at : 0;
	char t[80], rel[24];
	time_t s = (time_t)(r->times[at] / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(t, sizeof(t), "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(r->times[at] % 1000));
	replay_fmt_rel(rel, sizeof(rel), replay_ms_between(r->times[0], r->times[at]));
	snprintf(buf, len, "%s UTC (%s) sample %zu/%zu%s%s", t, rel, at + 1, r->nr_times,
		 w->rp.playing ? " playing " : "", "");
	if (w->rp.playing) {
		size_t n = strlen(buf);

		snprintf(buf + n, len > n ? len - n : 0, "%ux", w->rp.speed);
	}
}
