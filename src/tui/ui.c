// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch: the terminal and the loop. Sets ncurses up and always puts
 * the terminal back (on 'q', on an error, on SIGINT/SIGTERM/SIGHUP); owns
 * the view and the watched target, the one getch() (input_handle), the
 * header, the event strip and the status line.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tui/events.h"
#include "tui/panes.h"
#include "tui/refresh.h"
#include "tui/screens.h"
#include "tui/tui.h"
#include "tui/view.h"

/* File scope on purpose: atexit() calls nc_end() without an argument */
static SCREEN *term;
/* File scope on purpose: the signal handler sets it */
static volatile sig_atomic_t got_signal;

/* Each screen's draw and, if it takes keys of its own, key handler */
static const struct screen {
	void (*draw)(struct view *v, const struct watch *w);
	bool (*key)(struct view *v, int ch);
} screens[ST_NR] = {
	[ST_DEVICES]  = { devices_draw, devices_key },
	[ST_DEVICE]   = { device_draw, device_key },
	[ST_ENTRY]    = { entry_draw, NULL },
	[ST_REGS]     = { regs_draw, NULL },
	[ST_FAULTS]   = { faults_draw, NULL },
	[ST_IQ]       = { iq_draw, NULL },
	[ST_FINDINGS] = { findings_draw, NULL },
	[ST_EVENTS]   = { events_draw, NULL },
	[ST_XLATE]    = { xlate_draw, NULL },
	[ST_HELP]     = { help_draw, NULL },
};

/* Intervals '+' and '-' step through */
static const long intervals[] = { 100, 200, 500, 1000, 2000, 5000, 10000,
				  30000, 60000 };
#define NR_INTERVALS (sizeof(intervals) / sizeof(intervals[0]))

/* --- setup and teardown ----------------------------------------------- */

static void on_signal(int sig)
{
	got_signal = sig;
}

/* The caller's handlers (the shell has its own), put back on the way out */
static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
static struct sigaction saved[sizeof(caught) / sizeof(caught[0])];

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: a signal ends the wait in getch() */
	got_signal = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		struct sigaction ign = { .sa_handler = SIG_IGN };

		sigaction(caught[i], caught[i] == SIGPIPE ? &ign : &sa, &saved[i]);
	}
}

static void restore_signals(void)
{
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &saved[i], NULL);
}

static void nc_end(void)
{
	if (!term)
		return;
	endwin();
	delscreen(term);
	term = NULL;
}

static int nc_start(struct ui_frame *f, int want_colour, char *err, size_t errlen)
{
	/* the escape key alone should not take a second */
	if (!getenv("ESCDELAY"))
		setenv("ESCDELAY", "25", 0);
	term = newterm(NULL, stdout, stdin);
	if (!term) {
		snprintf(err, errlen, "cannot set up the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	atexit(nc_end);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	ui_colours_init(f, want_colour);
	return 0;
}

/* --- common parts of the screen ------------------------------------------- */

/* The status line's message until the next key */
static void ui_message(struct view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void ui_message(struct view *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

static const char *mode_str(const struct watch *w)
{
	if (!w->have_model)
		return "?";
	if (w->cur->rtaddr_origin == VTD_RTADDR_NONE)
		return "no root table";
	return vtd_mode_name(w->cur->rtaddr.mode);
}

static void conn_str(const struct watch *w, char *buf, size_t len)
{
	long wait = (long)(w->next_reconnect - mono_ms());

	if (w->conf.replay)
		snprintf(buf, len, "REPLAY%s", w->src ? "" : ": sample unreadable");
	else if (w->conf.still)
		snprintf(buf, len, "still picture%s", w->have_model ? "" : ": unreadable");
	else if (w->src)
		snprintf(buf, len, "connected");
	else
		snprintf(buf, len, "DISCONNECTED, retry in %ld.%ld s",
			 wait > 0 ? wait / 1000 : 0, wait > 0 ? wait % 1000 / 100 : 0);
}

/* Append " part" to buf if it still fits in the screen's width: a line's
 * parts come most important first, and the rest is left out, not cut */
static void add_part(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_part(char *buf, size_t len, const char *fmt, ...)
{
	char part[UI_ROW_MAX];
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(part, sizeof(part), fmt, ap);
	va_end(ap);
	if (n + strlen(part) <= (size_t)COLS && n + strlen(part) < len)
		memcpy(buf + n, part, strlen(part) + 1);
}

/* The target, or only its last path component when the whole does not fit */
static void add_target(char *buf, size_t len, const char *target)
{
	const char *slash = strrchr(target, '/'), *colon = strchr(target, ':');
	size_t n = strlen(buf);

	add_part(buf, len, "  %s", target);
	if (strlen(buf) != n || !slash)
		return;
	add_part(buf, len, "  %.*s%s", colon && colon < slash ? (int)(colon - target + 1) : 0,
		 target, slash + 1);
}

static void header_line1(const struct view *v, const struct watch *w)
{
	uint32_t gsts = vtd_reg32(w->rf, VTD_REG_GSTS);
	char conn[64], st[40], every[32], line[UI_ROW_MAX];

	if (w->rf->valid)
		snprintf(st, sizeof(st), "TE%c QI%c IR%c",
			 gsts & VTD_GSTS_TES ? '+' : '-', gsts & VTD_GSTS_QIES ? '+' : '-',
			 gsts & VTD_GSTS_IRES ? '+' : '-');
	else
		snprintf(st, sizeof(st), "GSTS unknown");
	conn_str(w, conn, sizeof(conn));
	fill_line(&v->frame, 0, UC_HEADER);
	if (w->conf.replay)
		snprintf(every, sizeof(every), "%s %ux", w->rp.playing ? "playing" : "stopped",
			 w->rp.speed);
	else if (w->conf.still)
		snprintf(every, sizeof(every), "no refresh");
	else
		snprintf(every, sizeof(every), "every %ld ms", w->interval_ms);
	line[0] = 0;
	add_part(line, sizeof(line), " vtdctl watch");
	add_part(line, sizeof(line), "  %s", conn);
	if (w->paused)
		add_part(line, sizeof(line), "  PAUSED");
	add_part(line, sizeof(line), "  %s", mode_str(w));
	add_part(line, sizeof(line), "  %s", st);
	add_part(line, sizeof(line), "  %s", every);
	add_target(line, sizeof(line), w->target);
	put_text(0, 0, "%s", line);
}

static size_t total_pasids(const struct watch *w)
{
	size_t n = 0;

	for (size_t i = 0; w->have_model && i < w->cur->nr_devices; i++)
		n += w->cur->devices[i].nr_pasids;
	return n;
}

static void header_line2(const struct view *v, const struct watch *w)
{
	unsigned sev[3] = { 0 };
	struct ui_event e = { .wall_ms = w->last_tick_wall };
	char t[16] = "-", line[UI_ROW_MAX];

	for (size_t i = 0; w->have_model && i < w->cur->nr_findings; i++)
		sev[w->cur->findings[i].sev]++;
	if (w->last_tick_wall)
		event_time(&e, t, sizeof(t));
	fill_line(&v->frame, 1, UC_DEFAULT);
	if (!w->src) {
		attrset(ui_attr(&v->frame, UC_ERROR));
		if (w->conf.replay)
			put_text(1, 0, " cannot read this sample: %s", w->rp.msg[0] ?
				 w->rp.msg : w->conn_msg);
		else if (w->conf.still)
			put_text(1, 0, " cannot read the target: %s", w->conn_msg);
		else
			put_text(1, 0, " last picture from %s; reconnecting: %s", t,
				 w->conn_msg);
		return;
	}
	line[0] = 0;
	add_part(line, sizeof(line), " %zu devices  %zu PASIDs",
		 w->have_model ? w->cur->nr_devices : 0, total_pasids(w));
	add_part(line, sizeof(line), "  %u errors %u warnings %u info", sev[VTD_SEV_ERROR],
		 sev[VTD_SEV_WARNING], sev[VTD_SEV_INFO]);
	add_part(line, sizeof(line), "  faults %u", w->faults->nr_pending);
	add_part(line, sizeof(line), "  at %s", t);
	add_part(line, sizeof(line), "  walk %ld ms", w->walk_ms);
	add_part(line, sizeof(line), "  %lu walks %lu re-reads %lu ticks", w->walks,
		 w->rereads, w->ticks);
	put_text(1, 0, "%s", line);
}

static int strip_height(const struct view *v)
{
	if (v->state == ST_EVENTS || v->state == ST_HELP || LINES < 16)
		return 0;
	return LINES >= 30 ? 6 : 3;
}

static void event_strip(const struct view *v, const struct watch *w, int h)
{
	int y0 = LINES - 1 - h;
	const struct ui_event *e;
	char t[16];

	attrset(ui_attr(&v->frame, UC_TITLE));
	mvhline(y0 - 1, 0, '-', COLS);
	mvaddstr(y0 - 1, 2, " Events (l: all) ");
	for (int i = 0; i < h && (e = event_get(&w->log, i)); i++) {
		event_time(e, t, sizeof(t));
		attrset(ui_attr(&v->frame, e->col));
		put_text(y0 + i, 1, "%s  %s", t, e->text);
	}
	attrset(A_NORMAL);
}

/* The status line's keys, as many as fit, the most needed first */
static const char *key_hints(const struct view *v, const struct watch *w,
			     const struct ui_list *l, char *line, size_t len)
{
	line[0] = 0;
	add_part(line, len, " q quit  ? help");
	if (w->conf.replay) {
		add_part(line, len, "  . , step");
		add_part(line, len, "  ] [ fault/finding");
		add_part(line, len, "  p play");
		add_part(line, len, "  > < speed");
	}
	if (v->frame.hscroll)
		add_part(line, len, "  <- col %d ->", v->frame.hscroll + 1);
	else
		add_part(line, len, "  <-/-> scroll");
	if (l && l->filter[0])
		add_part(line, len, "  / filter [%s]", l->filter);
	if (l && l->sort_names)
		add_part(line, len, "  s sort:%s", l->sort_names[l->sort]);
	add_part(line, len, "  d devices");
	add_part(line, len, "  r regs");
	add_part(line, len, "  f faults");
	add_part(line, len, "  i iq");
	add_part(line, len, "  c findings");
	add_part(line, len, "  l log");
	add_part(line, len, "  p pause");
	add_part(line, len, "  S snapshot");
	add_part(line, len, "  E save log");
	add_part(line, len, "  x xlate");
	return line;
}

/* A replay's status line begins with where it is; then the message or
 * the keys */
static void replay_status(const struct view *v, const struct watch *w,
			  const struct ui_list *l)
{
	char pos[128], line[UI_ROW_MAX];

	replay_position(w, pos, sizeof(pos));
	if (v->message[0])
		put_text(LINES - 1, 0, " %s | %s", pos, v->message);
	else
		put_text(LINES - 1, 0, " %s |%s", pos, key_hints(v, w, l, line, sizeof(line)));
}

static void status_line(const struct view *v, const struct watch *w)
{
	const struct ui_list *l = v->state < ST_NR ? &v->lists[v->state] : NULL;
	char line[UI_ROW_MAX];

	fill_line(&v->frame, LINES - 1, UC_STATUS);
	if (v->prompting && v->prompt_xlate)
		put_text(LINES - 1, 0, " xlate IOVA (hex): %s", v->xlate_in);
	else if (v->prompting)
		put_text(LINES - 1, 0, " filter: %s", l->filter);
	else if (w->conf.replay)
		replay_status(v, w, l);
	else if (v->message[0])
		put_text(LINES - 1, 0, " %s", v->message);
	else
		put_text(LINES - 1, 0, "%s", key_hints(v, w, l, line, sizeof(line)));
	if (v->prompting)
		curs_set(1);
	else
		curs_set(0);
	attrset(A_NORMAL);
}

static void draw(struct view *v, const struct watch *w)
{
	int h = strip_height(v);

	erase();
	v->frame.body_bottom = LINES - 2 - (h ? h + 1 : 0);
	v->frame.title[0] = 0;
	header_line1(v, w);
	header_line2(v, w);
	if (v->state < ST_NR)
		screens[v->state].draw(v, w);
	/* the title line: set by the screen while it drew */
	attrset(ui_attr(&v->frame, UC_TITLE) | A_BOLD);
	mvaddnstr(2, 0, ui_shifted(&v->frame, v->frame.title), COLS);
	if (h)
		event_strip(v, w, h);
	status_line(v, w);
	if (v->prompting && v->prompt_xlate)
		move(LINES - 1, 19 + (int)strlen(v->xlate_in));
	else if (v->prompting)
		move(LINES - 1, 9 + (int)strlen(v->lists[v->state].filter));
	refresh();
	v->dirty = false;
}

/* --- keys ------------------------------------------------------------------- */

static bool is_back(int ch)
{
	return ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == 'h';
}

/* x's prompt: hex digits and x, Enter walks, Esc gives up */
static void xlate_prompt_key(struct view *v, struct watch *w, int ch)
{
	size_t n = strlen(v->xlate_in);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		v->prompting = v->prompt_xlate = false;
		xlate_run(v, w);
	} else if (ch == 27) {
		v->prompting = v->prompt_xlate = false;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n) {
		v->xlate_in[n - 1] = 0;
	} else if (ch > 0 && ch < 0x80 && (isxdigit(ch) || ch == 'x') &&
		   n + 1 < sizeof(v->xlate_in)) {
		v->xlate_in[n] = (char)ch;
		v->xlate_in[n + 1] = 0;
	}
}

static void prompt_key(struct view *v, int ch)
{
	struct ui_list *l = &v->lists[v->state];
	size_t n = strlen(l->filter);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		v->prompting = false;
	} else if (ch == 27) {		/* Esc: no filter */
		l->filter[0] = 0;
		v->prompting = false;
	} else if (is_back(ch) && ch != 'h') {
		if (n)
			l->filter[n - 1] = 0;
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(l->filter)) {
		l->filter[n] = (char)ch;
		l->filter[n + 1] = 0;
	}
}

static void go_back(struct view *v)
{
	switch (v->state) {
	case ST_ENTRY: view_goto(v, ST_DEVICE); break;
	case ST_HELP:  view_goto(v, v->focus.back == ST_HELP ? ST_DEVICES : v->focus.back); break;
	case ST_XLATE: view_goto(v, v->focus.back == ST_XLATE ? ST_DEVICES : v->focus.back); break;
	default:       view_goto(v, ST_DEVICES); break;
	}
}

static void step_interval(struct view *v, struct watch *w, int dir)
{
	unsigned i = 0;

	while (i + 1 < NR_INTERVALS && intervals[i] < w->interval_ms)
		i++;
	if (dir > 0 && intervals[i] <= w->interval_ms && i + 1 < NR_INTERVALS)
		i++;
	else if (dir < 0 && i > 0)
		i--;
	watch_set_interval(w, intervals[i]);
	ui_message(v, "refresh every %ld ms", w->interval_ms);
}

static void toggle_pause(struct view *v, struct watch *w)
{
	w->paused = !w->paused;
	if (!w->paused)
		watch_kick(w);
	ui_message(v, w->paused ? "paused: p resumes" : "resumed");
}

static void cycle_sort(struct view *v)
{
	struct ui_list *l = &v->lists[v->state];

	if (!l->sort_names || !l->sort_names[1]) {
		ui_message(v, "this pane has one order");
		return;
	}
	l->sort = l->sort_names[l->sort + 1] ? l->sort + 1 : 0;
	ui_message(v, "sorted by %s", l->sort_names[l->sort]);
}

/* Left/Right: the body half a screen sideways, as in less */
static void scroll_sideways(struct view *v, int dir)
{
	int step = COLS / 2 > 1 ? COLS / 2 : 1, x = v->frame.hscroll + dir * step;

	if (x < 0)
		x = 0;
	if (x > UI_ROW_MAX - step)
		x = UI_ROW_MAX - step > 0 ? UI_ROW_MAX - step : 0;
	v->frame.hscroll = x;
}

/* "vtdctl-20261202-213005.snap": a new name in the current directory */
static void file_name(char *buf, size_t len, const char *what, const char *ext)
{
	time_t now = time(NULL);
	struct tm tm;
	char t[32];

	localtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "vtdctl-%s%s.%s", what, t, ext);
}

/* S: a snapshot of the target as it is now */
static void save_snapshot(struct view *v, struct watch *w)
{
	char path[64], err[512] = "";

	if (!w->conf.save_snapshot || !w->src) {
		ui_message(v, "no snapshot: %s", w->src ? "not here" : "not connected");
		return;
	}
	file_name(path, sizeof(path), "", "snap");
	if (w->conf.save_snapshot(w->src, path, err, sizeof(err)))
		ui_message(v, "snapshot failed: %s", err);
	else
		ui_message(v, "snapshot saved: %s (vtdctl --snapshot=%s dump)", path, path);
}

/* E: the event log as text */
static void save_events(struct view *v, const struct watch *w)
{
	char path[64];
	int err;

	file_name(path, sizeof(path), "events-", "log");
	err = event_log_save(&w->log, path);
	if (err)
		ui_message(v, "event log not saved: %s: %s", path, strerror(-err));
	else
		ui_message(v, "event log saved: %s (%u events)", path, event_count(&w->log));
}

static const enum ui_state tab_order[] = { ST_DEVICES, ST_REGS, ST_FAULTS,
					   ST_IQ, ST_FINDINGS, ST_EVENTS };

static void next_pane(struct view *v)
{
	unsigned n = sizeof(tab_order) / sizeof(tab_order[0]), i = 0;

	while (i < n && tab_order[i] != v->state)
		i++;
	view_goto(v, tab_order[i < n ? (i + 1) % n : 0]);
}

/* watch --trace: the replay's keys; true if ch was one */
static bool replay_key(struct view *v, struct watch *w, int ch)
{
	char *m = v->message;
	size_t n = sizeof(v->message);

	switch (ch) {
	case '.': replay_step(w, 1, m, n); break;
	case ',': replay_step(w, -1, m, n); break;
	case ']': replay_jump_mark(w, 1, m, n); break;
	case '[': replay_jump_mark(w, -1, m, n); break;
	case 'p': replay_toggle_play(w, m, n); break;
	case '>': case '+': replay_speed(w, 1, m, n); break;
	case '<': case '-': replay_speed(w, -1, m, n); break;
	default: return false;
	}
	return true;
}

/* Keys every screen shares; true if ch was one */
static bool global_key(struct view *v, struct watch *w, int ch)
{
	if (w->conf.replay && replay_key(v, w, ch))
		return true;
	switch (ch) {
	case 'q': case 'Q': v->state = ST_QUIT; break;
	case '?': case KEY_F(1):
		if (v->state == ST_HELP)
			go_back(v);
		else
			view_goto(v, ST_HELP);
		break;
	case 'd': view_goto(v, ST_DEVICES); break;
	case 'r': view_goto(v, ST_REGS); break;
	case 'f': view_goto(v, ST_FAULTS); break;
	case 'i': view_goto(v, ST_IQ); break;
	case 'c': view_goto(v, ST_FINDINGS); break;
	case 'l': view_goto(v, ST_EVENTS); break;
	case '\t': next_pane(v); break;
	case KEY_RIGHT: scroll_sideways(v, 1); break;
	case KEY_LEFT: scroll_sideways(v, -1); break;
	case 'p': toggle_pause(v, w); break;
	case 'S': save_snapshot(v, w); break;
	case 'E': save_events(v, w); break;
	case 'x':
		if (v->state == ST_XLATE)
			go_back(v);
		if (!xlate_prompt_start(v))
			ui_message(v, "x: select a device or a PASID first (d, Enter)");
		break;
	case '+': step_interval(v, w, 1); break;
	case '-': step_interval(v, w, -1); break;
	case 's': cycle_sort(v); break;
	case '/': v->prompting = true; break;
	case 12: clearok(curscr, TRUE); break;	/* Ctrl-L */
	case 27: if (v->state != ST_DEVICES) go_back(v); break;
	default:
		if (!is_back(ch))
			return false;
		go_back(v);
	}
	return true;
}

static void key_dispatch(struct view *v, struct watch *w, int ch)
{
	int page = v->frame.body_bottom - v->frame.body_top;
	const struct screen *s = v->state < ST_NR ? &screens[v->state] : NULL;

	v->message[0] = 0;
	if (v->prompting && v->prompt_xlate) {
		xlate_prompt_key(v, w, ch);
		return;
	}
	if (v->prompting) {
		prompt_key(v, ch);
		return;
	}
	if (s && s->key && s->key(v, ch))
		return;
	if (s && list_key(&v->lists[v->state], ch, page))
		return;
	if (!global_key(v, w, ch))
		ui_message(v, "unknown key: ? for help");
}

/*
 * The only getch(): waits at most wait_ms (-1: until a key or a signal),
 * then takes every key already typed before the next redraw.
 */
static void input_handle(struct view *v, struct watch *w, long wait_ms)
{
	int ch;

	timeout(wait_ms < 0 ? -1 : (int)(wait_ms > 60000 ? 60000 : wait_ms));
	ch = getch();
	while (ch != ERR && v->state != ST_QUIT) {
		if (ch == KEY_RESIZE)
			clearok(curscr, TRUE);
		else
			key_dispatch(v, w, ch);
		v->dirty = true;
		timeout(0);
		ch = getch();
	}
}

/* Until the next refresh, reconnection or highlight expiry; at most 1 s so
 * the header's countdown moves */
static long wait_time(const struct watch *w)
{
	long t = watch_wait_ms(w), m = marks_next_expiry(&w->marks);

	if (m >= 0 && (t < 0 || m < t))
		t = m;
	if (!w->src && !w->conf.still && (t < 0 || t > 1000))
		t = 1000;
	return t;
}

static void loop(struct view *v, struct watch *w)
{
	while (v->state != ST_QUIT && !got_signal) {
		if (watch_poll(w))
			v->dirty = true;
		if (marks_expire(&w->marks))
			v->dirty = true;
		if (v->dirty)
			draw(v, w);
		input_handle(v, w, wait_time(w));
		if (!w->src && !w->conf.still)
			v->dirty = true;	/* the countdown */
	}
}

/* Free the watch, which closes its source; close src alone when w could
 * not be allocated */
static void end_watch(struct watch *w, struct vtd_source *src)
{
	if (!w) {
		source_close(src);
		return;
	}
	watch_free(w);
	free(w);
}

int tui_run(const struct tui_conf *conf, struct vtd_source *src, char *err,
	    size_t errlen)
{
	struct view v = {
		.state = ST_DEVICES,
		.focus = { .pasid = PASID_CTX, .back = ST_DEVICES },
		.frame = { .body_top = 3 },
		.dirty = true,
	};
	struct watch *w = calloc(1, sizeof(*w));	/* the event log is large */
	int rc = w ? watch_init(w, conf, src) : -ENOMEM;

	if (rc) {
		snprintf(err, errlen, "%s", strerror(-rc));
		end_watch(w, src);
		return -1;
	}
	catch_signals();
	if (nc_start(&v.frame, conf->colour, err, errlen)) {
		restore_signals();
		end_watch(w, src);
		return -1;
	}
	loop(&v, w);
	nc_end();
	/* keys typed but never read belong to the view, not to what runs next */
	tcflush(STDIN_FILENO, TCIFLUSH);
	restore_signals();
	end_watch(w, src);
	for (int i = 0; i < ST_NR; i++)
		list_free(&v.lists[i]);
	free(v.xlate_text);
	return 0;
}
