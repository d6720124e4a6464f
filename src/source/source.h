/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the source interface: guest-physical reads, IOMMU registers, host facts. */
#ifndef VTDCTL_SOURCE_H
#define VTDCTL_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A source knows nothing of VT-d. It reads guest-physical memory and the
 * IOMMU's MMIO registers, and says which guest-physical ranges are RAM.
 *
 * Errors are negative errno values:
 *   -EFAULT   the range is not (entirely) backed by guest RAM in this source
 *             (a hole in a dump, MMIO, beyond RAM); the caller turns it into
 *             a finding, never into zeros.
 *   -ENODATA  the range is guest RAM, but this source did not record it (a
 *             snapshot holds the pages its walk read; page tables only
 *             with --pages): "not recorded", unknown, never a finding
 *             about the guest.
 *   -ENOTSUP  the source cannot do this (a dump has no registers).
 *   other     transport failure (socket closed, timeout, I/O error): fatal.
 * On failure the source may set a message with source_set_error().
 */

#define VTD_DEFAULT_MMIO_BASE 0xfed90000ULL

struct json_object;

struct ram_range {
	uint64_t start;		/* guest-physical */
	uint64_t size;
};

struct vtd_source;

struct vtd_source_ops {
	const char *kind;	/* "qmp", "core", ... : source.kind in JSON */
	/* read len bytes of guest RAM at gpa into buf */
	int (*read)(struct vtd_source *src, uint64_t gpa, void *buf, size_t len);
	/* read a 32- or 64-bit IOMMU register at offset off from the MMIO base */
	int (*read_reg)(struct vtd_source *src, uint32_t off, unsigned width,
			uint64_t *val);
	/* optional: n consecutive 64-bit register words from 8-aligned off,
	 * in one transport call (else source_read_regs() loops on read_reg) */
	int (*read_regs)(struct vtd_source *src, uint32_t off, unsigned n,
			 uint64_t *vals);
	/* optional: one read-only monitor command (QMP JSON), for host-side
	 * state; *ret gets the "return" value (caller puts it). Backends must
	 * pass cmd and args through qmp_check_allowed() first
	 * (source/monitor.h). */
	int (*monitor)(struct vtd_source *src, const char *cmd,
		       struct json_object *args, struct json_object **ret);
	/* optional, only for --pause: stop or resume the VM's CPUs; with was,
	 * first query whether it was running (and do nothing if already so) */
	int (*set_running)(struct vtd_source *src, bool run, bool *was);
	void (*close)(struct vtd_source *src);
};

struct vtd_source {
	const struct vtd_source_ops *ops;
	char target[512];	/* what the user named: socket path, file */
	const char *access;	/* how memory was read: "xp", "proc-mem", "elf" */
	const char *format;	/* a dump's file format ("elf", "kdump-zlib",
				 * ...; see kdump/kdump.h), else NULL */
	uint64_t pages_left_out;	/* a kdump file's RAM pages not in it */
	char access_why[256];	/* why that way, "" if nothing to say */
	char incomplete[400];	/* a snapshot cut short when it was written:
				 * what it left out; "" if nothing */
	uint64_t mmio_base;	/* IOMMU register base (live sources) */
	uint64_t mmio_size;	/* its MMIO region's size, 0 if not known */
	int pid;		/* QEMU's pid on this host, 0 if not known */
	bool no_host;		/* --no-host: source_monitor() says -ENOTSUP */
	struct ram_range *ram;	/* sorted, non-overlapping */
	size_t nr_ram;
	unsigned long nr_calls;	/* transport round trips (QMP commands) */
	unsigned long nr_reads;	/* read() calls from the walker */
	uint64_t bytes_read;
	char error[512];	/* last error message, "" if none */
	bool kept;		/* held open by the shell: source_close() leaves it */
	/* a snapshot of a dump records the RTADDR its walk used */
	bool have_rtaddr_hint;
	uint64_t rtaddr_hint;
	void *priv;
};

/* Checked helpers used by everyone; they update the counters. */
int source_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len);
int source_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
		    uint64_t *val);
int source_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
		     uint64_t *vals);
bool source_is_ram(const struct vtd_source *src, uint64_t gpa, uint64_t len);
uint64_t source_ram_end(const struct vtd_source *src);
void source_set_error(struct vtd_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The first index in [0, n) where below(i, ctx) is false, below being true
 * on a prefix only: a binary search over any sorted array. */
size_t lower_bound(size_t n, bool (*below)(size_t i, const void *ctx),
		   const void *ctx);
/* The message of a failed call: src->error, else strerror(-err). */
const char *source_strerror(const struct vtd_source *src, int err);
/* Format an error into err (errlen bytes); nothing when err is NULL. */
void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* At most this many disjoint RAM ranges per source (a real guest has a
 * handful; a dump written with paging=true some thousands): -E2BIG past it. */
#define SOURCE_MAX_RAM_RANGES (1u << 20)
/* 0, -EINVAL (empty or wraps), -E2BIG (too many ranges), -ENOMEM. */
/* Open path read-only if it is a regular file; never blocks, whatever the
 * path names (a FIFO, a terminal, a device): the fd, or -1 with the
 * message in err (without the path). *size gets the file's size. */
int open_regular_file(const char *path, uint64_t *size, char *err,
		      size_t errlen);
int source_add_ram(struct vtd_source *src, uint64_t start, uint64_t size);
void source_close(struct vtd_source *src);
/* A monitor command; -ENOTSUP when the source has no monitor (a dump, or
 * libvirt with --no-monitor): host-side state is then unknown. */
int source_monitor(struct vtd_source *src, const char *cmd,
		   struct json_object *args, struct json_object **ret);

/* The backends (src/qmp/, src/elfcore/, src/libvirt/, src/snapshot/) each
 * declare their open function in their own header; the command line picks
 * one from its table of targets (src/cli/targets.c). */

#endif
