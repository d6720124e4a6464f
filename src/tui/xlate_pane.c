// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch: key x, the page walk of one IOVA on the selected device or
 * PASID, shown as `vtdctl xlate` prints it (the same walker and renderer).
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/color.h"
#include "output/xlate.h"
#include "tui/fmt.h"
#include "tui/panes.h"
#include "walker/xlate.h"

/* The device (and PASID) the current screen has selected; false if none */
static bool selected_target(const struct view *v, int *bus, int *devfn,
			    int64_t *pasid)
{
	const struct ui_row *r;

	*pasid = PASID_CTX;
	switch (v->state) {
	case ST_DEVICES:
		r = list_selected(&v->lists[ST_DEVICES]);
		if (!r)
			return false;
		*bus = (int)(r->key >> 8);
		*devfn = (int)(r->key & 0xff);
		return true;
	case ST_DEVICE:
		r = list_selected(&v->lists[ST_DEVICE]);
		if (r)
			*pasid = r->key;
		break;
	case ST_ENTRY:
		*pasid = v->focus.pasid;
		break;
	default:
		return false;
	}
	*bus = v->focus.bus;
	*devfn = v->focus.devfn;
	return true;
}

bool xlate_prompt_start(struct view *v)
{
	int bus, devfn;
	int64_t pasid;

	if (!selected_target(v, &bus, &devfn, &pasid))
		return false;
	v->xlate_at.bus = bus;
	v->xlate_at.devfn = devfn;
	v->xlate_at.pasid = pasid;
	v->xlate_in[0] = 0;
	v->prompt_xlate = true;
	v->prompting = true;
	return true;
}

/* The PASID entry to walk with: the one asked for, else RID_PASID's */
static const struct vtd_pasid_rec *xlate_pasid(const struct vtd_device *d, int64_t pasid)
{
	if (!d->scalable)
		return NULL;
	return watch_pasid(d, pasid >= 0 ? pasid : (int64_t)d->ctx.sm.rid_pasid);
}

/* The walk's text, as `vtdctl xlate` prints it; NULL with why filled */
static char *walk_text(struct watch *w, const struct vtd_xlate_req *req, char *why,
		       size_t len)
{
	struct vtd_xlate *x = malloc(sizeof(*x));
	struct out_opts o = { 0 };
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	int err;

	if (!x) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	err = vtd_xlate(w->src, req, x);
	if (err < 0) {
		snprintf(why, len, "%s", source_strerror(w->src, err));
	} else if (!(f = open_memstream(&text, &size))) {
		snprintf(why, len, "%s", strerror(errno));
	} else {
		bool colour = out_color_on();

		out_color_set(false);	/* curses draws the colours, not SGR text */
		text_xlate(f, x, &o);
		out_color_set(colour);
		fclose(f);
	}
	free(x);
	return text;
}

/* Enter at the prompt: walk, then show the result */
void xlate_run(struct view *v, struct watch *w)
{
	const struct vtd_device *d;
	struct vtd_xlate_req req = { 0 };
	char *end, bdf[8];
	const char *in = v->xlate_in;

	bdf_str(bdf, v->xlate_at.bus, v->xlate_at.devfn);
	errno = 0;
	req.iova = strtoull(in, &end, 16);	/* hex, as `xlate` */
	if (!*in || *in == '-' || *in == '+' || *end || errno) {
		snprintf(v->message, sizeof(v->message), "xlate: '%s' is not a hex address", in);
		return;
	}
	d = w->have_model ? watch_device(w, v->xlate_at.bus, v->xlate_at.devfn) : NULL;
	if (!w->src || !d) {
		snprintf(v->message, sizeof(v->message), "xlate: %s", !w->src ?
			 "not connected" : "the device is gone");
		return;
	}
	req.m = w->cur;
	req.d = d;
	req.p = xlate_pasid(d, v->xlate_at.pasid);
	if (d->scalable && !req.p) {
		snprintf(v->message, sizeof(v->message), "xlate: %s has no present entry for that PASID", bdf);
		return;
	}
	free(v->xlate_text);
	v->xlate_text = walk_text(w, &req, v->message, sizeof(v->message));
	if (!v->xlate_text)
		return;
	if (req.p)
		snprintf(v->xlate_title, sizeof(v->xlate_title), "xlate %s pasid %u 0x%" PRIx64,
			 bdf, req.p->pasid, req.iova);
	else
		snprintf(v->xlate_title, sizeof(v->xlate_title), "xlate %s 0x%" PRIx64, bdf,
			 req.iova);
	view_goto(v, ST_XLATE);
}

void xlate_draw(struct view *v, const struct watch *w)
{
	struct ui_list *l = &v->lists[ST_XLATE];
	const char *p = v->xlate_text ? v->xlate_text : "";
	int64_t i = 0;

	ui_title(&v->frame, "%s, as `vtdctl xlate` (Backspace: back, x: another address)",
		 v->xlate_title);
	list_begin(l);
	while (*p) {
		size_t n = strcspn(p, "\n");

		list_add(l, i++, !strncmp(p, "fault:", 6) ? UC_ERROR : UC_DEFAULT, ' ',
			 "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
	list_end(l);
	list_draw(&v->frame, l, v->frame.body_top, v->frame.body_bottom, false);
}
