/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: pure decoders of single VT-d structures (no I/O, no printing). */
#ifndef VTDCTL_VTD_H
#define VTDCTL_VTD_H

#include <stdbool.h>
#include <stdint.h>

#define VTD_PAGE_SIZE		4096u
#define VTD_ADDR_MASK		0xfffffffffffff000ULL	/* bits 63:12 */

/* Register offsets (Linux DMAR_*_REG) */
#define VTD_REG_VER		0x00
#define VTD_REG_CAP		0x08
#define VTD_REG_ECAP		0x10
#define VTD_REG_GCMD		0x18
#define VTD_REG_GSTS		0x1c
#define VTD_REG_RTADDR		0x20

/* GSTS bits 31..23 */
#define VTD_GSTS_TES		(1u << 31)
#define VTD_GSTS_RTPS		(1u << 30)
#define VTD_GSTS_FLS		(1u << 29)
#define VTD_GSTS_AFLS		(1u << 28)
#define VTD_GSTS_WBFS		(1u << 27)
#define VTD_GSTS_QIES		(1u << 26)
#define VTD_GSTS_IRES		(1u << 25)
#define VTD_GSTS_IRTPS		(1u << 24)
#define VTD_GSTS_CFIS		(1u << 23)

enum vtd_mode {
	VTD_MODE_LEGACY = 0,	/* RTADDR.TTM 00 */
	VTD_MODE_SCALABLE = 1,	/* 01 */
	VTD_MODE_RESERVED = 2,	/* 10 */
	VTD_MODE_ABORT_DMA = 3,	/* 11 */
};
const char *vtd_mode_name(enum vtd_mode m);

struct vtd_cap {
	uint64_t raw;
	unsigned nd;		/* 2:0 */
	unsigned ndoms;		/* 1 << (4 + 2*ND) */
	bool rwbf, plmr, phmr, cm;
	unsigned sagaw;		/* 12:8, bit i => AGAW i supported */
	unsigned mgaw;		/* 21:16 plus one */
	bool zlr, psi;
	unsigned fro;		/* byte offset: 33:24 * 16 */
	unsigned sllps;		/* 37:34 */
	unsigned nfr;		/* 47:40 plus one */
	unsigned mamv;		/* 53:48 */
	bool dwd, drd, fl1gp, pi, fl5lp, ecmds, esirtps, esrtps;
};

struct vtd_ecap {
	uint64_t raw;
	bool c, qi, dt, ir, eim, pt, sc;
	unsigned iro;		/* byte offset: 17:8 * 16 */
	unsigned mhmv;		/* 23:20 */
	bool mts, nest, dis, prs, ers, srs, nwfs, eafs;
	unsigned pss;		/* 39:35; PASID width = PSS+1 bits */
	bool pasid, dit, pds, smts, slads, slts, flts, smpwc, rps, pms;
};

void vtd_decode_cap(uint64_t raw, struct vtd_cap *c);
void vtd_decode_ecap(uint64_t raw, struct vtd_ecap *e);

struct vtd_rtaddr {
	uint64_t raw;
	uint64_t addr;		/* 63:12 */
	enum vtd_mode mode;	/* TTM, 11:10 */
	uint64_t rsvd;		/* bits 9:0 that are set */
};
void vtd_decode_rtaddr(uint64_t raw, struct vtd_rtaddr *r);

/* Root entry (128 bits). Legacy: lo P + CTP, hi reserved.
 * Scalable: lo LP + LCTP (devfn 0x00-0x7f), hi UP + UCTP (devfn 0x80-0xff). */
struct vtd_root {
	uint64_t raw[2];
	bool lp, up;		/* legacy: lp is P */
	uint64_t lctp, uctp;
	uint64_t rsvd_lo, rsvd_hi;	/* reserved bits that are set */
};
void vtd_decode_root(const uint64_t raw[2], bool scalable, struct vtd_root *r);

/* Legacy context entry (128 bits) */
struct vtd_ctx_legacy {
	uint64_t raw[2];
	bool p, fpd;
	unsigned tt;		/* lo 3:2 */
	uint64_t slptptr;	/* lo 63:12 */
	unsigned aw;		/* hi 2:0; levels = aw + 2 */
	unsigned avail;		/* hi 6:3 */
	unsigned did;		/* hi 23:8 */
	uint64_t rsvd_lo, rsvd_hi;
};
void vtd_decode_ctx_legacy(const uint64_t raw[2], struct vtd_ctx_legacy *c);

/* Scalable-mode context entry (256 bits) */
struct vtd_ctx_sm {
	uint64_t raw[4];
	bool p, fpd, dte, paside, pre;
	unsigned pdts;		/* lo 11:9; directory has 2^(pdts+7) entries */
	uint64_t pasid_dir;	/* lo 63:12 */
	uint32_t rid_pasid;	/* hi 19:0 */
	uint64_t rsvd[4];
};
void vtd_decode_ctx_sm(const uint64_t raw[4], struct vtd_ctx_sm *c);
static inline uint32_t vtd_pdts_entries(unsigned pdts)
{
	return 1u << (pdts + 7);
}

/* PASID directory entry (64 bits) */
struct vtd_pasid_dirent {
	uint64_t raw;
	bool p, fpd;
	uint64_t table;		/* 63:12 */
	uint64_t rsvd;
};
void vtd_decode_pasid_dirent(uint64_t raw, struct vtd_pasid_dirent *d);

enum vtd_pgtt {
	VTD_PGTT_FIRST = 1,
	VTD_PGTT_SECOND = 2,
	VTD_PGTT_NESTED = 3,
	VTD_PGTT_PT = 4,
};
/* "first-stage", ..., or "reserved(N)" written into buf */
const char *vtd_pgtt_name(unsigned pgtt, char *buf, unsigned len);

/* Scalable-mode PASID table entry (512 bits) */
struct vtd_pasid_entry {
	uint64_t raw[8];
	bool p, fpd;
	unsigned aw;		/* 4:2 */
	unsigned pgtt;		/* 8:6 */
	bool ssade;		/* 9 */
	uint64_t slptptr;	/* 63:12 */
	unsigned did;		/* 79:64 */
	bool pwsnp, pgsnp;	/* 87, 88 */
	bool sre;		/* 128 */
	unsigned flpm;		/* 131:130; 0 = 4-level, 1 = 5-level */
	bool wpe, eafe;		/* 132, 135 */
	uint64_t flptptr;	/* 191:140 */
	uint64_t rsvd[8];	/* reserved bits that are set */
};
void vtd_decode_pasid_entry(const uint64_t raw[8], struct vtd_pasid_entry *e);

#endif
