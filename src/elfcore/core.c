// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the ELF core source: a guest memory dump written by QEMU's
 * dump-guest-memory or `virsh dump --memory-only` (format "elf").
 *
 * The file is read with pread(), never mapped and never read whole: libelf
 * reads the headers itself from the fd (ELF_C_READ), and guest reads go to
 * the file, so the dump never sits in vtdctl's RSS and a file that shrinks
 * while it is read (truncated by someone else) gives a read error, where a
 * mapping would give SIGBUS. Each PT_LOAD maps guest-physical p_paddr to
 * file offset p_offset for p_filesz bytes; a p_memsz beyond p_filesz is not
 * in the file and stays a hole. The core is untrusted input: every header
 * is checked against the file size before it is used, and at most
 * SOURCE_MAX_RAM_RANGES segments are taken.
 *
 * QEMU writes EM_X86_64 when the first CPU is in long mode and EM_386
 * otherwise (a guest in protected mode, or one stopped before it ran); the
 * class is ELF64 when long mode is on or any RAM block ends above 4 GiB
 * (on q35 and pc the BIOS block ends exactly at 4 GiB, so in practice
 * always), else ELF32. Both classes and both machines are accepted.
 * QEMU 7.2 writes e_ehsize = 8, so e_ehsize is not checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/source.h"
#include "elfcore/core.h"

struct core_seg {
	uint64_t gpa;		/* guest-physical start */
	uint64_t off;		/* file offset */
	uint64_t len;		/* bytes in the file */
	size_t phdr;		/* program header index, for messages */
};

struct core_priv {
	int fd;
	uint64_t size;		/* the file's size when it was opened */
	struct core_seg *segs;	/* sorted by gpa, non-overlapping */
	size_t nr_segs;
};

/* Find the segment holding gpa (binary search), or NULL. */
static const struct core_seg *find_seg(const struct core_priv *p, uint64_t gpa)
{
	size_t lo = 0, hi = p->nr_segs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct core_seg *s = &p->segs[mid];

		if (gpa < s->gpa)
			hi = mid;
		else if (gpa - s->gpa >= s->len)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/* Exactly n bytes at off of the file, or -EIO with a message. */
static int read_at(struct vtd_source *src, void *buf, uint64_t n, uint64_t off)
{
	struct core_priv *p = src->priv;
	unsigned char *out = buf;

	while (n) {
		ssize_t r = pread(p->fd, out, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			source_set_error(src, "%s: read at 0x%" PRIx64 ": %s",
					 src->target, off, strerror(errno));
			return -EIO;
		}
		if (r == 0) {
			source_set_error(src,
				"%s: the file ends before offset 0x%" PRIx64 " (0x%" PRIx64 " bytes when opened): it was truncated while vtdctl read it",
				src->target, off, p->size);
			return -EIO;
		}
		out += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
	return 0;
}

static int core_read(struct vtd_source *src, uint64_t gpa, void *buf,
		     size_t len)
{
	struct core_priv *p = src->priv;
	unsigned char *out = buf;
	const struct core_seg *s = find_seg(p, gpa);

	while (len) {
		uint64_t in, n;

		if (!s || gpa < s->gpa || gpa - s->gpa >= s->len)
			return -EFAULT;
		in = gpa - s->gpa;
		n = s->len - in;
		if (n > len)
			n = len;
		if (read_at(src, out, n, s->off + in))
			return -EIO;
		out += n;
		gpa += n;
		len -= n;
		/* a range may run on into the next, adjacent segment */
		if (len) {
			s++;
			if (s >= p->segs + p->nr_segs)
				return -EFAULT;
		}
	}
	return 0;
}

static void core_close(struct vtd_source *src)
{
	struct core_priv *p = src->priv;

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->segs);
	free(p);
	src->priv = NULL;
}

static const struct vtd_source_ops core_ops = {
	.kind = "core",
	.read = core_read,
	.read_reg = NULL,	/* a dump holds no device registers */
	.close = core_close,
};

static int seg_cmp(const void *a, const void *b)
{
	const struct core_seg *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->phdr < y->phdr ? -1 : x->phdr > y->phdr;
}

/* Recognise formats that are not ELF, to say something useful about them. */
static const char *other_format(const unsigned char *m, size_t size)
{
	if (size >= 8 && !memcmp(m, "KDUMP   ", 8))
		return "a kdump-compressed dump (makedumpfile format)";
	if (size >= 12 && !memcmp(m, "makedumpfile", 12))
		return "a kdump-compressed dump (flattened makedumpfile format)";
	if (size >= 8 && (!memcmp(m, "PAGEDU64", 8) || !memcmp(m, "PAGEDUMP", 8)))
		return "a Windows crash dump (win-dmp)";
	return NULL;
}

/* An x86 ELF core; *eh and *cls filled in. */
static int check_elf_header(Elf *elf, GElf_Ehdr *eh, int *cls, char *err,
			    size_t errlen)
{
	if (elf_kind(elf) != ELF_K_ELF) {
		errf(err, errlen, "not an ELF file");
		return -EPROTO;
	}
	*cls = gelf_getclass(elf);
	if (*cls != ELFCLASS64 && *cls != ELFCLASS32) {
		errf(err, errlen, "unsupported ELF class %d", *cls);
		return -EPROTO;
	}
	if (!gelf_getehdr(elf, eh)) {
		errf(err, errlen, "bad ELF header: %s", elf_errmsg(-1));
		return -EPROTO;
	}
	if (eh->e_type != ET_CORE) {
		errf(err, errlen,
			"not a core file (ELF type %u); expected a dump from dump-guest-memory",
			(unsigned)eh->e_type);
		return -EPROTO;
	}
	if (eh->e_machine != EM_X86_64 && eh->e_machine != EM_386) {
		errf(err, errlen,
			"wrong machine %u in ELF core: only x86 guests (EM_X86_64, EM_386) are supported",
			(unsigned)eh->e_machine);
		return -EPROTO;
	}
	return 0;
}

/*
 * The number of program headers, all within the file. elfutils clamps the
 * count to what fits in the file; take it from the header (or, for
 * PN_XNUM, section 0) so that a cut-off table is reported as such.
 */
static int program_header_count(const struct core_priv *p, Elf *elf,
				const GElf_Ehdr *eh, int cls, size_t *phnum,
				char *err, size_t errlen)
{
	size_t entsz = cls == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	if (eh->e_phnum == 0) {
		errf(err, errlen,
			"no PT_LOAD segments in the core (no program headers)");
		return -EPROTO;
	}
	*phnum = eh->e_phnum;
	if (eh->e_phnum == PN_XNUM) {
		GElf_Shdr sh;
		Elf_Scn *scn = elf_getscn(elf, 0);

		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_info == 0) {
			errf(err, errlen,
				"bad program header count (PN_XNUM without section 0)");
			return -EPROTO;
		}
		*phnum = sh.sh_info;
	}
	if (eh->e_phentsize != entsz) {
		errf(err, errlen, "bad program header size %u",
			(unsigned)eh->e_phentsize);
		return -EPROTO;
	}
	if (eh->e_phoff >= p->size || *phnum > (p->size - eh->e_phoff) / entsz) {
		errf(err, errlen,
			"truncated core: program headers (%zu at 0x%" PRIx64 ") extend beyond file size 0x%" PRIx64,
			*phnum, (uint64_t)eh->e_phoff, p->size);
		return -EPROTO;
	}
	if (*phnum > SOURCE_MAX_RAM_RANGES) {
		errf(err, errlen,
			"%zu program headers: more than the %u RAM ranges vtdctl takes from a dump",
			*phnum, SOURCE_MAX_RAM_RANGES);
		return -E2BIG;
	}
	return 0;
}

/* Every PT_LOAD with bytes in the file into p->segs (unsorted). */
static int collect_loads(struct core_priv *p, Elf *elf, size_t phnum,
			 char *err, size_t errlen)
{
	size_t nload = 0;

	p->segs = calloc(phnum, sizeof(*p->segs));
	if (!p->segs) {
		errf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph)) {
			errf(err, errlen, "bad program header %zu: %s", i,
				elf_errmsg(-1));
			return -EPROTO;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		nload++;
		if (ph.p_filesz == 0)
			continue;	/* nothing of it is in the file */
		if (ph.p_offset > p->size || ph.p_filesz > p->size - ph.p_offset) {
			errf(err, errlen,
				"truncated core: segment %zu ends at 0x%" PRIx64 " beyond file size 0x%" PRIx64,
				i, (uint64_t)(ph.p_offset + ph.p_filesz), p->size);
			return -EPROTO;
		}
		if (ph.p_paddr + ph.p_filesz < ph.p_paddr) {
			errf(err, errlen,
				"bad segment %zu: guest-physical range 0x%" PRIx64 "+0x%" PRIx64 " wraps",
				i, (uint64_t)ph.p_paddr, (uint64_t)ph.p_filesz);
			return -EPROTO;
		}
		p->segs[p->nr_segs++] = (struct core_seg){
			.gpa = ph.p_paddr, .off = ph.p_offset,
			.len = ph.p_filesz, .phdr = i,
		};
	}
	if (nload == 0) {
		errf(err, errlen, "no PT_LOAD segments in the core");
		return -EPROTO;
	}
	if (p->nr_segs == 0) {
		errf(err, errlen,
			"no guest memory in the core: all %zu PT_LOAD segments are empty in the file",
			nload);
		return -EPROTO;
	}
	return 0;
}

/*
 * Sort and merge. With paging=true QEMU writes one PT_LOAD per virtual
 * mapping, so two segments may name the same guest-physical bytes; they
 * are consistent when they map them to the same file offset, and are then
 * merged. Any other overlap is a corrupt core.
 */
static int merge_segments(struct core_priv *p, char *err, size_t errlen)
{
	size_t n = 0;

	qsort(p->segs, p->nr_segs, sizeof(*p->segs), seg_cmp);
	for (size_t i = 1; i < p->nr_segs; i++) {
		struct core_seg *a = &p->segs[n], *b = &p->segs[i];
		uint64_t aend = a->gpa + a->len;

		if (b->gpa >= aend) {
			p->segs[++n] = *b;
			continue;
		}
		if (b->off < b->gpa - a->gpa ||
		    b->off - (b->gpa - a->gpa) != a->off) {
			errf(err, errlen,
				"overlapping segments: segment %zu (0x%" PRIx64 "-0x%" PRIx64 ") overlaps segment %zu (0x%" PRIx64 "-0x%" PRIx64 ")",
				b->phdr, b->gpa, b->gpa + b->len - 1, a->phdr,
				a->gpa, aend - 1);
			return -EPROTO;
		}
		if (b->gpa + b->len > aend)
			a->len = b->gpa + b->len - a->gpa;
	}
	p->nr_segs = n + 1;
	return 0;
}

/*
 * Parse the program headers into a sorted segment table. Returns 0 or -1
 * with err set.
 */
static int parse_segments(struct core_priv *p, Elf *elf, char *err,
			  size_t errlen)
{
	GElf_Ehdr eh;
	size_t phnum;
	int cls, rc;

	rc = check_elf_header(elf, &eh, &cls, err, errlen);

	if (!rc)
		rc = program_header_count(p, elf, &eh, cls, &phnum, err, errlen);
	if (!rc)
		rc = collect_loads(p, elf, phnum, err, errlen);
	return rc ? rc : merge_segments(p, err, errlen);
}

/* The file's first bytes (up to sizeof(Elf64_Ehdr)), for the checks made
 * before libelf sees it: 0, or -1 with the message in err. */
static int read_ident(struct core_priv *p, const char *path, unsigned char *id,
		      size_t *n, char *err, size_t errlen)
{
	ssize_t r;

	do
		r = pread(p->fd, id, sizeof(Elf64_Ehdr), 0);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*n = (size_t)r;
	if (*n < EI_NIDENT) {
		errf(err, errlen, "%s: not an ELF file (%zu bytes)", path, *n);
		return -1;
	}
	return 0;
}

/* What libelf must not be given: another dump format, another byte order. */
static int check_ident(const unsigned char *id, size_t n, const char *path,
		       char *err, size_t errlen)
{
	const char *fmt = other_format(id, n);

	if (fmt) {
		errf(err, errlen,
			"%s: %s; vtdctl reads ELF cores only: dump again in ELF format (dump-guest-memory without \"format\", or virsh dump --memory-only --format=elf)",
			path, fmt);
		return -1;
	}
	if (memcmp(id, ELFMAG, SELFMAG) != 0) {
		errf(err, errlen, "%s: not an ELF file", path);
		return -1;
	}
	if (id[EI_CLASS] != ELFCLASS64 && id[EI_CLASS] != ELFCLASS32) {
		errf(err, errlen, "%s: unsupported ELF class %u", path,
			id[EI_CLASS]);
		return -1;
	}
	if (id[EI_DATA] != ELFDATA2LSB) {
		errf(err, errlen,
			"%s: big-endian ELF core: only x86 guests are supported",
			path);
		return -1;
	}
	return 0;
}

/* The segments as the source's RAM; -1 with the message in err. */
static int add_segments_as_ram(struct vtd_source *src,
			       const struct core_priv *p, char *err,
			       size_t errlen)
{
	for (size_t i = 0; i < p->nr_segs; i++) {
		int rc = source_add_ram(src, p->segs[i].gpa, p->segs[i].len);

		if (rc == -E2BIG) {
			errf(err, errlen,
				"%s: more than %u separate RAM ranges: not a dump this vtdctl reads",
				src->target, SOURCE_MAX_RAM_RANGES);
			return -1;
		}
		if (rc < 0) {
			errf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

struct vtd_source *core_source_open(const char *path, char *err, size_t errlen)
{
	unsigned char id[sizeof(Elf64_Ehdr)];
	struct vtd_source *src = NULL;
	struct core_priv *p = NULL;
	Elf *elf = NULL;
	uint64_t size;
	size_t n;
	int fd;

	errf(err, errlen, "%s", "");
	{
		char msg[300];

		fd = open_regular_file(path, &size, msg, sizeof(msg));
		if (fd < 0) {
			errf(err, errlen, "%s: %s", path, msg);
			return NULL;
		}
	}
	p = calloc(1, sizeof(*p));
	src = calloc(1, sizeof(*src));
	if (!p || !src) {
		errf(err, errlen, "out of memory");
		close(fd);
		free(p);
		free(src);
		return NULL;
	}
	p->fd = fd;
	p->size = size;
	src->ops = &core_ops;
	src->priv = p;
	src->access = "elf";
	src->mmio_base = VTD_DEFAULT_MMIO_BASE;
	snprintf(src->target, sizeof(src->target), "%s", path);

	if (read_ident(p, path, id, &n, err, errlen) ||
	    check_ident(id, n, path, err, errlen))
		goto fail;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		errf(err, errlen, "libelf: %s", elf_errmsg(-1));
		goto fail;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		errf(err, errlen, "%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	{
		char msg[400];

		if (parse_segments(p, elf, msg, sizeof(msg)) < 0) {
			errf(err, errlen, "%s: %s", path, msg);
			goto fail;
		}
	}
	elf_end(elf);
	elf = NULL;
	if (add_segments_as_ram(src, p, err, errlen))
		goto fail;
	return src;

fail:
	if (elf)
		elf_end(elf);
	source_close(src);
	return NULL;
}

size_t core_source_segments(const struct vtd_source *src,
			    struct core_segment *out, size_t max)
{
	const struct core_priv *p;

	if (!src || src->ops != &core_ops)
		return 0;
	p = src->priv;
	for (size_t i = 0; i < p->nr_segs && i < max; i++)
		out[i] = (struct core_segment){ p->segs[i].gpa, p->segs[i].off,
						p->segs[i].len };
	return p->nr_segs;
}
