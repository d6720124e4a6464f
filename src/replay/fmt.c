// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl replay: times and PASID cases as log, timeline and watch --trace
 * write them. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "replay/replay.h"

const char *replay_fmt_time(char *buf, size_t len, int64_t ms)
{
	int64_t sec = ms / 1000;
	int frac = (int)(ms % 1000);
	time_t t;
	struct tm tm;

	if (frac < 0) {		/* before 1970: floor, not toward zero */
		frac += 1000;
		sec--;
	}
	t = (time_t)sec;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "%" PRId64 "ms", ms);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return buf;
}

const char *replay_fmt_rel(char *buf, size_t len, int64_t ms)
{
	uint64_t a = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;

	snprintf(buf, len, "%c%" PRIu64 ".%03us", ms < 0 ? '-' : '+', a / 1000,
		 (unsigned)(a % 1000));
	return buf;
}

const char *replay_case_name(char c)
{
	switch (c) {
	case 'a': return "present -> not present";
	case 'b': return "present -> present, changed";
	case 'c': return "not present -> present";
	default: return NULL;
	}
}

int64_t replay_ms_between(int64_t a, int64_t b)
{
	int64_t d;

	if (!__builtin_sub_overflow(b, a, &d))
		return d;
	return b > a ? INT64_MAX : INT64_MIN;
}
