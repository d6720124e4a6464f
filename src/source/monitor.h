/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: what the sources that talk to QEMU's monitor share (qmp/,
 * libvirt/, and snapshot/ replaying one): the read-only allowlist, HMP
 * through a QMP monitor, and the parsers of HMP's text (pure functions, for
 * unit tests and fuzzers too).
 */
#ifndef VTDCTL_MONITOR_H
#define VTDCTL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct vtd_source;

/* The largest monitor reply a source accepts. */
#define QMP_MAX_REPLY (64u << 20)

/* The allowlist: 0 if allowed, else -EPERM with the refusal in why. */
int qmp_check_allowed(const char *cmd, struct json_object *args,
		      char *why, size_t whylen);
bool qmp_hmp_allowed(const char *cmdline);

/* A QMP error reply ({"class": ..., "desc": ...}) of cmd: its class and
 * description in src->error, and its errno (qmp/qmp.h lists them). */
int monitor_error(struct vtd_source *src, const char *cmd,
		  struct json_object *err);

/* Run an HMP command line as QMP's human-monitor-command through monitor
 * (a backend's own, or source_monitor()); *out is the malloc'd text QEMU
 * printed (free() it). -EPROTO if the reply is not text. */
int monitor_hmp(struct vtd_source *src,
		int (*monitor)(struct vtd_source *src, const char *cmd,
			       struct json_object *args,
			       struct json_object **ret),
		const char *cmdline, char **out);

/*
 * Parse `xp /COUNTgx ADDR` (width 64) or `xp /COUNTwx ADDR` (width 32) output:
 * lines "ADDR16: 0xV 0xV" (16 bytes a line), each address checked and the
 * number of values exact. Values land in vals[count].
 * -EFAULT on "Cannot access memory", -EPROTO on anything malformed.
 */
int qmp_parse_xp(const char *text, uint64_t addr, unsigned width, size_t count,
		 uint64_t *vals, char *err, size_t errlen);

/* One piece of RAM in the flat view of address space "memory". */
struct qmp_ram_piece {
	uint64_t start;		/* guest-physical */
	uint64_t size;
	uint64_t offset;	/* offset in the memory region (the " @..." part) */
	char name[64];		/* memory region (RAMBlock) name, e.g. pc.ram */
	int state;		/* backend use: 0 untranslated, 1 ok, -1 bad */
	uint64_t hva;		/* backend use: host VA of start */
};

/*
 * Parse `info mtree -f` or `info mtree -f -o`: the flat view that lists
 * AS "memory". RAM pieces are type "ram" or "nv-ram"; rom (incl. RAM made
 * read-only by PAM), romd, ramd and i/o are not, and neither is RAM owned by
 * a device (-o "owner:{dev ...}": a BAR such as vga.vram; guest RAM is owned
 * by a memory-backend object). *pieces is malloc'd, sorted, non-overlapping.
 */
struct qmp_mmio_region {
	bool found;		/* a region named "intel_iommu" */
	uint64_t base;		/* its start (minus its offset) */
	uint64_t size;		/* from base to the end of its first flat range */
};

int qmp_parse_mtree_flat(const char *text, struct qmp_ram_piece **pieces,
			 size_t *nr, struct qmp_mmio_region *iommu,
			 char *err, size_t errlen);

/* Parse `gpa2hva GPA`: "Host virtual address for 0xGPA (NAME) is 0xHVA". */
int qmp_parse_gpa2hva(const char *text, uint64_t gpa, uint64_t *hva,
		      char *name, size_t namelen, char *err, size_t errlen);

#endif
