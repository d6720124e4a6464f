/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the QMP source backend (QEMU's monitor over a UNIX or TCP socket). */
#ifndef VTDCTL_QMP_H
#define VTDCTL_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/monitor.h"
#include "source/source.h"

struct json_object;

/*
 * The backend itself is qmp_source_open(): addr is a UNIX socket
 * path (anything with a '/', or an existing file) or HOST:PORT ([V6]:PORT).
 * It reads RAM with HMP `xp /Ngx`, or with gpa2hva + /proc/PID/mem when the
 * peer of a UNIX socket (SO_PEERCRED) lets us; src->access says which.
 *
 * Everything sent to QEMU goes through one read-only allowlist
 * (qmp_check_allowed(), source/monitor.h); anything else is refused with -EPERM and the
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

struct qmp_open_opts {
	int timeout_ms;		/* per reply; 0 = default (10 s) */
	bool no_proc_mem;	/* never use /proc/PID/mem */
};
/* NULL with err filled (errlen bytes) on failure. */
struct vtd_source *qmp_source_open(const char *addr,
				   const struct qmp_open_opts *opts,
				   char *err, size_t errlen);
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
void qmp_set_reply_limit(struct vtd_source *src, size_t bytes);

#endif
