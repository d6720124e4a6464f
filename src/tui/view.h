/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl watch: the state of the view, which the loop in ui.c owns and
 * passes to the screens (as ncdu: one state says which screen is shown;
 * each screen has <screen>_draw() and, if it takes keys, <screen>_key()).
 */
#ifndef VTDCTL_TUI_VIEW_H
#define VTDCTL_TUI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/draw.h"
#include "tui/list.h"

enum ui_state {
	ST_DEVICES,	/* device list */
	ST_DEVICE,	/* one device: context entry and PASIDs */
	ST_ENTRY,	/* one entry, field by field, raw qwords */
	ST_REGS,
	ST_FAULTS,
	ST_IQ,
	ST_FINDINGS,
	ST_EVENTS,
	ST_XLATE,	/* key x: one IOVA's page walk */
	ST_HELP,
	ST_NR,
	ST_QUIT = ST_NR,
};

/* The device and entry the detail screens show */
struct ui_focus {
	int bus, devfn;
	int64_t pasid;		/* PASID_CTX for the context entry */
	enum ui_state back;	/* where Backspace returns from ST_ENTRY/ST_HELP */
};

struct view {
	enum ui_state state;		/* the screen shown */
	struct ui_list lists[ST_NR];	/* one per screen */
	struct ui_focus focus;
	struct ui_frame frame;
	bool prompting;			/* '/' or x typed: keys edit the prompt */
	bool prompt_xlate;		/* the prompt is x's IOVA, not the filter */
	char xlate_in[24];		/* the IOVA typed */
	struct {
		int bus, devfn;
		int64_t pasid;		/* PASID_CTX: RID_PASID's (legacy: none) */
	} xlate_at;
	char *xlate_text;		/* the last walk, as `vtdctl xlate` prints it */
	char xlate_title[96];
	char message[UI_ROW_MAX];	/* the status line's, until the next key */
	bool dirty;			/* a redraw is due */
};

/* Show screen st (the state to return to is kept for ST_ENTRY, ST_HELP) */
void view_goto(struct view *v, enum ui_state st);

#endif
