/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl timeline: cairo (and fontconfig, for its cache), loaded on first
 * use as libvirt is (src/libvirt/api.h): linked, cairo's 18 libraries cost
 * every vtdctl run about 2.5 ms of CPU before main(), for the one command
 * that draws. The prototypes come from cairo's own headers (pkg-config).
 * Include this after <cairo.h> and <cairo-svg.h>: the cairo calls of the
 * including file then go through the loaded pointers.
 */
#ifndef VTDCTL_REPLAY_CAIRO_API_H
#define VTDCTL_REPLAY_CAIRO_API_H

#include <stddef.h>

#include <cairo.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>

/* Every function the timeline calls: X(library, name). */
#define CR_FUNCTIONS(X)					\
	X(cairo, cairo_create)				\
	X(cairo, cairo_debug_reset_static_data)		\
	X(cairo, cairo_destroy)				\
	X(cairo, cairo_fill)				\
	X(cairo, cairo_image_surface_create)		\
	X(cairo, cairo_line_to)				\
	X(cairo, cairo_move_to)				\
	X(cairo, cairo_paint)				\
	X(cairo, cairo_rectangle)			\
	X(cairo, cairo_select_font_face)		\
	X(cairo, cairo_set_dash)			\
	X(cairo, cairo_set_font_size)			\
	X(cairo, cairo_set_line_width)			\
	X(cairo, cairo_set_source_rgb)			\
	X(cairo, cairo_set_source_rgba)			\
	X(cairo, cairo_show_text)			\
	X(cairo, cairo_status)				\
	X(cairo, cairo_status_to_string)		\
	X(cairo, cairo_stroke)				\
	X(cairo, cairo_surface_destroy)			\
	X(cairo, cairo_surface_finish)			\
	X(cairo, cairo_surface_status)			\
	X(cairo, cairo_surface_write_to_png_stream)	\
	X(cairo, cairo_svg_surface_create_for_stream)	\
	X(cairo, cairo_text_extents)			\
	X(fc, FcFini)

struct cr_functions {
#define CR_POINTER(lib, name) __typeof__(name) *name;
	CR_FUNCTIONS(CR_POINTER)
#undef CR_POINTER
};

extern struct cr_functions cr_fn;

/* Load libcairo.so.2 and libfontconfig.so.1 once; 0, or -1 with a message. */
int cr_load(char *err, size_t errlen);
/* Whether they are loaded (the caches are there to give back) */
int cr_loaded(void);

#endif
