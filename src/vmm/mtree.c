// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: parse QEMU's `info mtree -o -D` for the intel-iommu's address spaces.
 *
 * What the text looks like (QEMU 7.2 and 10.0, tests/fixtures/mtree-*):
 *
 *   address-space: vtd-root
 *     0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-03.0 owner:{dev path=...}
 *       0000000000000000-ffffffffffffffff (prio 0, i/o): alias vtd-nodmar @vtd-nodmar 0000000000000000-ffffffffffffffff owner:{...}
 *       0000000000000000-ffffffffffffffff (prio 0, i/o): vtd-03.0-dmar [disabled] owner:{...}
 *
 *   address-space: edu
 *     0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container owner:{dev path=/machine/peripheral-anon/device[1]}
 *       0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @vtd-03.0 0000000000000000-ffffffffffffffff [disabled] owner:{...}
 *
 *   memory-region: vtd-03.0
 *     ... the same tree as the address space ...
 *
 * Translation is on when vtd-SS.F-dmar is enabled, off when the alias of
 * vtd-nodmar is (vtd_switch_address_space() enables exactly one of them).
 * `memory-region:` sections list each aliased region once, in the order the
 * aliases were first printed, so the k-th device alias of a vtd-SS.F region
 * names the region of the k-th `memory-region: vtd-SS.F` section as long as
 * no two devices alias the same region (counted by the caller).
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "source/source.h"
#include "vmm/host.h"

#define MTREE_MAX_RECORDS 65536

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool host_parse_vtd_name(const char *name, uint8_t *devfn, int64_t *pasid)
{
	int s1, s2, fn;
	int64_t p = 0;
	const char *q;

	if (strncmp(name, "vtd-", 4))
		return false;
	s1 = hexdigit(name[4]);
	s2 = hexdigit(name[5]);
	if (s1 < 0 || s2 < 0 || name[6] != '.' || name[7] < '0' || name[7] > '7')
		return false;
	if ((s1 << 4 | s2) > 0x1f)
		return false;
	fn = name[7] - '0';
	*devfn = (uint8_t)(((s1 << 4 | s2) << 3) | fn);
	if (!name[8]) {
		*pasid = HOST_NO_PASID;
		return true;
	}
	if (strncmp(name + 8, "-pasid-", 7) || !name[15])
		return false;
	for (q = name + 15; *q; q++) {
		if (hexdigit(*q) < 0 || q - (name + 15) >= 5)
			return false;	/* PASIDs are 20 bits: at most 5 hex digits */
		p = p << 4 | hexdigit(*q);
	}
	*pasid = p;
	return true;
}

/* One region line, split */
struct mline {
	unsigned depth;
	bool alias, disabled;
	char name[128];		/* region name (alias: the alias's own name) */
	char target[128];	/* alias: the region it points at */
	char owner[160];	/* QOM path, "" if none */
};

static void copy_span(char *dst, size_t dlen, const char *s, size_t n)
{
	if (n >= dlen)
		n = dlen - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* "dev id=rp2" -> /machine/peripheral/rp2; "dev path=P" / "obj path=P" -> P */
static void parse_owner(const char *s, size_t n, char *out, size_t outlen)
{
	char buf[200];

	out[0] = 0;
	copy_span(buf, sizeof(buf), s, n);
	/* the precision keeps the (bounded) truncation explicit */
	if (!strncmp(buf, "dev id=", 7))
		snprintf(out, outlen, "/machine/peripheral/%.*s",
			 (int)(outlen > 21 ? outlen - 21 : 0), buf + 7);
	else if (!strncmp(buf, "dev path=", 9) || !strncmp(buf, "obj path=", 9))
		snprintf(out, outlen, "%.*s", (int)(outlen - 1), buf + 9);
}

/* Strip " owner:{...}" and " [flags]" off the end of [s, *end) */
static void strip_tail(const char *s, const char **end, struct mline *ml)
{
	const char *o = NULL, *p;

	for (p = s; p + 8 <= *end; p++)
		if (!strncmp(p, " owner:{", 8))
			o = p;
	if (o) {
		const char *c = memchr(o + 8, '}', (size_t)(*end - (o + 8)));

		if (c)
			parse_owner(o + 8, (size_t)(c - (o + 8)), ml->owner,
				    sizeof(ml->owner));
		*end = o;
	}
	while (*end > s && (*end)[-1] == ']') {
		const char *b = *end - 1;

		while (b > s && *b != '[')
			b--;
		if (b <= s || b[-1] != ' ')
			break;
		if (!strncmp(b, "[disabled]", 10))
			ml->disabled = true;
		*end = b - 1;
	}
}

/* "  START-END (prio N, TYPE): REST" -> ml; false if not a region line */
static bool parse_region_line(const char *line, size_t len, struct mline *ml)
{
	const char *end = line + len, *p, *rest;
	size_t sp = 0;

	memset(ml, 0, sizeof(*ml));
	while (sp < len && line[sp] == ' ')
		sp++;
	if (sp < 2 || sp % 2)
		return false;
	ml->depth = (unsigned)(sp / 2);
	/* searches bounded by the line: strstr() ran on to the end of the
	 * reply from every line (400k lines: 35 s) */
	p = memmem(line, len, " (prio ", 7);
	if (!p)
		return false;
	rest = memmem(p, (size_t)(end - p), "): ", 3);
	if (!rest)
		return false;
	rest += 3;
	strip_tail(rest, &end, ml);
	if (end - rest > 6 && !strncmp(rest, "alias ", 6)) {
		const char *at = NULL;

		for (p = rest + 6; p + 1 < end; p++)
			if (p[0] == ' ' && p[1] == '@') {
				at = p;
				break;
			}
		if (!at)
			return false;
		ml->alias = true;
		copy_span(ml->name, sizeof(ml->name), rest + 6, (size_t)(at - rest - 6));
		p = at + 2;
		rest = p;
		while (p < end && *p != ' ')
			p++;
		copy_span(ml->target, sizeof(ml->target), rest, (size_t)(p - rest));
		return true;
	}
	copy_span(ml->name, sizeof(ml->name), rest, (size_t)(end - rest));
	return true;
}

enum block { BLK_NONE, BLK_VTD_AS, BLK_VTD_MR, BLK_DEV_AS, BLK_OTHER };

struct pstate {
	struct mtree_info *mi;
	enum block blk;
	bool have_root;		/* the vtd-SS.F line of this block was seen */
	char root[128];
	struct mtree_vtd cur;
	bool dmar_on, nodmar_on;
	char dev_owner[160];
	size_t cap_as, cap_sec, cap_al;
};

/* Room for one more record past nr, within MTREE_MAX_RECORDS. */
static int grow(void *arr, size_t *cap, size_t nr, size_t elem)
{
	if (nr >= MTREE_MAX_RECORDS)
		return -E2BIG;
	return array_grow(arr, cap, nr + 1, elem);
}

/* End of a vtd block: record it with its translation state */
static int finish_block(struct pstate *st)
{
	struct mtree_info *mi = st->mi;
	int rc;

	if ((st->blk == BLK_VTD_AS || st->blk == BLK_VTD_MR) && st->have_root) {
		st->cur.xlate = st->dmar_on == st->nodmar_on ? HOST_XLATE_UNKNOWN :
				st->dmar_on ? HOST_XLATE_DMAR : HOST_XLATE_NODMAR;
		if (st->blk == BLK_VTD_AS) {
			rc = grow(&mi->as, &st->cap_as, mi->nr_as, sizeof(*mi->as));
			if (rc)
				return rc;
			mi->as[mi->nr_as++] = st->cur;
		} else {
			rc = grow(&mi->sections, &st->cap_sec, mi->nr_sections,
				  sizeof(*mi->sections));
			if (rc)
				return rc;
			mi->sections[mi->nr_sections++] = st->cur;
		}
	}
	st->blk = BLK_NONE;
	st->have_root = false;
	st->dmar_on = st->nodmar_on = false;
	st->dev_owner[0] = 0;
	return 0;
}

static void vtd_region(struct pstate *st, const struct mline *ml)
{
	char dmar[140];

	if (ml->depth == 1) {
		if (!st->have_root && !ml->alias &&
		    host_parse_vtd_name(ml->name, &st->cur.devfn, &st->cur.pasid)) {
			st->have_root = true;
			snprintf(st->root, sizeof(st->root), "%s", ml->name);
		}
		return;
	}
	if (ml->depth != 2 || !st->have_root || ml->disabled)
		return;
	snprintf(dmar, sizeof(dmar), "%s-dmar", st->root);
	if (!ml->alias && !strcmp(ml->name, dmar))
		st->dmar_on = true;
	else if (ml->alias && !strcmp(ml->target, "vtd-nodmar"))
		st->nodmar_on = true;
}

static int dev_region(struct pstate *st, const struct mline *ml)
{
	struct mtree_info *mi = st->mi;
	struct mtree_alias *a;
	uint8_t devfn;
	int64_t pasid;
	int rc;

	if (ml->depth == 1 && !ml->alias && !strcmp(ml->name, "bus master container")) {
		snprintf(st->dev_owner, sizeof(st->dev_owner), "%s", ml->owner);
		return 0;
	}
	if (ml->depth != 2 || !ml->alias || strcmp(ml->name, "bus master") ||
	    !host_parse_vtd_name(ml->target, &devfn, &pasid) || pasid != HOST_NO_PASID)
		return 0;
	rc = grow(&mi->aliases, &st->cap_al, mi->nr_aliases, sizeof(*a));
	if (rc)
		return rc;
	a = &mi->aliases[mi->nr_aliases++];
	snprintf(a->owner, sizeof(a->owner), "%s", st->dev_owner);
	a->devfn = devfn;
	return 0;
}

/* A header line: "address-space: NAME" or "memory-region: NAME" */
static int header_line(struct pstate *st, const char *line, size_t len)
{
	char name[128];
	uint8_t devfn;
	int64_t pasid;
	int rc = 0;

	if (len > 15 && !strncmp(line, "address-space: ", 15)) {
		copy_span(name, sizeof(name), line + 15, len - 15);
		/* grouped address spaces share one header block */
		if (st->blk != BLK_VTD_AS && st->blk != BLK_DEV_AS &&
		    st->blk != BLK_OTHER)
			rc = finish_block(st);
		if (!strcmp(name, "vtd-root"))
			st->blk = BLK_VTD_AS;
		else if (st->blk != BLK_VTD_AS)
			st->blk = BLK_DEV_AS;
		return rc;
	}
	copy_span(name, sizeof(name), line + 15, len - 15);
	rc = finish_block(st);
	st->blk = host_parse_vtd_name(name, &devfn, &pasid) ? BLK_VTD_MR : BLK_OTHER;
	return rc;
}

static int one_line(struct pstate *st, const char *line, size_t len, bool *seen)
{
	struct mline ml;

	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		return finish_block(st);
	if ((len > 15 && !strncmp(line, "address-space: ", 15)) ||
	    (len > 15 && !strncmp(line, "memory-region: ", 15))) {
		*seen = true;
		return header_line(st, line, len);
	}
	if (!parse_region_line(line, len, &ml))
		return 0;	/* e.g. "address-space: cpu-memory-0" with no tree */
	if (st->blk == BLK_VTD_AS || st->blk == BLK_VTD_MR)
		vtd_region(st, &ml);
	else if (st->blk == BLK_DEV_AS)
		return dev_region(st, &ml);
	return 0;
}

int host_parse_mtree(const char *text, struct mtree_info *mi, char *err,
		     size_t errlen)
{
	struct pstate st = { .mi = mi };
	const char *p = text;
	bool seen = false;
	int rc = 0;

	memset(mi, 0, sizeof(*mi));
	while (p && *p && !rc) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		rc = one_line(&st, p, len, &seen);
		p = nl ? nl + 1 : NULL;
	}
	if (!rc)
		rc = finish_block(&st);
	if (!rc && !seen)
		rc = -EPROTO;
	if (rc) {
		errf(err, errlen, rc == -EPROTO ? "info mtree: no address space in the reply" :
		       rc == -E2BIG ? "info mtree: too many address spaces" :
		       "info mtree: out of memory");
		host_mtree_free(mi);
	}
	return rc;
}

void host_mtree_free(struct mtree_info *mi)
{
	free(mi->as);
	free(mi->sections);
	free(mi->aliases);
	memset(mi, 0, sizeof(*mi));
}
