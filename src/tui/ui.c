// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch: the terminal. Sets ncurses up and always puts the terminal
 * back (on 'q', on an error, on SIGINT/SIGTERM/SIGHUP); owns the state
 * variable, the one getch() (input_handle), the header, the event strip and
 * the status line.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/ui.h"

enum ui_state ui_state = ST_DEVICES;
struct ui_list ui_lists[ST_NR];
struct ui_focus ui_focus = { .pasid = PASID_CTX, .back = ST_DEVICES };
int ui_body_top = 3, ui_body_bottom;

static bool colours;
static bool nc_active;
static SCREEN *screen;
static volatile sig_atomic_t got_signal;
static char title[UI_ROW_MAX];
static char message[UI_ROW_MAX];
static bool prompting;		/* '/' typed: keys edit the filter */
static bool dirty = true;

static const struct {
	short fg, bg;
	int attr, mono;
} ui_colors[UC_NR] = {
#define C(name, fg, bg, attr, mono) [UC_##name] = { fg, bg, attr, mono },
	UI_COLORS
#undef C
};

/* Intervals '+' and '-' step through */
static const long intervals[] = { 100, 200, 500, 1000, 2000, 5000, 10000,
				  30000, 60000 };
#define NR_INTERVALS (sizeof(intervals) / sizeof(intervals[0]))

int ui_attr(enum ui_col c)
{
	if (!colours)
		return ui_colors[c].mono;
	return ui_colors[c].attr | (c == UC_DEFAULT ? 0 : COLOR_PAIR(c));
}

/* --- setup and teardown ----------------------------------------------- */

static void on_signal(int sig)
{
	got_signal = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: a signal ends the wait in getch() */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void init_colours(void)
{
	const char *nc = getenv("NO_COLOR");

	colours = has_colors() && !(nc && *nc) && start_color() == OK;
	if (!colours)
		return;
	use_default_colors();
	for (int c = 1; c < UC_NR; c++)
		init_pair(c, ui_colors[c].fg, ui_colors[c].bg);
}

static void nc_end(void)
{
	if (!nc_active)
		return;
	nc_active = false;
	endwin();
	delscreen(screen);
	screen = NULL;
}

static int nc_start(char *err, size_t errlen)
{
	/* the escape key alone should not take a second */
	if (!getenv("ESCDELAY"))
		setenv("ESCDELAY", "25", 0);
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot set up the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	nc_active = true;
	atexit(nc_end);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	init_colours();
	return 0;
}

/* --- common parts of the screen ------------------------------------------- */

void ui_title(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
}

void ui_message(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
}

void ui_goto(enum ui_state st)
{
	if (st == ST_HELP || (st == ST_ENTRY && ui_state != ST_HELP))
		ui_focus.back = ui_state;
	ui_state = st;
	prompting = false;
}

static void fill_line(int y, enum ui_col c)
{
	attrset(ui_attr(c));
	mvhline(y, 0, ' ', COLS);
}

/* Text at (y, x), cut at the right edge (mvprintw would wrap) */
static void put_text(int y, int x, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_text(int y, int x, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (x < COLS)
		mvaddnstr(y, x, buf, COLS - x);
}

static const char *mode_str(void)
{
	if (!W.have_model)
		return "?";
	if (W.cur->rtaddr_origin == VTD_RTADDR_NONE)
		return "no root table";
	return vtd_mode_name(W.cur->rtaddr.mode);
}

static void conn_str(char *buf, size_t len)
{
	long wait = (long)(W.next_reconnect - mono_ms());

	if (W.conf.still)
		snprintf(buf, len, "still picture%s", W.have_model ? "" : ": unreadable");
	else if (W.src)
		snprintf(buf, len, "connected");
	else
		snprintf(buf, len, "DISCONNECTED, retry in %ld.%ld s",
			 wait > 0 ? wait / 1000 : 0, wait > 0 ? wait % 1000 / 100 : 0);
}

static void header_line1(void)
{
	uint32_t gsts = vtd_reg32(W.rf, VTD_REG_GSTS);
	char conn[64], st[40], every[32];

	if (W.rf->valid)
		snprintf(st, sizeof(st), "TE%c QI%c IR%c",
			 gsts & VTD_GSTS_TES ? '+' : '-', gsts & VTD_GSTS_QIES ? '+' : '-',
			 gsts & VTD_GSTS_IRES ? '+' : '-');
	else
		snprintf(st, sizeof(st), "GSTS unknown");
	conn_str(conn, sizeof(conn));
	fill_line(0, UC_HEADER);
	if (W.conf.still)
		snprintf(every, sizeof(every), "no refresh");
	else
		snprintf(every, sizeof(every), "every %ld ms", W.interval_ms);
	put_text(0, 0, " vtdctl watch  %s  %s  %s  %s%s  %s", W.target,
		 mode_str(), st, every, W.paused ? "  PAUSED" : "", conn);
}

static size_t total_pasids(void)
{
	size_t n = 0;

	for (size_t i = 0; W.have_model && i < W.cur->nr_devices; i++)
		n += W.cur->devices[i].nr_pasids;
	return n;
}

static void header_line2(void)
{
	unsigned sev[3] = { 0 };
	struct ui_event e = { .wall_ms = W.last_tick_wall };
	char t[16] = "-";

	for (size_t i = 0; W.have_model && i < W.cur->nr_findings; i++)
		sev[W.cur->findings[i].sev]++;
	if (W.last_tick_wall)
		event_time(&e, t, sizeof(t));
	fill_line(1, UC_DEFAULT);
	if (!W.src) {
		attrset(ui_attr(UC_ERROR));
		if (W.conf.still)
			put_text(1, 0, " cannot read the target: %s", W.conn_msg);
		else
			put_text(1, 0, " last picture from %s; reconnecting: %s", t,
				 W.conn_msg);
		return;
	}
	put_text(1, 0, " %zu devices  %zu PASIDs  %u errors %u warnings %u info  faults %u  at %s  walk %ld ms  %lu walks %lu re-reads %lu ticks",
		 W.have_model ? W.cur->nr_devices : 0, total_pasids(), sev[VTD_SEV_ERROR],
		 sev[VTD_SEV_WARNING], sev[VTD_SEV_INFO], W.faults->nr_pending, t,
		 W.walk_ms, W.walks, W.rereads, W.ticks);
}

static int strip_height(void)
{
	if (ui_state == ST_EVENTS || ui_state == ST_HELP || LINES < 16)
		return 0;
	return LINES >= 30 ? 6 : 3;
}

static void event_strip(int h)
{
	int y0 = LINES - 1 - h;
	const struct ui_event *e;
	char t[16];

	attrset(ui_attr(UC_TITLE));
	mvhline(y0 - 1, 0, '-', COLS);
	mvaddstr(y0 - 1, 2, " Events (l: all) ");
	for (int i = 0; i < h && (e = event_get(i)); i++) {
		event_time(e, t, sizeof(t));
		attrset(ui_attr(e->col));
		put_text(y0 + i, 1, "%s  %s", t, e->text);
	}
	attrset(A_NORMAL);
}

static void status_line(void)
{
	struct ui_list *l = ui_state < ST_NR ? &ui_lists[ui_state] : NULL;

	fill_line(LINES - 1, UC_STATUS);
	if (prompting)
		put_text(LINES - 1, 0, " filter: %s", l->filter);
	else if (message[0])
		put_text(LINES - 1, 0, " %s", message);
	else
		put_text(LINES - 1, 0, " q quit  ? help  d devices  r regs  f faults  i iq  c findings  l log  / filter%s%s  s sort%s%s  p pause",
			 l && l->filter[0] ? " [" : "", l && l->filter[0] ? l->filter : "",
			 l && l->sort_names ? ":" : "",
			 l && l->sort_names ? l->sort_names[l->sort] : "");
	if (prompting)
		curs_set(1);
	else
		curs_set(0);
	attrset(A_NORMAL);
}

static void draw(void)
{
	int h = strip_height();

	erase();
	ui_body_bottom = LINES - 2 - (h ? h + 1 : 0);
	title[0] = 0;
	header_line1();
	header_line2();
	switch (ui_state) {
	case ST_DEVICES:  devices_draw(); break;
	case ST_DEVICE:   device_draw(); break;
	case ST_ENTRY:    entry_draw(); break;
	case ST_REGS:     regs_draw(); break;
	case ST_FAULTS:   faults_draw(); break;
	case ST_IQ:       iq_draw(); break;
	case ST_FINDINGS: findings_draw(); break;
	case ST_EVENTS:   events_draw(); break;
	case ST_HELP:     help_draw(); break;
	default: break;
	}
	/* the title line: set by the screen while it drew */
	attrset(ui_attr(UC_TITLE) | A_BOLD);
	mvaddnstr(2, 0, title, COLS);
	if (h)
		event_strip(h);
	status_line();
	if (prompting)
		move(LINES - 1, 9 + (int)strlen(ui_lists[ui_state].filter));
	refresh();
	dirty = false;
}

/* --- keys ------------------------------------------------------------------- */

static bool is_back(int ch)
{
	return ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_LEFT ||
	       ch == 'h';
}

static void prompt_key(int ch)
{
	struct ui_list *l = &ui_lists[ui_state];
	size_t n = strlen(l->filter);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		prompting = false;
	} else if (ch == 27) {		/* Esc: no filter */
		l->filter[0] = 0;
		prompting = false;
	} else if (is_back(ch) && ch != 'h' && ch != KEY_LEFT) {
		if (n)
			l->filter[n - 1] = 0;
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(l->filter)) {
		l->filter[n] = (char)ch;
		l->filter[n + 1] = 0;
	}
}

static void go_back(void)
{
	switch (ui_state) {
	case ST_ENTRY: ui_goto(ST_DEVICE); break;
	case ST_HELP:  ui_goto(ui_focus.back == ST_HELP ? ST_DEVICES : ui_focus.back); break;
	default:       ui_goto(ST_DEVICES); break;
	}
}

static void step_interval(int dir)
{
	unsigned i = 0;

	while (i + 1 < NR_INTERVALS && intervals[i] < W.interval_ms)
		i++;
	if (dir > 0 && intervals[i] <= W.interval_ms && i + 1 < NR_INTERVALS)
		i++;
	else if (dir < 0 && i > 0)
		i--;
	watch_set_interval(intervals[i]);
	ui_message("refresh every %ld ms", W.interval_ms);
}

static void cycle_sort(void)
{
	struct ui_list *l = &ui_lists[ui_state];

	if (!l->sort_names || !l->sort_names[1]) {
		ui_message("this pane has one order");
		return;
	}
	l->sort = l->sort_names[l->sort + 1] ? l->sort + 1 : 0;
	ui_message("sorted by %s", l->sort_names[l->sort]);
}

static const enum ui_state tab_order[] = { ST_DEVICES, ST_REGS, ST_FAULTS,
					   ST_IQ, ST_FINDINGS, ST_EVENTS };

static void next_pane(void)
{
	unsigned n = sizeof(tab_order) / sizeof(tab_order[0]), i = 0;

	while (i < n && tab_order[i] != ui_state)
		i++;
	ui_goto(tab_order[i < n ? (i + 1) % n : 0]);
}

/* Keys every screen shares; true if ch was one */
static bool global_key(int ch)
{
	switch (ch) {
	case 'q': case 'Q': ui_state = ST_QUIT; break;
	case '?': case KEY_F(1):
		if (ui_state == ST_HELP)
			go_back();
		else
			ui_goto(ST_HELP);
		break;
	case 'd': ui_goto(ST_DEVICES); break;
	case 'r': ui_goto(ST_REGS); break;
	case 'f': ui_goto(ST_FAULTS); break;
	case 'i': ui_goto(ST_IQ); break;
	case 'c': ui_goto(ST_FINDINGS); break;
	case 'l': ui_goto(ST_EVENTS); break;
	case '\t': next_pane(); break;
	case 'p':
		W.paused = !W.paused;
		if (!W.paused)
			watch_kick();
		ui_message(W.paused ? "paused: p resumes" : "resumed");
		break;
	case '+': step_interval(1); break;
	case '-': step_interval(-1); break;
	case 's': cycle_sort(); break;
	case '/': prompting = true; break;
	case 12: clearok(curscr, TRUE); break;	/* Ctrl-L */
	case 27: if (ui_state != ST_DEVICES) go_back(); break;
	default:
		if (!is_back(ch))
			return false;
		go_back();
	}
	return true;
}

static void key_dispatch(int ch)
{
	int page = ui_body_bottom - ui_body_top;

	message[0] = 0;
	if (prompting) {
		prompt_key(ch);
		return;
	}
	switch (ui_state) {
	case ST_DEVICES: if (devices_key(ch)) return; break;
	case ST_DEVICE:  if (device_key(ch)) return; break;
	case ST_ENTRY:   if (entry_key(ch)) return; break;
	default: break;
	}
	if (ui_state < ST_NR && list_key(&ui_lists[ui_state], ch, page))
		return;
	if (!global_key(ch))
		ui_message("unknown key: ? for help");
}

/*
 * The only getch(): waits at most wait_ms (-1: until a key or a signal),
 * then takes every key already typed before the next redraw.
 */
static void input_handle(long wait_ms)
{
	int ch;

	timeout(wait_ms < 0 ? -1 : (int)(wait_ms > 60000 ? 60000 : wait_ms));
	ch = getch();
	while (ch != ERR && ui_state != ST_QUIT) {
		if (ch == KEY_RESIZE)
			clearok(curscr, TRUE);
		else
			key_dispatch(ch);
		dirty = true;
		timeout(0);
		ch = getch();
	}
}

/* Until the next refresh, reconnection or highlight expiry; at most 1 s so
 * the header's countdown moves */
static long wait_time(void)
{
	long w = watch_wait_ms(), m = marks_next_expiry();

	if (m >= 0 && (w < 0 || m < w))
		w = m;
	if (!W.src && !W.conf.still && (w < 0 || w > 1000))
		w = 1000;
	return w;
}

static void loop(void)
{
	while (ui_state != ST_QUIT && !got_signal) {
		if (watch_poll())
			dirty = true;
		if (marks_expire())
			dirty = true;
		if (dirty)
			draw();
		input_handle(wait_time());
		if (!W.src && !W.conf.still)
			dirty = true;	/* the countdown */
	}
}

int tui_run(const struct tui_conf *conf, struct vtd_source *src, char *err,
	    size_t errlen)
{
	int rc = watch_init(conf, src);

	if (rc) {
		snprintf(err, errlen, "%s", strerror(-rc));
		watch_free();
		return -1;
	}
	catch_signals();
	if (nc_start(err, errlen)) {
		watch_free();
		return -1;
	}
	loop();
	nc_end();
	watch_free();
	for (int i = 0; i < ST_NR; i++)
		list_free(&ui_lists[i]);
	return 0;
}
