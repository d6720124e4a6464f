/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl watch: small formatting helpers for the log and the screens. */
#ifndef VTDCTL_TUI_FMT_H
#define VTDCTL_TUI_FMT_H

/* "00:04.0" */
void bdf_str(char buf[8], int bus, int devfn);
/* A PASID entry's PGTT by name ("second-stage") */
const char *pgtt_str(unsigned pgtt, char *buf, unsigned len);

#endif
