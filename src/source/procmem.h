/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl: guest RAM read through /proc/PID/mem, translated with gpa2hva:
 * the fast path of the QMP and libvirt backends, which say how they run an
 * HMP command and how they read the slow way (xp, virDomainMemoryPeek).
 */
#ifndef VTDCTL_PROCMEM_H
#define VTDCTL_PROCMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "source/monitor.h"

struct vtd_source;

#define PROCMEM_FALLBACK 1	/* cannot be used: read the slow way from now on */

/*
 * What tells one process from another with the same pid, and one program
 * from the next after an exec: its start time (/proc/PID/stat field 22) and
 * the addresses the kernel chose at exec for its stack, arguments and
 * environment (fields 28, 48, 50), and its executable file.
 */
struct procmem_id {
	unsigned long long start, stack, arg, env;
	dev_t exe_dev;
	ino_t exe_ino;
};

/* A backend's reader: it sets fd and pidfd to -1, hmp, slow_read and
 * slow_access; procmem_pin(), procmem_load_map() and procmem_open() fill
 * the rest. */
struct procmem {
	int fd;				/* /proc/PID/mem, -1 when not used */
	struct qmp_ram_piece *pieces;	/* RAM pieces, from info mtree -f -o */
	size_t nr_pieces;
	int (*hmp)(struct vtd_source *src, const char *cmdline, char **out);
	int (*slow_read)(struct vtd_source *src, uint64_t gpa, void *buf,
			 size_t len);
	const char *slow_access;	/* src->access once read the slow way */
	/* the peer, pinned when vtdctl connected (procmem_pin()) or when
	 * /proc/PID/mem was opened */
	int pidfd;
	bool have_pidfd;
	int pid;
	bool pinned;
	int pin_fd;			/* pinned: /proc/PID/mem until procmem_open() */
	struct procmem_id id;		/* as it was when pinned */
	char pin_why[200];		/* why it could not be pinned */
};

/* Does /proc/PID/maps text map every byte of [lo, lo + len), with no gap
 * between the mappings that do? */
bool procmem_maps_cover(const char *maps, uint64_t lo, uint64_t len);

/* RAM pieces from `info mtree -f -o`: kept for reads, given to src as its
 * RAM; src's IOMMU MMIO base and size too (the default base if none). */
int procmem_load_map(struct vtd_source *src, struct procmem *pm,
		     struct qmp_mmio_region *iommu);

/*
 * Pin the peer of a connection at connect time, before anything it says is
 * read: pidfd (the kernel's SO_PEERPIDFD of the socket, or -1: opened here
 * from pid), /proc/PID/mem opened (its reads then go to the address space
 * of that moment, never to a later program of the same pid), the peer's
 * procmem_id recorded. 0, or -1 with pm->pin_why (procmem_open() then says
 * it). Takes pidfd.
 */
int procmem_pin(struct procmem *pm, int pid, int pidfd);

/*
 * The pinned process must hold peer_ino, the socket at the other end of the
 * connection (SO_PEERCRED names the process that called listen(): it may
 * have passed the socket on, or gone and its pid been reused). Call it once
 * the peer has spoken: until it accepts the connection its end has no inode.
 * 0, or -1 with pm->pin_why, unpinned.
 */
int procmem_pin_holds_socket(struct procmem *pm, unsigned long peer_ino);

/*
 * Open /proc/PID/mem (unless procmem_pin() did); src->access says
 * "proc-mem" if it could, and src->access_why why memory is read the way it
 * is. The pid is pinned with a pidfd: a process that exits meanwhile (its
 * pid reused) is never read, nor one whose procmem_id changed (an exec).
 * Each RAM piece is used only once it is proved to belong to this process:
 * gpa2hva's host address mapped in /proc/PID/maps over the whole piece, and
 * bytes at the start and at random places of the piece equal to what xp
 * reads; else every read goes the slow way, and access_why says why.
 */
bool procmem_open(struct vtd_source *src, struct procmem *pm, int pid);

/* Read guest RAM through /proc/PID/mem, or the slow way once it cannot be
 * used (for good, silently). 0 or a negative errno. */
int procmem_read(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		 void *buf, size_t len);

void procmem_close(struct procmem *pm);

#endif
