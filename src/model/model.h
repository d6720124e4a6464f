/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the model the walker builds and the renderers print. */
#ifndef VTDCTL_MODEL_H
#define VTDCTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtd/vtd.h"
#include "vtd/faults.h"
#include "vtd/regs.h"
#include "model/vmm.h"

struct vtd_source;
struct vtd_host;

enum vtd_severity { VTD_SEV_INFO, VTD_SEV_WARNING, VTD_SEV_ERROR };
const char *vtd_severity_name(enum vtd_severity s);

#define VTD_NO_BDF	(-1)
#define VTD_NO_PASID	(-1)

struct vtd_finding {
	enum vtd_severity sev;
	char code[40];		/* stable, snake_case: "ctx_reserved_bits" */
	int bus, devfn;		/* VTD_NO_BDF when not about a device */
	int64_t pasid;		/* VTD_NO_PASID when not about a PASID */
	uint64_t gpa;		/* address of the offending entry, 0 if none */
	char message[200];
	/* a summary: this many more findings of this code on this device
	 * were not kept (0 for an ordinary finding); renderers print the
	 * count before the message ("1047552 more of this code here ...") */
	unsigned long more;
};

/*
 * Findings are bounded (README "Bounds"): per device and code the first
 * per_code are kept and one summary finding counts the rest; past max in
 * all, one findings_truncated finding counts what was dropped.
 */
#define VTD_DEFAULT_MAX_FINDINGS	65536UL
#define VTD_DEFAULT_PER_CODE		1024u

/*
 * --all-findings on check and dump: every finding is handed to emit as the
 * walk or a rule adds it, and none is held (the renderer that owns the sink
 * prints it at once); the model only counts them (struct vtd_streamed).
 */
struct vtd_finding_sink {
	void (*emit)(void *ctx, const struct vtd_finding *f);
	void *ctx;
};

struct vtd_finding_limits {
	unsigned long max;	/* findings kept in all; 0 = the default */
	unsigned per_code;	/* per device and code; 0 = the default */
	bool all;		/* --all-findings: no per-device limit */
	const struct vtd_finding_sink *sink;	/* non-NULL: stream, hold none */
};

/* What went to the sink: counts only, whatever their number. */
struct vtd_streamed {
	unsigned long sev[3];	/* by enum vtd_severity */
	unsigned *by_device;	/* 65536 counters by bus << 8 | devfn, NULL
				 * until a finding names a device */
	struct vtd_finding last;	/* what vtd_add_finding() returns */
};
struct vtd_finding_index;

/* Where RTADDR came from */
enum vtd_rtaddr_origin {
	VTD_RTADDR_REGISTER,	/* read from the live unit */
	VTD_RTADDR_USER,	/* --rtaddr */
	VTD_RTADDR_SCAN,	/* guessed by scanning a dump */
	VTD_RTADDR_RECORDED,	/* the value a snapshot of a dump recorded */
	VTD_RTADDR_NONE,	/* not known */
};

/*
 * A present PASID entry as the model holds it: the 64 bytes as read, where
 * they live and which PASID: 80 bytes (2^20 PASIDs: 80 MiB). The fields
 * are decoded when read, by vtd_pasid_decode().
 */
struct vtd_pasid_rec {
	uint64_t raw[8];	/* the entry's eight qwords */
	uint64_t gpa;		/* where the 64-byte entry lives */
	uint32_t pasid;
};

struct vtd_device {
	uint8_t bus, devfn;
	uint64_t ctx_gpa;	/* where the context entry lives */
	bool scalable;
	union {
		struct vtd_ctx_legacy leg;
		struct vtd_ctx_sm sm;
	} ctx;
	struct vtd_pasid_rec *pasids;	/* present PASID entries, by PASID */
	size_t nr_pasids, cap_pasids;
	unsigned nr_findings;	/* findings that name this device (set at the end of the walk) */
	unsigned nr_faults;	/* pending fault records naming this device */
	int dir_shared_with;	/* index of the device whose PASID directory
				 * this one shares (PASIDs listed there), or -1 */
};

struct vtd_regs {
	bool valid;		/* false for dumps */
	uint64_t ver, cap, ecap, gsts, rtaddr;
};

struct vtd_rtaddr_scan {
	unsigned candidates;	/* pages that validated */
	unsigned score;		/* present entries in the chosen table */
	unsigned runner_up;	/* score of the second best, 0 if none */
	const char *confidence;	/* "high", "medium", "low" */
	/* present context entries with sound tables below them (PASID
	 * directory, page table): what ranks the candidates first */
	unsigned evidence, runner_up_evidence;
	uint64_t runner_up_addr;	/* the second best, 0 if none */
	bool decoy;		/* the second best may be a decoy, or the best */
};

/* Which source the model was read from (JSON "source"), set by the
 * pipeline: renderers never see the source itself. */
struct vtd_model_source {
	char kind[16];		/* "qmp", "core", "libvirt", "snapshot" */
	char target[512];	/* what the user named */
	char access[16];	/* "xp", "proc-mem", "elf", ...; "" if unknown */
	char format[24];	/* a dump's format: "elf", "kdump-raw-zlib", ...;
				 * "" for other sources */
	uint64_t pages_left_out;	/* kdump: pages of guest RAM its bitmap
					 * says were left out of the file */
	char access_why[256];	/* why memory was read that way, "" if no reason */
	unsigned long calls;	/* transport round trips so far */
};

struct vtd_model {
	struct vtd_model_source source;
	struct vtd_regfile rf;		/* every register (live sources) */
	struct vtd_faults faults;	/* pending fault records */
	struct vtd_regs regs;
	struct vtd_cap cap;		/* valid only if regs.valid */
	struct vtd_ecap ecap;
	struct vtd_rtaddr rtaddr;
	enum vtd_rtaddr_origin rtaddr_origin;
	struct vtd_rtaddr_scan scan;
	uint64_t mmio_base;

	struct vtd_device *devices;	/* sorted by bus, devfn */
	size_t nr_devices, cap_devices;
	struct vtd_finding *findings;
	size_t nr_findings, cap_findings;
	size_t nr_walk_findings;	/* findings[0..n) are the walker's; rules add after */
	struct vtd_finding_limits limits;
	struct vtd_finding_index *index;	/* counts per device and code */
	struct vtd_streamed streamed;	/* limits.sink: what went to it */
	size_t indexed;		/* findings the index counts (rebuilt when
				 * nr_findings was cut below it) */

	struct vtd_host *host;		/* host side (src/vmm/), NULL = unknown */
	struct vtd_vmm vmm;		/* the VMM and its vIOMMU options */

	/* walk statistics */
	unsigned long tables_read;
	unsigned long entries_seen;
	bool truncated;		/* hit the work cap */
};

/* What to walk: -s as lspci reads it ([[[DOMAIN]:]BUS:][SLOT][.[FUNC]],
 * each part -1 when absent or "*"), --pasid, --did. */
struct vtd_filter {
	int domain;		/* PCI segment; the unit covers segment 0 */
	int bus;
	int slot;		/* device number, 0..0x1f */
	int func;		/* 0..7 */
	int64_t pasid;		/* -1 = any */
	int64_t did;		/* -1 = any */
};
#define VTD_FILTER_ALL ((struct vtd_filter){ .domain = -1, .bus = -1, \
	.slot = -1, .func = -1, .pasid = -1, .did = -1 })
/* Whether bus:devfn (segment 0) passes the filter's -s part. */
bool vtd_filter_bdf(const struct vtd_filter *f, int bus, int devfn);
/* -s was given (any part of it). */
bool vtd_filter_has_slot(const struct vtd_filter *f);
/* -s names one device: its slot and function (bus and domain may be any). */
bool vtd_filter_names_function(const struct vtd_filter *f);

struct vtd_walk_opts {
	struct vtd_filter filter;
	bool have_rtaddr;	/* --rtaddr given */
	uint64_t rtaddr;
	unsigned long max_entries;	/* work cap; 0 = default */
	struct vtd_finding_limits findings;	/* --max-findings, --all-findings */
};
#define VTD_DEFAULT_MAX_ENTRIES	(1UL << 26)

/* Build the model. Returns 0, or a negative errno for a fatal source error
 * (message in src->error); bad guest data only ever becomes findings. */
int vtd_walk(struct vtd_source *src, const struct vtd_walk_opts *opts,
	     struct vtd_model *m);
void vtd_model_free(struct vtd_model *m);
/* --consistent: walk until two walks agree (at most tries), else torn_read. */
int vtd_walk_consistent(struct vtd_source *src, const struct vtd_walk_opts *opts,
			struct vtd_model *m, unsigned tries);
/* A hash of every table word the walk decoded: equal walks, equal hashes. */
uint64_t vtd_model_fingerprint(const struct vtd_model *m);

/* Model helpers for the walker and checks. vtd_add_finding() returns the
 * finding, or the summary that counts it when it is over a limit, or (with
 * a sink) a copy of what was emitted; never NULL but when memory runs out. */
struct vtd_finding *vtd_add_finding(struct vtd_model *m, enum vtd_severity sev,
				    const char *code, int bus, int devfn,
				    int64_t pasid, uint64_t gpa,
				    const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* The worst severity of the findings held and streamed; *any: were there any. */
unsigned vtd_worst_severity(const struct vtd_model *m, bool *any);
/* Findings held and streamed, by severity (c[enum vtd_severity]). */
void vtd_count_findings(const struct vtd_model *m, unsigned long c[3]);
struct vtd_device *vtd_add_device(struct vtd_model *m);
struct vtd_pasid_rec *vtd_add_pasid(struct vtd_device *d);
/* The device bus:devfn (the walk keeps them sorted), or NULL. */
struct vtd_device *vtd_model_device(struct vtd_model *m, int bus, int devfn);
/* p's entry decoded into *e (vtd_decode_pasid_entry()); returns e. */
const struct vtd_pasid_entry *vtd_pasid_decode(const struct vtd_pasid_rec *p,
					       struct vtd_pasid_entry *e);
/* The present PASID entry pasid of d (its list is sorted), or NULL. */
const struct vtd_pasid_rec *vtd_model_pasid(const struct vtd_device *d,
					    uint32_t pasid);
/* Each device's nr_findings from the findings that name it (held and
 * streamed), afresh. */
void vtd_recount_device_findings(struct vtd_model *m);

/* Dump discovery: scan RAM for pages that validate as a root table. */
int vtd_scan_rtaddr(struct vtd_source *src, uint64_t *rtaddr,
		    struct vtd_rtaddr_scan *res);

#endif
