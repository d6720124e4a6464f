/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdctl unit tests: guest memory and an IOMMU register page in arrays, as
 * a source. Define MEMSRC_RAM_SIZE before including for more than 1 MiB of
 * RAM (at guest-physical 0); clear have_regs for a source without registers
 * (a dump).
 */
#ifndef VTDCTL_MEMSRC_H
#define VTDCTL_MEMSRC_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "source/source.h"

#ifndef MEMSRC_RAM_SIZE
#define MEMSRC_RAM_SIZE	(1u << 20)
#endif
#define MEMSRC_UNUSED	__attribute__((unused))

static uint8_t ram[MEMSRC_RAM_SIZE];
static uint64_t regs[4096 / 8];		/* the whole register page */
static bool have_regs = true;

static int mem_read(struct vtd_source *s, uint64_t gpa, void *buf, size_t len)
{
	memcpy(buf, ram + gpa, len);	/* source_read checked the range */
	return 0;
}

static int mem_reg(struct vtd_source *s, uint32_t off, unsigned width,
		   uint64_t *val)
{
	if (!have_regs)
		return -ENOTSUP;
	if (off + width / 8 > sizeof(regs))
		return -EINVAL;
	*val = 0;
	memcpy(val, (uint8_t *)regs + off, width / 8);
	return 0;
}

static const struct vtd_source_ops mem_ops MEMSRC_UNUSED = {
	.kind = "test", .read = mem_read, .read_reg = mem_reg,
};

/* A source over ram[] (free s->ram after use). */
static MEMSRC_UNUSED void mem_source(struct vtd_source *s)
{
	memset(s, 0, sizeof(*s));
	s->ops = &mem_ops;
	source_add_ram(s, 0, MEMSRC_RAM_SIZE);
}

static MEMSRC_UNUSED void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

#endif
