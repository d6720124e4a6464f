/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the QMP source backend (QEMU's monitor over a UNIX or TCP socket). */
#ifndef VTDCTL_QMP_H
#define VTDCTL_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/source.h"

struct json_object;

/*
 * The backend itself is qmp_source_open() in source.h: addr is a UNIX socket
 * path (anything with a '/', or an existing file) or HOST:PORT ([V6]:PORT).
 * It reads RAM with HMP `xp /Ngx`, or with gpa2hva + /proc/PID/mem when the
 * peer of a UNIX socket (SO_PEERCRED) lets us; src->access says which.
 *
 * Everything sent to QEMU goes through one read-only allowlist
 * (qmp_check_allowed()); anything else is refused with -EPERM and the
 * message "refused: COMMAND is not read-only", and never reaches the wire.
 *
 * Errors are negative errno values with a message in src->error:
 *   -EPERM      refused by the allowlist
 *   -ETIMEDOUT  no complete reply within the timeout
 *   -ECONNRESET the peer closed the connection ("QMP connection closed")
 *   -EPROTO     malformed or unexpected reply (bad JSON, wrong id, too big,
 *               HMP text that does not parse)
 *   -EPIPE      the session is unusable after an earlier transport error
 *   -ENOSYS     QMP error class CommandNotFound
 *   -ENODEV     QMP error class DeviceNotFound
 *   -EIO        any other QMP error reply (GenericError, ...)
 *   -EFAULT     HMP says the guest-physical address is not accessible/RAM
 */

/* Same as qmp_source_open() over an already connected stream socket, which
 * the source then owns (closed on failure too). target names it for output. */
struct vtd_source *qmp_source_open_fd(int fd, const char *target,
				      const struct qmp_open_opts *opts,
				      char *err, size_t errlen);

/* Run an allowlisted QMP command. args may be NULL (the caller keeps its
 * reference). On success *ret (if ret is non-NULL) holds a new reference to
 * the "return" value, which the caller puts. One round trip. */
int qmp_command(struct vtd_source *src, const char *cmd,
		struct json_object *args, struct json_object **ret);

/* Run an allowlisted HMP command line via human-monitor-command; *out is the
 * malloc'd text QEMU printed (free() it). */
int qmp_hmp(struct vtd_source *src, const char *cmdline, char **out);

/* Facts about the session (src must come from a qmp_source_open*()). */
bool qmp_mmio_base_defaulted(const struct vtd_source *src); /* no intel_iommu in info mtree -f */
int qmp_peer_pid(const struct vtd_source *src);	/* 0 if unknown (TCP) */
/* QEMU version from the QMP greeting; -ENOENT if the greeting had none. */
int qmp_qemu_version(const struct vtd_source *src, int *major, int *minor,
		     int *micro, const char **package);

/* Cap on one reply (default QMP_MAX_REPLY); for tests. */
#define QMP_MAX_REPLY (64u << 20)
void qmp_set_reply_limit(struct vtd_source *src, size_t bytes);

/* ---- The pure parts, exported for unit tests and fuzzers (hmp_parse.c) --- */

/* The allowlist: 0 if allowed, else -EPERM with the refusal in why. */
int qmp_check_allowed(const char *cmd, struct json_object *args,
		      char *why, size_t whylen);
bool qmp_hmp_allowed(const char *cmdline);

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
