/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl watch: the watched target. The loop owns one struct watch; refresh.c
 * keeps it fresh (the source, the models, the registers, the queue, the
 * event log and the highlights) and the screens only read it.
 */
#ifndef VTDCTL_TUI_REFRESH_H
#define VTDCTL_TUI_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/events.h"
#include "tui/tui.h"
#include "walker/iq.h"

#define MAX_REREADS	8	/* PASIDs re-read in one tick; more: walk */

struct watch {
	struct tui_conf conf;
	struct vtd_source *src;		/* NULL while disconnected */
	char target[640];
	char conn_msg[640];		/* why the last connection failed */

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
	struct vtd_model *iq_scratch;	/* findings of the IQ read */

	long interval_ms;
	bool paused;
	int64_t next_tick;		/* mono ms */
	int64_t next_reconnect;
	long backoff_ms;

	struct event_log log;		/* every change seen */
	struct marks marks;		/* what changed lately */

	/* What one tick works with */
	struct vtd_model *next_model;	/* the next walk, then swapped with cur */
	struct vtd_regfile *next_rf;	/* swapped with rf */
	struct vtd_faults *next_faults;	/* swapped with faults */
	struct {
		uint32_t pasid[MAX_REREADS];	/* named by new PASID-selective pc */
		unsigned n;
		bool overflow;			/* more than MAX_REREADS named */
	} reread;
	/* this tick: events it may still log, and those past the cap */
	unsigned ev_budget, ev_dropped;
	struct {
		uint64_t iqt, iqa;
		uint32_t gsts;
	} iq_seen;			/* the queue registers last read */

	/* watch --trace (conf.replay): where the replay is */
	struct {
		size_t at;		/* the sample shown */
		size_t to;		/* the sample to show at the next poll */
		bool go;		/* `to` is due */
		bool playing;
		unsigned speed;		/* 1: the recorded pace */
		int64_t play_mono;	/* mono ms when `at` began to play */
		char msg[160];		/* why the last step failed */
	} rp;
};

/* 0 or -ENOMEM; w owns src from here on, watch_free() in any case */
int watch_init(struct watch *w, const struct tui_conf *conf,
	       struct vtd_source *src);
void watch_free(struct watch *w);
/* One refresh (or a reconnection attempt) when due; true if data changed */
bool watch_poll(struct watch *w);
/* ms until watch_poll() has work, -1 for never (paused or still) */
long watch_wait_ms(const struct watch *w);
void watch_set_interval(struct watch *w, long ms);
/* Refresh now (after un-pausing) */
void watch_kick(struct watch *w);

/* One refresh now, whatever the interval: the registers, faults, queue,
 * and a walk when they say so or when forced (a replay's new sample). */
int watch_tick(struct watch *w, bool force_walk);
/* Around a tick: the cap on the events one refresh logs */
void watch_ev_begin(struct watch *w);
void watch_ev_end(struct watch *w);

/* watch --trace (src/tui/replay.c): the poll and the wait of the replay,
 * in place of the live ones; the keys' moves (each says what it did in
 * msg, for the status line). */
bool replay_poll(struct watch *w);
long replay_wait_ms(const struct watch *w);
void replay_step(struct watch *w, int dir, char *msg, size_t len);
void replay_jump_mark(struct watch *w, int dir, char *msg, size_t len);
void replay_toggle_play(struct watch *w, char *msg, size_t len);
void replay_speed(struct watch *w, int dir, char *msg, size_t len);
/* "04:31:49.500 UTC (+1.250s) 14/600 playing 2x": where the replay is */
void replay_position(const struct watch *w, char *buf, size_t len);

/* Lookups in the current model (NULL when gone) */
const struct vtd_device *watch_device(const struct watch *w, int bus, int devfn);
const struct vtd_pasid_rec *watch_pasid(const struct vtd_device *d,
					uint32_t pasid);
/* How many findings are about PASID pasid of d */
unsigned watch_pasid_findings(const struct watch *w, const struct vtd_device *d,
			      int64_t pasid);

#endif
