// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: find the root table in a memory dump.
 *
 * A dump holds no IOMMU registers, so RTADDR is unknown. Every 4 KiB page
 * of RAM is tested as a root table:
 *
 *   1. A cheap filter on the raw page: every 64-bit word is zero or looks
 *      like a present table pointer (bits 11:0 == 1, page number below the
 *      end of RAM), and not every word is zero. This holds for root tables
 *      in both formats (legacy: lo = P|CTP, hi = 0; scalable: lo = LP|LCTP,
 *      hi = UP|UCTP) and rejects almost all other memory, including the
 *      zero pages that fill a dump, within the first few words.
 *   2. The full check, legacy and scalable interpretations separately:
 *      each 16-byte root entry is all zero or present with its reserved
 *      bits clear (vtd_decode_root), every context-table pointer is a RAM
 *      page other than the root table itself, every context table it
 *      points to validates (entries all zero or with their reserved bits
 *      clear: vtd_decode_ctx_legacy, 256 x 16 bytes; vtd_decode_ctx_sm,
 *      128 x 32 bytes), and at least one present context entry is
 *      reachable. A root table whose context tables hold no present
 *      entry at all is no evidence: a page holding a lone "1" (a pointer
 *      to page 0) would otherwise qualify.
 *
 * The score of a candidate is the number of present context entries
 * reachable from it, each context table counted once however many root
 * entries name it. Context-table results are memoised, so many copies of
 * one table (or hostile memory built to look like one) cost one read each,
 * and the context tables of one root table are told apart by a hash set.
 *
 *   3. Evidence beyond them: how many present context entries have sound
 *      tables below them (a PASID directory with clean entries, one
 *      present at least; a second-level page table with present entries
 *      only; or pass-through, which needs none). It is taken with each
 *      context table's check and memoised with it, reading at most
 *      CTX_DEEP_READS pages below one context table and EVIDENCE_READS
 *      pages in all (after that, tables first met count none). The TOP
 *      candidates are kept by evidence first, then by score: a decoy made
 *      of root and context entries alone loses to the real table however
 *      many devices it names and however many copies of it the dump holds
 *      (512 such decoys naming 65536 devices each, before the real table
 *      in a 1 GiB dump: tests/bench/bench_bounds.py), where keeping the
 *      best by score alone let 8 of them push the real table out unread.
 *      A runner-up with more devices than the chosen one, or a close call,
 *      is reported (res->decoy).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"
#include "model/model.h"
#include "vtd/vtd.h"

#define SCAN_CHUNK	(1u << 20)	/* bytes per source_read */
#define QWORDS		(VTD_PAGE_SIZE / 8)

#define SEEN_SLOTS	1024	/* > 2 x 512 context-table pointers */
#define TOP		8	/* candidates kept, best first */
#define CTX_DEEP_READS	32	/* pages read for evidence below one context table */
#define EVIDENCE_READS	(1u << 16)	/* and in all: 256 MiB */

/* A page that validated as a root table, and how well. */
struct cand {
	uint64_t addr;
	bool scalable;
	unsigned score, defects;
	unsigned evidence;	/* present context entries with sound tables below */
};


/* The result of checking one context table in one format. */
struct ctx_result {
	uint64_t key;		/* addr | 2 | scalable; 0 = empty slot */
	bool ok;
	uint16_t present;	/* present entries */
	uint16_t defects;	/* present entries' soft oddities */
	uint16_t evidence;	/* present entries with sound tables below */
};

struct eval {
	bool ok;
	bool scalable;
	unsigned score;		/* present context entries reachable */
	unsigned defects;
	unsigned evidence;
};

struct scan {
	struct vtd_source *src;
	uint64_t limit_pfn;	/* page numbers of RAM are below this */
	struct ctx_result *memo;
	size_t memo_cap, memo_used;	/* cap: power of two */
	uint64_t page[QWORDS];	/* scratch for context tables */
	/* context tables of the current root table: a hash set whose slots
	 * count as empty unless their generation is the current one */
	struct { uint64_t ptr; uint32_t gen; } seen[SEEN_SLOTS];
	uint32_t gen;
	uint64_t below[QWORDS];	/* scratch for the tables below them */
	struct cand top[TOP];	/* the best candidates, best first */
	unsigned ntop;
	unsigned deep_reads;	/* pages read for evidence, in all */
	unsigned ctx_reads;	/* the same, below the current context table */
};

/*
 * Step 1. Checked in blocks of 8 words with no branch inside a block, so
 * that the compiler can vectorise it; most pages of ordinary memory fail
 * in the first block.
 */
static bool prefilter(const uint64_t *q, uint64_t limit_pfn)
{
	uint64_t any = 0;

	for (unsigned blk = 0; blk < QWORDS; blk += 8) {
		uint64_t bad = 0;

		for (unsigned i = 0; i < 8; i++) {
			uint64_t v = q[blk + i];

			any |= v;
			bad |= (uint64_t)(v != 0) &
			       ((uint64_t)((v & 0xfff) != 1) |
				(uint64_t)((v >> 12) >= limit_pfn));
		}
		if (bad)
			return false;
	}
	return any != 0;
}

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct ctx_result *memo_slot(struct scan *sc, uint64_t key)
{
	size_t mask = sc->memo_cap - 1, i = hash64(key) & mask;

	while (sc->memo[i].key && sc->memo[i].key != key)
		i = (i + 1) & mask;
	return &sc->memo[i];
}

static int memo_grow(struct scan *sc)
{
	struct ctx_result *old = sc->memo;
	size_t old_cap = sc->memo_cap, cap = old_cap ? old_cap * 2 : 1024;

	sc->memo = calloc(cap, sizeof(*sc->memo));
	if (!sc->memo) {
		sc->memo = old;
		return -ENOMEM;
	}
	sc->memo_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*memo_slot(sc, old[i].key) = old[i];
	free(old);
	return 0;
}

static bool page_is_ram(struct scan *sc, uint64_t addr, uint64_t len)
{
	return source_is_ram(sc->src, addr, len);
}

/* ------------------------------------------------------------------------ */
/* Evidence beyond the root and context tables                              */

/* One page into buf, within the read budgets: 1 read, 0 not RAM or over
 * budget, or a transport error. */
static int deep_read(struct scan *sc, uint64_t addr, uint64_t *buf)
{
	int err;

	if (sc->deep_reads >= EVIDENCE_READS || sc->ctx_reads >= CTX_DEEP_READS ||
	    !page_is_ram(sc, addr, VTD_PAGE_SIZE))
		return 0;
	sc->deep_reads++;
	sc->ctx_reads++;
	err = source_read(sc->src, addr, buf, VTD_PAGE_SIZE);
	return err == -EFAULT ? 0 : err ? err : 1;
}

/* A PASID directory's first page: clean entries, one present at least,
 * pointing into RAM. */
static int sound_pasid_dir(struct scan *sc, uint64_t dir, uint64_t *buf)
{
	unsigned present = 0;
	int rc = deep_read(sc, dir, buf);

	if (rc <= 0)
		return rc;
	for (unsigned i = 0; i < QWORDS; i++) {
		struct vtd_pasid_dirent d;

		if (!buf[i])
			continue;
		vtd_decode_pasid_dirent(buf[i], &d);
		if (d.rsvd || !d.p || !page_is_ram(sc, d.table, VTD_PAGE_SIZE))
			return 0;
		present++;
	}
	return present > 0;
}

/* A second-level page table: one present entry at least, and every
 * non-zero entry readable or writable (bits 1:0). */
static int sound_page_table(struct scan *sc, uint64_t table, uint64_t *buf)
{
	unsigned present = 0;
	int rc = deep_read(sc, table, buf);

	if (rc <= 0)
		return rc;
	for (unsigned i = 0; i < QWORDS; i++) {
		if (!buf[i])
			continue;
		if (!(buf[i] & 3))
			return 0;
		present++;
	}
	return present > 0;
}

/* Present entries of the context table in sc->page whose next level is
 * sound (sc->below is the scratch page). */
static int ctx_evidence(struct scan *sc, bool scalable, uint16_t *evidence)
{
	const uint64_t *q = sc->page;

	sc->ctx_reads = 0;
	for (unsigned i = 0; i < (scalable ? 128u : 256u); i++) {
		int rc;

		if (scalable) {
			struct vtd_ctx_sm c;

			vtd_decode_ctx_sm(&q[4 * i], &c);
			rc = c.p ? sound_pasid_dir(sc, c.pasid_dir, sc->below) : 0;
		} else {
			struct vtd_ctx_legacy c;

			vtd_decode_ctx_legacy(&q[2 * i], &c);
			rc = !c.p ? 0 : c.tt == 2 ? 1 :
			     sound_page_table(sc, c.slptptr, sc->below);
		}
		if (rc < 0)
			return rc;
		*evidence += (uint16_t)rc;
	}
	return 0;
}

/*
 * Check one context table. Hard failures (reserved bits set) make it
 * invalid. Soft oddities of present entries only count as defects: they
 * are legal but unusual, and serve to choose between the legacy and the
 * scalable reading of one page (see choose()).
 */
static int check_ctx(struct scan *sc, uint64_t addr, bool scalable,
		     struct ctx_result *out)
{
	const uint64_t *q = sc->page;
	int err;

	*out = (struct ctx_result){ .key = addr | 2 | scalable };
	err = source_read(sc->src, addr, sc->page, VTD_PAGE_SIZE);
	if (err == -EFAULT || err == -ENODATA)
		return 0;	/* not RAM after all, or not recorded: invalid */
	if (err)
		return err;
	if (!scalable) {
		for (unsigned i = 0; i < 256; i++) {
			struct vtd_ctx_legacy c;

			if (!q[2 * i] && !q[2 * i + 1])
				continue;
			vtd_decode_ctx_legacy(&q[2 * i], &c);
			if (c.rsvd_lo || c.rsvd_hi)
				return 0;
			if (!c.p)
				continue;	/* hardware ignores the rest */
			out->present++;
			out->defects += (c.tt == 3) + (c.aw < 1 || c.aw > 3) +
					(c.did == 0) +
					(c.tt != 2 &&
					 !page_is_ram(sc, c.slptptr, VTD_PAGE_SIZE));
		}
	} else {
		for (unsigned i = 0; i < 128; i++) {
			struct vtd_ctx_sm c;

			if (!(q[4 * i] | q[4 * i + 1] | q[4 * i + 2] |
			      q[4 * i + 3]))
				continue;
			vtd_decode_ctx_sm(&q[4 * i], &c);
			if (c.rsvd[0] || c.rsvd[1] || c.rsvd[2] || c.rsvd[3])
				return 0;
			if (!c.p)
				continue;
			out->present++;
			out->defects += (c.rid_pasid != 0) +
					!page_is_ram(sc, c.pasid_dir,
						     8ull * vtd_pdts_entries(c.pdts));
		}
	}
	out->ok = true;
	return out->present ? ctx_evidence(sc, scalable, &out->evidence) : 0;
}

static int ctx_result(struct scan *sc, uint64_t addr, bool scalable,
		      struct ctx_result *out)
{
	uint64_t key = addr | 2 | scalable;
	struct ctx_result *slot;
	int err;

	if (sc->memo_used * 2 >= sc->memo_cap) {
		err = memo_grow(sc);
		if (err)
			return err;
	}
	slot = memo_slot(sc, key);
	if (slot->key) {
		*out = *slot;
		return 0;
	}
	err = check_ctx(sc, addr, scalable, out);
	if (err)
		return err;
	*slot = *out;
	sc->memo_used++;
	return 0;
}

/* Was ptr seen in this root table already? Adds it if not: O(1), where a
 * list was O(n) for each of up to 512 pointers. */
static bool seen_before(struct scan *sc, uint64_t ptr)
{
	size_t i = hash64(ptr) & (SEEN_SLOTS - 1);

	while (sc->seen[i].gen == sc->gen) {
		if (sc->seen[i].ptr == ptr)
			return true;
		i = (i + 1) & (SEEN_SLOTS - 1);
	}
	sc->seen[i].ptr = ptr;
	sc->seen[i].gen = sc->gen;
	return false;
}

/* Step 2 for one interpretation of the page at addr. */
static int eval_root(struct scan *sc, uint64_t addr, const uint64_t *q,
		     bool scalable, struct eval *ev)
{
	*ev = (struct eval){ .scalable = scalable };
	if (++sc->gen == 0) {	/* wrapped: forget every old slot */
		memset(sc->seen, 0, sizeof(sc->seen));
		sc->gen = 1;
	}
	for (unsigned bus = 0; bus < 256; bus++) {
		struct vtd_root r;
		uint64_t ptr[2];
		unsigned nptr = 0;

		if (!q[2 * bus] && !q[2 * bus + 1])
			continue;
		vtd_decode_root(&q[2 * bus], scalable, &r);
		if (r.rsvd_lo || r.rsvd_hi)
			return 0;
		/* a pointer without its present bit is not a clean entry */
		if (r.raw[0] && !r.lp)
			return 0;
		if (r.lp)
			ptr[nptr++] = r.lctp;
		if (scalable) {
			if (r.raw[1] && !r.up)
				return 0;
			if (r.up)
				ptr[nptr++] = r.uctp;
		}
		for (unsigned i = 0; i < nptr; i++) {
			struct ctx_result cr;
			bool dup = false;
			int err;

			if (ptr[i] == addr ||
			    !page_is_ram(sc, ptr[i], VTD_PAGE_SIZE))
				return 0;
			dup = seen_before(sc, ptr[i]);
			if (dup)
				continue;
			err = ctx_result(sc, ptr[i], scalable, &cr);
			if (err)
				return err;
			if (!cr.ok)
				return 0;
			ev->score += cr.present;
			ev->defects += cr.defects;
			ev->evidence += cr.evidence;
		}
	}
	ev->ok = ev->score > 0;
	return 0;
}

/*
 * Legacy or scalable? A page with any upper half set (hi != 0) can only
 * be scalable: the legacy upper half is reserved. With every hi zero both
 * readings may validate, because the formats overlap:
 *
 *  - a legacy context table read as scalable puts legacy entry 2n at
 *    scalable entry n, and legacy entry 2n+1 into the reserved upper 128
 *    bits, so it survives only if no odd devfn is present; its hi word
 *    (AW | DID << 8) becomes RID_PASID, which Linux always sets to 0;
 *  - a scalable context table read as legacy fails on PDTS (bits 11:9 are
 *    reserved there) unless PDTS is 0, which Linux never writes; if it
 *    survives, RID_PASID 0 reads as AW 0 and DID 0, both unused by any
 *    real legacy programming (DID 0 is reserved under caching mode).
 *
 * So each reading counts its "defects" (present entries with unusual but
 * legal values: legacy TT 3, AW outside 1..3, DID 0, a page-table pointer
 * outside RAM; scalable RID_PASID not 0, a PASID directory outside RAM)
 * and the reading with fewer defects wins: that is the one whose entries
 * validate more strictly. A tie leaves the page ambiguous, and legacy is
 * taken as the format with no optional structure (the walker reports
 * what it finds either way, and --rtaddr overrides).
 */
static const struct eval *choose(const struct eval *leg, const struct eval *sm)
{
	if (leg->ok && sm->ok)
		return sm->defects < leg->defects ? sm : leg;
	if (leg->ok)
		return leg;
	if (sm->ok)
		return sm;
	return NULL;
}

/* Is a ranked before b on the cheap evidence of the scan? More present
 * entries, then fewer defects; pages come in address order, so a tie keeps
 * the first. */
static bool ranks_before(const struct cand *a, const struct cand *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	return a->defects < b->defects;
}

/* Is a a better root table than b? Evidence first, then the scan's rank. */
static bool better(const struct cand *a, const struct cand *b)
{
	if (a->evidence != b->evidence)
		return a->evidence > b->evidence;
	return ranks_before(a, b);
}

/* Keep c among the TOP best candidates, in order. */
static void keep_candidate(struct scan *sc, const struct cand *c)
{
	unsigned i = sc->ntop < TOP ? sc->ntop : TOP - 1;

	if (sc->ntop == TOP && !better(c, &sc->top[TOP - 1]))
		return;
	while (i > 0 && better(c, &sc->top[i - 1])) {
		sc->top[i] = sc->top[i - 1];
		i--;
	}
	sc->top[i] = *c;
	if (sc->ntop < TOP)
		sc->ntop++;
}

static int check_page(struct scan *sc, uint64_t addr, const uint64_t *q,
		      struct vtd_rtaddr_scan *res)
{
	struct eval leg, sm;
	const struct eval *ev;
	bool any_hi = false;
	int err;

	for (unsigned i = 1; i < QWORDS; i += 2)
		any_hi |= q[i] != 0;
	leg = (struct eval){ .ok = false };
	if (!any_hi) {
		err = eval_root(sc, addr, q, false, &leg);
		if (err)
			return err;
	}
	err = eval_root(sc, addr, q, true, &sm);
	if (err)
		return err;
	ev = choose(&leg, &sm);
	if (!ev)
		return 0;
	res->candidates++;
	keep_candidate(sc, &(struct cand){ .addr = addr, .scalable = ev->scalable,
					   .score = ev->score,
					   .defects = ev->defects,
					   .evidence = ev->evidence });
	return 0;
}

/* high: one candidate; medium: the best clearly ahead of the next on
 * evidence (or, on equal evidence, on present entries); low: not. A
 * runner-up with more present entries than the chosen one, or a low
 * confidence, is a possible decoy (res->decoy). */
static void judge(const struct scan *sc, struct vtd_rtaddr_scan *res)
{
	const struct cand *b = &sc->top[0], *r = sc->ntop > 1 ? &sc->top[1] : NULL;

	res->score = b->score;
	res->evidence = b->evidence;
	res->runner_up = r ? r->score : 0;
	res->runner_up_evidence = r ? r->evidence : 0;
	res->runner_up_addr = r ? r->addr : 0;
	if (res->candidates == 1)
		res->confidence = "high";
	else if (r && (b->evidence >= 2 * r->evidence + (r->evidence == 0)) &&
		 b->evidence > 0)
		res->confidence = "medium";
	else if (r && b->evidence == r->evidence && b->score >= 2 * r->score)
		res->confidence = "medium";
	else
		res->confidence = "low";
	res->decoy = r && (r->score > b->score || !strcmp(res->confidence, "low"));
}

int vtd_scan_rtaddr(struct vtd_source *src, uint64_t *rtaddr,
		    struct vtd_rtaddr_scan *res)
{
	struct scan *sc;
	uint64_t *buf;
	int err = 0;

	*res = (struct vtd_rtaddr_scan){ .confidence = "none" };
	sc = calloc(1, sizeof(*sc));
	buf = malloc(SCAN_CHUNK);
	if (!sc || !buf) {
		free(sc);
		free(buf);
		return -ENOMEM;
	}
	sc->src = src;
	sc->limit_pfn = source_ram_end(src) >> 12;
	err = memo_grow(sc);

	for (size_t r = 0; !err && r < src->nr_ram; r++) {
		uint64_t start = src->ram[r].start, end = start + src->ram[r].size;

		/* whole pages only */
		start = (start + VTD_PAGE_SIZE - 1) & VTD_ADDR_MASK;
		end &= VTD_ADDR_MASK;
		for (uint64_t gpa = start; !err && gpa < end;) {
			uint64_t n = end - gpa < SCAN_CHUNK ? end - gpa : SCAN_CHUNK;

			err = source_read(src, gpa, buf, (size_t)n);
			if (err == -EFAULT || err == -ENODATA) {
				err = 0;	/* vanished from RAM, not recorded: skip */
			} else if (!err) {
				for (uint64_t off = 0; !err && off < n;
				     off += VTD_PAGE_SIZE) {
					const uint64_t *q = buf + off / 8;

					if (prefilter(q, sc->limit_pfn))
						err = check_page(sc, gpa + off, q,
								 res);
				}
			}
			gpa += n;
		}
	}
	free(buf);
	if (!err && sc->ntop) {
		judge(sc, res);
		*rtaddr = sc->top[0].addr |
			  ((uint64_t)(sc->top[0].scalable ? VTD_MODE_SCALABLE
							  : VTD_MODE_LEGACY) << 10);
	}
	if (!err && !sc->ntop)
		err = -ENOENT;
	free(sc->memo);
	free(sc);
	return err;
}
