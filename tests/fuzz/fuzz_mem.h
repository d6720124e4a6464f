/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl fuzzing: an in-memory source built from the fuzz input.
 *
 * Input layout (shorter inputs are zero-padded where needed):
 *   byte 0          flags: bit 0 the source has registers (else a dump:
 *                   the walker scans for RTADDR), bit 1 --rtaddr given,
 *                   bit 2 RAM is also mirrored at 4 GiB (a hole between)
 *   bytes 1..8      --rtaddr value (used with bit 1)
 *   bytes 9..16     an IOVA for xlate
 *   next REG_BYTES  the register file (offset 0 = VER), rest of the
 *                   4 KiB register space reads as zero
 *   the rest        guest RAM at guest-physical 0
 */
#ifndef FUZZ_MEM_H
#define FUZZ_MEM_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/model.h"
#include "source/source.h"

#define FUZZ_HDR	17
#define REG_BYTES	0x300
#define REG_SPACE	4096
#define HIGH_RAM	(1ULL << 32)

struct fuzz_mem {
	struct vtd_source src;
	uint8_t regs[REG_SPACE];
	const uint8_t *ram;
	size_t ram_len;
	uint8_t flags;
	uint64_t rtaddr, iova;
};

static inline uint64_t fuzz_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline int fuzz_mem_read(struct vtd_source *s, uint64_t gpa, void *buf,
			 size_t len)
{
	struct fuzz_mem *fm = (struct fuzz_mem *)s;

	if (gpa >= HIGH_RAM)
		gpa -= HIGH_RAM;
	/* source_read() checked the range against src->ram: trust nothing */
	if (gpa > fm->ram_len || len > fm->ram_len - gpa)
		abort();
	memcpy(buf, fm->ram + gpa, len);
	return 0;
}

static inline int fuzz_mem_reg(struct vtd_source *s, uint32_t off, unsigned width,
			uint64_t *val)
{
	struct fuzz_mem *fm = (struct fuzz_mem *)s;

	if (!(fm->flags & 1))
		return -ENOTSUP;
	if (off >= REG_SPACE || off + width / 8 > REG_SPACE)
		return -EFAULT;
	*val = 0;
	memcpy(val, fm->regs + off, width / 8);
	return 0;
}

static const struct vtd_source_ops fuzz_mem_ops = {
	.kind = "fuzz", .read = fuzz_mem_read, .read_reg = fuzz_mem_reg,
};

/* Returns -1 when the input is too short to hold any RAM. */
static inline int fuzz_mem_init(struct fuzz_mem *fm, const uint8_t *data, size_t size)
{
	size_t nreg;

	memset(fm, 0, sizeof(*fm));
	if (size < FUZZ_HDR + 8)
		return -1;
	fm->flags = data[0];
	fm->rtaddr = fuzz_le64(data + 1);
	fm->iova = fuzz_le64(data + 9);
	data += FUZZ_HDR;
	size -= FUZZ_HDR;
	nreg = size < REG_BYTES ? size : REG_BYTES;
	memcpy(fm->regs, data, nreg);
	fm->ram = data + nreg;
	fm->ram_len = size - nreg;
	fm->src.ops = &fuzz_mem_ops;
	fm->src.access = "fuzz";
	fm->src.mmio_base = VTD_DEFAULT_MMIO_BASE;
	strcpy(fm->src.target, "fuzz-input");
	if (fm->ram_len && source_add_ram(&fm->src, 0, fm->ram_len))
		return -1;
	if (fm->ram_len && (fm->flags & 4) &&
	    source_add_ram(&fm->src, HIGH_RAM, fm->ram_len))
		return -1;
	return 0;
}

static inline void fuzz_mem_fini(struct fuzz_mem *fm)
{
	free(fm->src.ram);
	fm->src.ram = NULL;
}

/* The input as a file (a memfd) whose /proc/self/fd path goes in path:
 * the fd to close, or -1. */
static inline int fuzz_input_file(const uint8_t *data, size_t size,
				  char *path, size_t len)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

/* The fuzz input as a file opened by open_file (a reader of untrusted
 * files: core, kdump, snapshot), then probe() on the source and a walk with
 * RTADDR discovery; the model keeps what the walk added even on error. */
typedef struct vtd_source *(*fuzz_open_fn)(const char *path, char *err,
					   size_t errlen);

static inline void fuzz_walk_file(const uint8_t *data, size_t size,
				  fuzz_open_fn open_file,
				  void (*probe)(struct vtd_source *src))
{
	struct vtd_walk_opts wo = { .filter = VTD_FILTER_ALL,
				    .max_entries = 1UL << 16 };
	struct vtd_source *src;
	struct vtd_model m;
	char path[64], err[512];
	int fd = fuzz_input_file(data, size, path, sizeof(path));

	if (fd < 0)
		return;
	src = open_file(path, err, sizeof(err));
	if (src) {
		probe(src);
		vtd_walk(src, &wo, &m);
		vtd_model_free(&m);
		source_close(src);
	}
	close(fd);
}

#endif
