// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl watch --trace: where the replay is and where its keys take it.
 * Pure functions over sorted arrays of times (the samples, the faults and
 * findings), so that the keys are tested without a terminal.
 */
#include "replay/replay.h"

/* The first index whose time is > t (upper bound) */
static size_t first_after(const int64_t *times, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (times[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first index whose time is >= t (lower bound) */
static size_t first_at(const int64_t *times, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (times[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t replay_index_at(const int64_t *times, size_t n, int64_t t)
{
	size_t i = first_after(times, n, t);

	return i ? i - 1 : 0;
}

long replay_next_mark(const int64_t *marks, size_t n, int64_t t)
{
	size_t i = first_after(marks, n, t);

	return i < n ? (long)i : -1;
}

long replay_prev_mark(const int64_t *marks, size_t n, int64_t t)
{
	size_t i = first_at(marks, n, t);

	return i ? (long)i - 1 : -1;
}

int64_t replay_due_ms(int64_t from_ms, int64_t to_ms, unsigned speed)
{
	int64_t d = replay_ms_between(from_ms, to_ms);

	if (d < 0)
		d = 0;
	return d / (speed ? speed : 1);
}

static const unsigned speeds[] = { 1, 2, 5, 10, 30, 60, 300 };
#define NR_SPEEDS (sizeof(speeds) / sizeof(speeds[0]))

unsigned replay_speed_step(unsigned speed, int dir)
{
	size_t i = 0;

	while (i + 1 < NR_SPEEDS && speeds[i] < speed)
		i++;
	if (dir > 0 && speeds[i] <= speed && i + 1 < NR_SPEEDS)
		i++;
	else if (dir < 0 && i > 0)
		i--;
	return speeds[i];
}
