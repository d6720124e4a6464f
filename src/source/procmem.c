// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: guest RAM through /proc/PID/mem, translated with gpa2hva. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/procmem.h"
#include "source/source.h"

/* gpa2hva: 0, FALLBACK (not translatable) or a transport error. */
static int gpa2hva(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		   uint64_t *hva, char *name, size_t namelen)
{
	char cmd[48], *text = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "gpa2hva 0x%" PRIx64, gpa);
	rc = pm->hmp(src, cmd, &text);
	if (rc)
		return rc == -EFAULT || rc == -EIO || rc == -EPROTO ?
		       PROCMEM_FALLBACK : rc;
	rc = qmp_parse_gpa2hva(text, gpa, hva, name, namelen, NULL, 0);
	free(text);
	return rc ? PROCMEM_FALLBACK : 0;
}

/* Stop using /proc/PID/mem, saying why (kept: the first reason). */
static int give_up(struct vtd_source *src, struct procmem *pm,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int give_up(struct vtd_source *src, struct procmem *pm,
		   const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(src->access_why, sizeof(src->access_why),
		 "/proc/%d/mem not used: %s", pm->pid, why);
	return PROCMEM_FALLBACK;
}

/* Is the pinned peer still the live process? (pid not reused) */
static bool peer_alive(const struct procmem *pm)
{
#ifdef SYS_pidfd_send_signal
	if (pm->have_pidfd)
		return syscall(SYS_pidfd_send_signal, pm->pidfd, 0, NULL, 0) == 0;
#endif
	return kill(pm->pid, 0) == 0 || errno == EPERM;
}

/* Bounds on what is read of the peer's /proc files */
#define PIN_MAX_FDS	(1u << 20)	/* /proc/PID/fd entries looked at */
#define STAT_MAX	4096		/* bytes of /proc/PID/stat */

/* /proc/PID/stat's fields 22, 28, 48 and 50, and the executable's file. */
static int read_id(int pid, struct procmem_id *id)
{
	char path[64], buf[STAT_MAX], *s;
	struct stat st;
	ssize_t n;
	int fd;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	s = strrchr(buf, ')');	/* the command name may hold anything */
	for (int field = 3; s && field <= 50; field++) {
		unsigned long long v;

		s += strspn(s + 1, " ") + 1;
		v = strtoull(s, NULL, 10);
		if (field == 22)
			id->start = v;
		else if (field == 28)
			id->stack = v;
		else if (field == 48)
			id->arg = v;
		else if (field == 50)
			id->env = v;
		s = strchr(s, ' ');
	}
	if (!s)
		return -EPROTO;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (!stat(path, &st)) {
		id->exe_dev = st.st_dev;
		id->exe_ino = st.st_ino;
	}
	return 0;
}

static bool same_program(const struct procmem_id *a, const struct procmem_id *b)
{
	return a->stack == b->stack && a->arg == b->arg && a->env == b->env &&
	       a->exe_dev == b->exe_dev && a->exe_ino == b->exe_ino;
}

/* Does process pid hold a file descriptor on socket inode ino? */
static bool holds_socket(int pid, unsigned long ino)
{
	char dir[64], want[48], link[64], path[sizeof(dir) + 256];
	struct dirent *e;
	unsigned n = 0;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && n++ < PIN_MAX_FDS && (e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = 0;
			found = !strcmp(link, want);
		}
	}
	closedir(d);
	return found;
}

static int pin_failed(struct procmem *pm, int fd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pin_failed(struct procmem *pm, int fd, const char *fmt, ...)
{
	va_list ap;

	if (fd >= 0)
		close(fd);
	va_start(ap, fmt);
	vsnprintf(pm->pin_why, sizeof(pm->pin_why), fmt, ap);
	va_end(ap);
	return -1;
}

int procmem_pin(struct procmem *pm, int pid, int pidfd)
{
	char path[64];
	int fd;

	pm->pid = pid;
	pm->pidfd = pidfd;
#ifdef SYS_pidfd_open
	if (pm->pidfd < 0)
		pm->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	pm->have_pidfd = pm->pidfd >= 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pin_failed(pm, fd, "%s", strerror(errno));
	if (read_id(pid, &pm->id))
		return pin_failed(pm, fd, "/proc/%d/stat cannot be read", pid);
	/* after the reads above: they were of this process, not of a later
	 * one with its pid */
	if (!peer_alive(pm))
		return pin_failed(pm, fd, "the peer exited");
	pm->pin_fd = fd;
	pm->pinned = true;
	return 0;
}

int procmem_pin_holds_socket(struct procmem *pm, unsigned long peer_ino)
{
	bool held;

	if (!pm->pinned)
		return -1;
	held = holds_socket(pm->pid, peer_ino);
	/* after the scan: it was of the pinned process */
	if (held && peer_alive(pm))
		return 0;
	pm->pinned = false;
	return pin_failed(pm, pm->pin_fd, held ? "the peer exited" :
			  "process %d, which SO_PEERCRED names, does not hold the other end of the connection (socket:[%lu]): it is not the peer",
			  pm->pid, peer_ino);
}

/* Is the peer still the process and the program vtdctl pinned? */
static int pin_holds(struct vtd_source *src, struct procmem *pm)
{
	struct procmem_id now;
	int err = read_id(pm->pid, &now);

	if (!peer_alive(pm) || err || now.start != pm->id.start)
		return give_up(src, pm, "the peer exited");
	if (!same_program(&now, &pm->id))
		return give_up(src, pm, "the peer ran another program (exec) after vtdctl connected to it: not the process that owns guest RAM");
	return 0;
}

/* n bytes at gpa agree both ways (read twice if not: a running guest may
 * have changed them in between). 0, 1 (they differ), or an error. */
static int agree_at(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		    uint64_t hva, size_t n)
{
	uint8_t a[64], b[64];

	for (int tries = 0; tries < 2; tries++) {
		int rc = pm->slow_read(src, gpa, a, n);

		if (rc)
			return rc == -EFAULT ? 1 : rc;
		if (pread(pm->fd, b, n, (off_t)hva) != (ssize_t)n)
			return 1;
		if (!memcmp(a, b, n))
			return 0;
	}
	return 1;
}

/* The piece read both ways agrees: its first bytes and CROSS_CHECKS random
 * 64-byte places. The process really is the one that owns this memory. */
#define CROSS_CHECKS 4

static int same_bytes_both_ways(struct vtd_source *src, struct procmem *pm,
				const struct qmp_ram_piece *pc, uint64_t hva)
{
	size_t n = pc->size >= 16 ? 16 : 8;
	uint64_t x = hva ^ (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	int rc = agree_at(src, pm, pc->start, hva, n);

	for (int i = 0; !rc && i < CROSS_CHECKS && pc->size >= 128; i++) {
		uint64_t off;

		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		off = (x % (pc->size - 64)) & ~7ULL;
		rc = agree_at(src, pm, pc->start + off, hva + off, 64);
	}
	if (rc > 0)
		return give_up(src, pm, "guest RAM at 0x%" PRIx64 " (%s) reads differently there than through the monitor: the peer is not the QEMU that owns it",
			       pc->start, pc->name);
	return rc;
}

bool procmem_maps_cover(const char *maps, uint64_t lo, uint64_t len)
{
	uint64_t want = lo, end = lo + len;
	const char *s = maps;

	if (!maps || !len || end < lo)
		return false;
	while (*s) {
		unsigned long long a, b;
		const char *nl = strchr(s, '\n');

		/* "START-END PERMS ...", sorted by address */
		if (sscanf(s, "%llx-%llx", &a, &b) == 2 && a <= want && b > want) {
			if (b >= end)
				return true;
			want = b;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return false;
}

/* All of /proc/PID/maps, NUL-terminated; NULL when it cannot be read. */
static char *read_maps(int pid)
{
	char path[32], *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (cap - len < 4097) {
			char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap += 65536);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			if (n < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* The piece holding gpa (pieces are sorted and disjoint), or NULL. */
static bool piece_ends_at_or_below(size_t i, const void *ctx)
{
	const struct procmem *pm = ((const void *const *)ctx)[0];
	uint64_t gpa = *(const uint64_t *)((const void *const *)ctx)[1];

	return pm->pieces[i].start + pm->pieces[i].size <= gpa;
}

static struct qmp_ram_piece *find_piece(struct procmem *pm, uint64_t gpa)
{
	const void *ctx[2] = { pm, &gpa };
	size_t i = lower_bound(pm->nr_pieces, piece_ends_at_or_below, ctx);

	if (i < pm->nr_pieces && gpa >= pm->pieces[i].start)
		return &pm->pieces[i];
	return NULL;
}

/*
 * Translate the piece holding gpa, once. A flat-view piece is one range of
 * one RAMBlock, whose host memory is one contiguous allocation, so the host
 * address of its start is the whole translation; /proc/PID/maps must cover
 * all of it, and the first bytes must agree with the slow path.
 */
static int piece_for(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		     struct qmp_ram_piece **out)
{
	struct qmp_ram_piece *pc = NULL;
	char name[sizeof(pc->name)];
	uint64_t h0;
	char *maps;
	bool mapped;
	int rc;

	pc = find_piece(pm, gpa);
	if (!pc)
		return PROCMEM_FALLBACK;
	*out = pc;
	if (pc->state)
		return pc->state > 0 ? 0 : PROCMEM_FALLBACK;
	pc->state = -1;
	if (pc->size < 8)
		return PROCMEM_FALLBACK;
	rc = pin_holds(src, pm);
	if (rc)
		return rc;
	rc = gpa2hva(src, pm, pc->start, &h0, name, sizeof(name));
	if (rc == PROCMEM_FALLBACK)
		return give_up(src, pm, "gpa2hva 0x%" PRIx64 " gave no host address",
			       pc->start);
	if (rc)
		return rc;
	if (strcmp(name, pc->name))
		return give_up(src, pm, "gpa2hva 0x%" PRIx64 " names another memory region than info mtree",
			       pc->start);
	if (h0 + pc->size < h0 || h0 + pc->size > (uint64_t)INT64_MAX)
		return give_up(src, pm, "gpa2hva 0x%" PRIx64 ": host address out of range",
			       pc->start);
	maps = read_maps(pm->pid);
	mapped = procmem_maps_cover(maps, h0, pc->size);
	free(maps);
	if (!peer_alive(pm))
		return give_up(src, pm, "the peer exited");
	if (!mapped)
		return give_up(src, pm, "host address 0x%" PRIx64 " of %s (gpa2hva) is not mapped in /proc/%d/maps: the peer is not the QEMU that owns guest RAM",
			       h0, pc->name, pm->pid);
	rc = same_bytes_both_ways(src, pm, pc, h0);
	if (rc)
		return rc;
	pc->hva = h0;
	pc->state = 1;
	return 0;
}

/* 0, PROCMEM_FALLBACK, or a negative errno (transport failure: fatal). */
static int read_fast(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		     void *buf, size_t len)
{
	uint8_t *dst = buf;

	while (len) {
		struct qmp_ram_piece *pc;
		uint64_t off, chunk;
		int rc = piece_for(src, pm, gpa, &pc);

		if (rc)
			return rc;
		off = gpa - pc->start;
		chunk = pc->size - off < len ? pc->size - off : len;
		if (pread(pm->fd, dst, chunk, (off_t)(pc->hva + off)) !=
		    (ssize_t)chunk)
			return give_up(src, pm, "a read at host address 0x%" PRIx64 " failed",
				       pc->hva + off);
		dst += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int procmem_read(struct vtd_source *src, struct procmem *pm, uint64_t gpa,
		 void *buf, size_t len)
{
	if (pm->fd >= 0) {
		int rc = read_fast(src, pm, gpa, buf, len);

		if (rc <= 0)
			return rc;
		close(pm->fd);	/* silently and for good */
		pm->fd = -1;
		src->access = pm->slow_access;
	}
	return pm->slow_read(src, gpa, buf, len);
}

int procmem_load_map(struct vtd_source *src, struct procmem *pm,
		     struct qmp_mmio_region *iommu)
{
	char *text = NULL;
	int rc;

	rc = pm->hmp(src, "info mtree -f -o", &text);
	if (rc)
		return rc;
	rc = qmp_parse_mtree_flat(text, &pm->pieces, &pm->nr_pieces, iommu,
				  src->error, sizeof(src->error));
	free(text);
	for (size_t i = 0; !rc && i < pm->nr_pieces; i++)
		rc = source_add_ram(src, pm->pieces[i].start,
				    pm->pieces[i].size);
	if (rc)
		return rc;
	src->mmio_base = iommu->found ? iommu->base : VTD_DEFAULT_MMIO_BASE;
	src->mmio_size = iommu->found ? iommu->size : 0;
	return 0;
}

/* The peer's executable, for the record ("?" if unknown); a QEMU run
 * in a chroot or from a cache names a path there: names prove nothing. */
static void peer_exe(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, len - 1);
	if (n <= 0)
		n = snprintf(buf, len, "?");
	buf[n] = 0;
}

bool procmem_open(struct vtd_source *src, struct procmem *pm, int pid)
{
	char exe[160];

	if (!pm->pinned && !pm->pin_why[0])
		procmem_pin(pm, pid, -1);
	pm->pid = pid;
	if (!pm->pinned) {
		give_up(src, pm, "%s", pm->pin_why);
		return false;
	}
	if (pin_holds(src, pm))
		return false;
	pm->fd = pm->pin_fd;
	pm->pinned = false;	/* pm->fd owns it now */
	peer_exe(pid, exe, sizeof(exe));
	snprintf(src->access_why, sizeof(src->access_why),
		 "/proc/%d/mem of %s, each RAM piece checked against its maps and the monitor",
		 pid, exe);
	src->access = "proc-mem";
	return true;
}

void procmem_close(struct procmem *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	if (pm->pinned)
		close(pm->pin_fd);
	if (pm->have_pidfd)
		close(pm->pidfd);
	free(pm->pieces);
}
