// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl timeline: the picture, drawn with cairo (its SVG surface, or an
 * image surface written as PNG). Time runs left to right; the unit's lane
 * on top (register changes, invalidations that name no device, lost
 * descriptors), then one lane per device: its context entry and PASIDs as
 * bars (present), with QEMU's address space under them and the host
 * binding over them, changes in place as ticks; a strip of faults (red)
 * and invalidations per second (grey). Gaps shade every lane, restarts
 * are dashed lines. Every lane's band is one filled rectangle of its own
 * colour (LANE_BG), which tests count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "replay/cairo_api.h"
#include "replay/timeline.h"

/* Every cairo call below goes through the pointers cr_load() filled */
#define cairo_create			(cr_fn.cairo_create)
#define cairo_debug_reset_static_data	(cr_fn.cairo_debug_reset_static_data)
#define cairo_destroy			(cr_fn.cairo_destroy)
#define cairo_fill			(cr_fn.cairo_fill)
#define cairo_image_surface_create	(cr_fn.cairo_image_surface_create)
#define cairo_line_to			(cr_fn.cairo_line_to)
#define cairo_move_to			(cr_fn.cairo_move_to)
#define cairo_paint			(cr_fn.cairo_paint)
#define cairo_rectangle			(cr_fn.cairo_rectangle)
#define cairo_select_font_face		(cr_fn.cairo_select_font_face)
#define cairo_set_dash			(cr_fn.cairo_set_dash)
#define cairo_set_font_size		(cr_fn.cairo_set_font_size)
#define cairo_set_line_width		(cr_fn.cairo_set_line_width)
#define cairo_set_source_rgb		(cr_fn.cairo_set_source_rgb)
#define cairo_set_source_rgba		(cr_fn.cairo_set_source_rgba)
#define cairo_show_text			(cr_fn.cairo_show_text)
#define cairo_status			(cr_fn.cairo_status)
#define cairo_status_to_string		(cr_fn.cairo_status_to_string)
#define cairo_stroke			(cr_fn.cairo_stroke)
#define cairo_surface_destroy		(cr_fn.cairo_surface_destroy)
#define cairo_surface_finish		(cr_fn.cairo_surface_finish)
#define cairo_surface_status		(cr_fn.cairo_surface_status)
#define cairo_surface_write_to_png_stream (cr_fn.cairo_surface_write_to_png_stream)
#define cairo_svg_surface_create_for_stream (cr_fn.cairo_svg_surface_create_for_stream)
#define cairo_text_extents		(cr_fn.cairo_text_extents)
#define FcFini				(cr_fn.FcFini)

/* Geometry, in points */
#define W		1200.0
#define LEFT		140.0
#define RIGHT		80.0
#define PLOT_W		(W - LEFT - RIGHT)
#define BIN_W		(PLOT_W / TL_BINS)
#define TOP		78.0	/* the first lane */
#define LANE_HEAD	16.0
#define ROW_H		13.0
#define STRIP_H		24.0
#define LANE_PAD	6.0
#define UNIT_H		(LANE_HEAD + STRIP_H + LANE_PAD)
#define AXIS_H		26.0
#define LEGEND_H	70.0

struct rgb {
	double r, g, b;
};
#define RGB(x) { ((x) >> 16 & 0xff) / 255.0, ((x) >> 8 & 0xff) / 255.0, ((x) & 0xff) / 255.0 }

static const struct rgb C_TEXT = RGB(0x1f2933), C_DIM = RGB(0x5f6b7a),
	C_GRID = RGB(0xd5dbe3), C_CTX = RGB(0x5b6b82), C_PASID = RGB(0x3b6fb6),
	C_AS = RGB(0x2e9e4f), C_BOUND = RGB(0x8e44ad), C_CHANGE = RGB(0xf08c00),
	C_FAULT = RGB(0xd62728), C_INV = RGB(0x8c96a5), C_FINDING = RGB(0xe0a800),
	C_REG = RGB(0x2c7fb8), C_LOST = RGB(0xd62728), C_GAP = RGB(0x9aa3ad),
	C_RESTART = RGB(0xb00020);
/* The lanes' bands: the unit's, then devices alternating */
static const struct rgb LANE_BG[3] = { RGB(0xfbf5e9), RGB(0xf1f4f9), RGB(0xe8edf4) };

static void set(cairo_t *cr, struct rgb c)
{
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static double lane_height(const struct tl_lane *l)
{
	return LANE_HEAD + ROW_H * l->nr_rows + STRIP_H + LANE_PAD;
}

void timeline_size(const struct timeline *tl, double *w, double *h)
{
	double y = TOP + UNIT_H;

	for (unsigned i = 0; i < tl->nr_lanes; i++)
		y += lane_height(&tl->lanes[i]);
	*w = W;
	*h = y + AXIS_H + LEGEND_H;
}

static double x_of(const struct timeline *tl, int64_t t)
{
	double f = ((double)t - (double)tl->t0) / (double)(tl->t1 - tl->t0);

	return LEFT + PLOT_W * (f < 0 ? 0 : f > 1 ? 1 : f);
}

/* --- text -------------------------------------------------------------------- */

static void text_at(cairo_t *cr, double x, double y, double size, bool bold,
		    int align, struct rgb c, const char *s)
{
	cairo_text_extents_t e;

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &e);
	/* align: -1 left, 0 centre, 1 right */
	cairo_move_to(cr, x - (align + 1) * e.x_advance / 2, y);
	set(cr, c);
	cairo_show_text(cr, s);
}

static void fmt_clock(char *buf, size_t len, int64_t ms, int64_t step)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (step < 1000)
		snprintf(buf, len, "%02d:%02d:%02d.%01d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(ms % 1000 / 100));
	else if (step < 86400000)
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, len, "%02d-%02d %02d:%02d", tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min);
}

static void fmt_span(char *buf, size_t len, int64_t ms)
{
	if (ms < 10000)
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	else if (ms < 3600000)
		snprintf(buf, len, "%" PRId64 " min %02" PRId64 " s", ms / 60000, ms / 1000 % 60);
	else
		snprintf(buf, len, "%" PRId64 " h %02" PRId64 " min", ms / 3600000,
			 ms / 60000 % 60);
}

/* "+45s", "+2m05s", "+1h02m": a tick's time since the start */
static void fmt_since(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms / 1000;

	if (ms < 10000 && ms % 1000)
		snprintf(buf, len, "+%.1fs", ms / 1000.0);
	else if (s < 60)
		snprintf(buf, len, "+%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "+%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "+%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
}

/* --- the axis ---------------------------------------------------------------- */

static int64_t tick_step(int64_t span)
{
	static const int64_t steps[] = { 100, 200, 500, 1000, 2000, 5000, 10000, 15000,
		30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000,
		7200000, 10800000, 21600000, 43200000, 86400000, 172800000,
		604800000 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return span / 8 + 1;
}

/* Grid lines from y0 to y1, clock labels above y0 and times since the
 * start below y1 */
static void draw_axis(cairo_t *cr, const struct timeline *tl, double y0, double y1)
{
	int64_t step = tick_step(tl->t1 - tl->t0);
	int64_t t = (tl->t0 / step + (tl->t0 % step != 0)) * step;
	char buf[40];

	cairo_set_line_width(cr, 0.6);
	for (; t <= tl->t1; t += step) {
		double x = x_of(tl, t);

		set(cr, C_GRID);
		cairo_move_to(cr, x, y0);
		cairo_line_to(cr, x, y1);
		cairo_stroke(cr);
		fmt_clock(buf, sizeof(buf), t, step);
		text_at(cr, x, y0 - 4, 9, false, 0, C_DIM, buf);
		fmt_since(buf, sizeof(buf), t - tl->t0);
		text_at(cr, x, y1 + 12, 9, false, 0, C_DIM, buf);
	}
}

/* --- rows ---------------------------------------------------------------------- */

/* Rectangles over the runs of bins where (bins & flag), filled at once */
static void fill_runs(cairo_t *cr, const uint8_t *bins, unsigned flag, double y,
		      double h, struct rgb c)
{
	unsigned i = 0, n = 0;

	while (i < TL_BINS) {
		unsigned j = i;

		if (!(bins[i] & flag)) {
			i++;
			continue;
		}
		while (j < TL_BINS && bins[j] & flag)
			j++;
		cairo_rectangle(cr, LEFT + i * BIN_W, y, (j - i) * BIN_W, h);
		n++;
		i = j;
	}
	if (n) {
		set(cr, c);
		cairo_fill(cr);
	}
}

static void draw_row(cairo_t *cr, const struct tl_row *r, double y)
{
	char label[32];

	if (r->pasid < 0)
		snprintf(label, sizeof(label), "context");
	else
		snprintf(label, sizeof(label), "PASID %" PRId64, r->pasid);
	text_at(cr, LEFT - 6, y + 9.5, 9, false, 1, C_DIM, label);
	fill_runs(cr, r->bins, TF_PRESENT, y + 3, 7, r->pasid < 0 ? C_CTX : C_PASID);
	fill_runs(cr, r->bins, TF_BOUND, y + 0.5, 2, C_BOUND);
	fill_runs(cr, r->bins, TF_AS, y + 10.5, 2, C_AS);
	fill_runs(cr, r->bins, TF_CHANGED, y, ROW_H, C_CHANGE);
}

/* The rows by PASID (the context entry first) */
static void sorted_rows(const struct tl_lane *l, unsigned order[])
{
	for (unsigned i = 0; i < l->nr_rows; i++)
		order[i] = i;
	for (unsigned i = 2; i < l->nr_rows; i++)
		for (unsigned j = i; j > 1 && l->rows[order[j - 1]].pasid > l->rows[order[j]].pasid; j--) {
			unsigned t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/* --- the strip: faults, invalidations per second, findings ---------------- */

static uint32_t max_of(const uint32_t *v)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < TL_BINS; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* Bars from the strip's bottom, height by value (log scale when log) */
static void bars(cairo_t *cr, const uint32_t *v, uint32_t max, double y, double h,
		 bool log_scale, double min_h, struct rgb c)
{
	unsigned n = 0;

	for (unsigned i = 0; max && i < TL_BINS; i++) {
		double f, bh;

		if (!v[i])
			continue;
		f = log_scale ? log2(v[i] + 1.0) / log2(max + 1.0) : (double)v[i] / max;
		bh = min_h + (h - min_h) * f;
		cairo_rectangle(cr, LEFT + i * BIN_W, y + h - bh, BIN_W, bh);
		n++;
	}
	if (n) {
		set(cr, c);
		cairo_fill(cr);
	}
}

/* "0.5", "12", "1.5k", "15k", "2.1M": a rate in a few characters */
static void fmt_rate(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "", "k", "M", "G" };
	unsigned u = 0;

	while (v >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1000;
		u++;
	}
	if (!u && v < 10)
		snprintf(buf, len, "%.2g", v);
	else
		snprintf(buf, len, v < 10 ? "%.1f%s" : "%.0f%s", v, unit[u]);
}

static double bin_seconds(const struct timeline *tl)
{
	return (double)(tl->t1 - tl->t0) / TL_BINS / 1000.0;
}

static void draw_strip(cairo_t *cr, const struct timeline *tl,
		       const struct tl_lane *l, double y)
{
	uint32_t mi = max_of(l->invs), mf = max_of(l->faults);
	char buf[48];

	text_at(cr, LEFT - 6, y + 15, 9, false, 1, C_DIM,
		l->bus < 0 ? "inval. / regs" : "faults, inval.");
	set(cr, C_GRID);
	cairo_rectangle(cr, LEFT, y + STRIP_H - 2.5, PLOT_W, 0.5);
	cairo_fill(cr);
	bars(cr, l->invs, mi, y + 2, STRIP_H - 5, false, 1.5, C_INV);
	bars(cr, l->faults, mf, y + 2, STRIP_H - 5, true, 6, C_FAULT);
	bars(cr, l->findings, max_of(l->findings), y, 4, false, 4, C_FINDING);
	bars(cr, l->regs, max_of(l->regs), y, 6, false, 6, C_REG);
	bars(cr, l->lost, max_of(l->lost), y + 2, STRIP_H - 5, false, STRIP_H - 5, C_LOST);
	if (mi) {
		char rate[16];

		fmt_rate(rate, sizeof(rate), mi / bin_seconds(tl));
		snprintf(buf, sizeof(buf), "max %s inv/s", rate);
		text_at(cr, LEFT + PLOT_W + 6, y + 12, 8, false, -1, C_DIM, buf);
	}
	if (mf) {
		unsigned long total = 0;

		for (unsigned i = 0; i < TL_BINS; i++)
			total += l->faults[i];
		snprintf(buf, sizeof(buf), "%lu fault%s", total, total == 1 ? "" : "s");
		text_at(cr, LEFT + PLOT_W + 6, y + 21, 8, false, -1, C_FAULT, buf);
	}
}

/* --- lanes ---------------------------------------------------------------------- */

static void lane_band(cairo_t *cr, double y, double h, struct rgb c)
{
	set(cr, c);
	cairo_rectangle(cr, 0, y, W, h - 1);
	cairo_fill(cr);
}

static double draw_lane(cairo_t *cr, const struct timeline *tl,
			const struct tl_lane *l, unsigned index, double y)
{
	double h = lane_height(l);
	unsigned order[1 + TL_MAX_ROWS];
	char name[64];

	lane_band(cr, y, h, LANE_BG[1 + index % 2]);
	snprintf(name, sizeof(name), "%02x:%02x.%x", l->bus, l->devfn >> 3, l->devfn & 7);
	text_at(cr, 8, y + 12, 11, true, -1, C_TEXT, name);
	if (l->pasids_not_drawn) {
		snprintf(name, sizeof(name), "(%s%lu more PASID%s not drawn)",
			 l->pasids_not_drawn > TL_MAX_HIDDEN ? "over " : "",
			 l->pasids_not_drawn > TL_MAX_HIDDEN ? (unsigned long)TL_MAX_HIDDEN :
			 l->pasids_not_drawn, l->pasids_not_drawn == 1 ? "" : "s");
		text_at(cr, 64, y + 12, 8.5, false, -1, C_DIM, name);
	}
	sorted_rows(l, order);
	for (unsigned i = 0; i < l->nr_rows; i++)
		draw_row(cr, &l->rows[order[i]], y + LANE_HEAD + i * ROW_H);
	draw_strip(cr, tl, l, y + LANE_HEAD + l->nr_rows * ROW_H);
	return h;
}

static double draw_unit(cairo_t *cr, const struct timeline *tl, double y)
{
	lane_band(cr, y, UNIT_H, LANE_BG[0]);
	text_at(cr, 8, y + 12, 11, true, -1, C_TEXT, "IOMMU");
	text_at(cr, 60, y + 12, 9, false, -1, C_DIM, "(no device)");
	draw_strip(cr, tl, &tl->unit, y + LANE_HEAD);
	return UNIT_H;
}

/* Gaps: shaded bands over every lane; restarts: dashed lines */
static void draw_marks(cairo_t *cr, const struct timeline *tl, double y0, double y1)
{
	for (unsigned i = 0; i < tl->nr_marks; i++) {
		const struct timeline_mark *m = &tl->marks[i];
		double x = x_of(tl, m->t_ms), x2 = x_of(tl, m->end_ms);

		if (m->kind == TEV_GAP) {
			cairo_set_source_rgba(cr, C_GAP.r, C_GAP.g, C_GAP.b, 0.35);
			cairo_rectangle(cr, x, y0, x2 - x > 2 ? x2 - x : 2, y1 - y0);
			cairo_fill(cr);
			text_at(cr, x + 2, y0 + 9, 8, true, -1, C_DIM, "gap");
			continue;
		}
		set(cr, C_RESTART);
		cairo_set_line_width(cr, 1.2);
		cairo_set_dash(cr, (double[]){ 4, 3 }, 2, 0);
		cairo_move_to(cr, x, y0);
		cairo_line_to(cr, x, y1);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		text_at(cr, x + 2, y0 + 9, 8, true, -1, C_RESTART, "restart");
	}
}

/* --- title and legend ------------------------------------------------------------- */

static void draw_title(cairo_t *cr, const struct timeline *tl)
{
	char a[40], b[40], span[40], line[256];

	text_at(cr, 8, 22, 15, true, -1, C_TEXT, "VT-d timeline");
	text_at(cr, 130, 22, 12, false, -1, C_TEXT, tl->title);
	fmt_clock(a, sizeof(a), tl->t0, 1000);
	fmt_clock(b, sizeof(b), tl->t1, 1000);
	fmt_span(span, sizeof(span), tl->t1 - tl->t0);
	{
		time_t t = (time_t)(tl->t0 / 1000);
		struct tm tm;

		gmtime_r(&t, &tm);
		snprintf(line, sizeof(line), "%04d-%02d-%02d %s .. %s UTC (%s), %zu samples, %lu events",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, a, b, span,
			 tl->samples, tl->events);
	}
	text_at(cr, 8, 40, 10, false, -1, C_DIM, line);
	if (tl->lanes_not_drawn || tl->marks_not_drawn) {
		snprintf(line, sizeof(line), "not drawn: %lu device(s) past %d lanes, %lu gap(s) or restart(s) past %d",
			 tl->lanes_not_drawn, TL_MAX_LANES, tl->marks_not_drawn, TL_MAX_MARKS);
		text_at(cr, W - 8, 40, 10, false, 1, C_RESTART, line);
	}
}

static double swatch(cairo_t *cr, double x, double y, double h, struct rgb c,
		     const char *label)
{
	cairo_text_extents_t e;

	set(cr, c);
	cairo_rectangle(cr, x, y + (10 - h) / 2, 18, h);
	cairo_fill(cr);
	text_at(cr, x + 23, y + 9, 9.5, false, -1, C_TEXT, label);
	cairo_text_extents(cr, label, &e);
	return x + 23 + e.x_advance + 18;
}

static void draw_legend(cairo_t *cr, double y)
{
	double x = 8;

	text_at(cr, x, y + 9, 9.5, true, -1, C_TEXT, "Legend");
	x = 70;
	x = swatch(cr, x, y, 7, C_CTX, "context entry present");
	x = swatch(cr, x, y, 7, C_PASID, "PASID entry present");
	x = swatch(cr, x, y, 2.5, C_AS, "QEMU address space");
	x = swatch(cr, x, y, 2.5, C_BOUND, "host binding");
	swatch(cr, x, y, 10, C_CHANGE, "changed in place (case b)");
	x = 70;
	y += 18;
	x = swatch(cr, x, y, 10, C_FAULT, "faults (height: log of count)");
	x = swatch(cr, x, y, 10, C_INV, "invalidations per second");
	x = swatch(cr, x, y, 4, C_FINDING, "finding appeared");
	swatch(cr, x, y, 6, C_REG, "register changed");
	x = 70;
	y += 18;
	x = swatch(cr, x, y, 10, C_LOST, "descriptors lost (ring wrapped)");
	x = swatch(cr, x, y, 10, C_GAP, "gap: target unreachable");
	set(cr, C_RESTART);
	cairo_set_line_width(cr, 1.2);
	cairo_set_dash(cr, (double[]){ 4, 3 }, 2, 0);
	cairo_move_to(cr, x + 9, y - 1);
	cairo_line_to(cr, x + 9, y + 11);
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	text_at(cr, x + 23, y + 9, 9.5, false, -1, C_TEXT, "VM restarted");
}

static void draw_all(cairo_t *cr, const struct timeline *tl, double h)
{
	double y = TOP;

	set(cr, (struct rgb)RGB(0xffffff));
	cairo_paint(cr);
	draw_title(cr, tl);
	y += draw_unit(cr, tl, y);
	for (unsigned i = 0; i < tl->nr_lanes; i++)
		y += draw_lane(cr, tl, &tl->lanes[i], i, y);
	draw_axis(cr, tl, TOP - 2, y);
	draw_marks(cr, tl, TOP, y);
	draw_legend(cr, h - LEGEND_H + 14);
}

/* --- the file ------------------------------------------------------------------------- */

static cairo_status_t write_fd(void *closure, const unsigned char *data,
			       unsigned int len)
{
	int fd = *(int *)closure;

	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CAIRO_STATUS_WRITE_ERROR;
		data += n;
		len -= (unsigned)n;
	}
	return CAIRO_STATUS_SUCCESS;
}

static bool is_png(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcasecmp(path + n - 4, ".png");
}

/* Draw into fd; CAIRO_STATUS_SUCCESS or what failed */
static cairo_status_t render(const struct timeline *tl, const char *path, int fd)
{
	double w, h;
	cairo_surface_t *s;
	cairo_status_t st;
	cairo_t *cr;

	timeline_size(tl, &w, &h);
	s = is_png(path) ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)w, (int)h) :
			   cairo_svg_surface_create_for_stream(write_fd, &fd, w, h);
	cr = cairo_create(s);
	draw_all(cr, tl, h);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (!st && is_png(path))
		st = cairo_surface_write_to_png_stream(s, write_fd, &fd);
	cairo_surface_finish(s);
	if (!st)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	return st;
}

int timeline_write(const struct timeline *tl, const char *path, char *err,
		   size_t errlen)
{
	char tmp[4096];
	cairo_status_t st;
	int fd;

	if (cr_load(err, errlen))
		return -1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fchmod(fd, 0644);
	st = render(tl, path, fd);
	if (!st && fsync(fd))
		st = CAIRO_STATUS_WRITE_ERROR;
	if (close(fd) && !st)
		st = CAIRO_STATUS_WRITE_ERROR;
	if (!st && rename(tmp, path))
		st = CAIRO_STATUS_WRITE_ERROR;
	if (st) {
		int e = errno;

		unlink(tmp);
		snprintf(err, errlen, "%s: %s%s%s", path, cairo_status_to_string(st),
			 st == CAIRO_STATUS_WRITE_ERROR ? ": " : "",
			 st == CAIRO_STATUS_WRITE_ERROR ? strerror(e) : "");
		return -1;
	}
	return 0;
}

void timeline_fonts_release(void)
{
	if (!cr_loaded())
		return;
	cairo_debug_reset_static_data();
	FcFini();
}
