/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl watch: the registers, faults, invalidation queue, findings, event
 * log and help panes. */
#ifndef VTDCTL_TUI_PANES_H
#define VTDCTL_TUI_PANES_H

#include "tui/refresh.h"
#include "tui/view.h"

void regs_draw(struct view *v, const struct watch *w);
void faults_draw(struct view *v, const struct watch *w);
void iq_draw(struct view *v, const struct watch *w);
void findings_draw(struct view *v, const struct watch *w);
void events_draw(struct view *v, const struct watch *w);
void help_draw(struct view *v, const struct watch *w);

/* Key x (xlate_pane.c): read an IOVA for the selected device or PASID
 * (false: this screen selects none), walk it on Enter, show the walk */
bool xlate_prompt_start(struct view *v);
void xlate_run(struct view *v, struct watch *w);
void xlate_draw(struct view *v, const struct watch *w);

#endif
