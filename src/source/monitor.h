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
/* At most this many JSON values in one reply, of which at most
 * QMP_MAX_CONTAINERS objects and arrays (json-c spends ~350 bytes on an
 * empty array, ~60 on a number), and nested at most this deep: checked on
 * the bytes before json-c builds a tree of them (a 60 MiB reply of []
 * once cost 3.1 GB). A real reply (qom-list of a big machine, query-pci,
 * qom-list-types) holds some thousands. */
#define QMP_MAX_VALUES (1u << 18)
#define QMP_MAX_CONTAINERS (1u << 16)
#define QMP_MAX_DEPTH 64

/* The shape of a reply seen so far: reset it with {0} before each reply. */
struct qmp_scan {
	unsigned depth;
	size_t values, containers;
	bool in_string, escape, started;
};

/*
 * Scan up to n more bytes of one reply. Returns how many bytes belong to it
 * (fewer than n when the reply's outermost object or array closes within
 * them), or -E2BIG (too many values or containers) or -ELOOP (too deep) with the reason in
 * why. Only bytes it has accepted may go to json-c.
 */
long qmp_scan_reply(struct qmp_scan *sc, const char *buf, size_t n,
		    char *why, size_t whylen);

/* Type-checked reads of a reply's members (a peer may send null, or any
 * other type, where a string or number belongs): the string, or NULL when
 * key is absent or not a string; true with *v when key is an integer. */
const char *qmp_get_str(struct json_object *o, const char *key);
bool qmp_get_int(struct json_object *o, const char *key, int64_t *v);
bool qmp_get_bool(struct json_object *o, const char *key, bool *v);

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
