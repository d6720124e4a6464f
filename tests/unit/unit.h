/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: a minimal unit-test harness; each binary ends with "N passed, N failed". */
#ifndef VTDCTL_UNIT_H
#define VTDCTL_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned unit_pass, unit_fail;

#define CHECK(cond)							\
	do {								\
		if (cond) {						\
			unit_pass++;					\
		} else {						\
			unit_fail++;					\
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__,	\
				__LINE__, #cond);			\
		}							\
	} while (0)

#define CHECK_EQ_U64(a, b)						\
	do {								\
		uint64_t _a = (a), _b = (b);				\
		if (_a == _b) {						\
			unit_pass++;					\
		} else {						\
			unit_fail++;					\
			fprintf(stderr, "%s:%d: FAIL: %s == %s: 0x%" PRIx64 \
				" != 0x%" PRIx64 "\n", __FILE__, __LINE__, \
				#a, #b, _a, _b);			\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (_a && _b && !strcmp(_a, _b)) {			\
			unit_pass++;					\
		} else {						\
			unit_fail++;					\
			fprintf(stderr, "%s:%d: FAIL: \"%s\" != \"%s\"\n", \
				__FILE__, __LINE__, _a ? _a : "(null)",	\
				_b ? _b : "(null)");			\
		}							\
	} while (0)

static inline int unit_summary(void)
{
	printf("%u passed, %u failed\n", unit_pass, unit_fail);
	return unit_fail ? 1 : 0;
}

#endif
