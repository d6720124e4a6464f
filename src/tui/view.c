// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: moving between screens. */
#include "tui/view.h"

void view_goto(struct view *v, enum ui_state st)
{
	if (st == ST_HELP || st == ST_XLATE ||
	    (st == ST_ENTRY && v->state != ST_HELP && v->state != ST_XLATE))
		v->focus.back = v->state;
	v->state = st;
	v->prompting = false;
	v->prompt_xlate = false;
	v->frame.hscroll = 0;	/* each screen starts at its left edge */
}
