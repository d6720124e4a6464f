/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl watch: the device list, one device's PASIDs, one entry decoded. */
#ifndef VTDCTL_TUI_SCREENS_H
#define VTDCTL_TUI_SCREENS_H

#include <stdbool.h>

#include "tui/refresh.h"
#include "tui/view.h"

void devices_draw(struct view *v, const struct watch *w);
bool devices_key(struct view *v, int ch);
void device_draw(struct view *v, const struct watch *w);
bool device_key(struct view *v, int ch);
void entry_draw(struct view *v, const struct watch *w);

#endif
