/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: snapshot files: what a recording source saw, saved and replayed. */
#ifndef VTDCTL_SNAPSHOT_H
#define VTDCTL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "source/source.h"
#include "vtd/regs.h"

/*
 * The file format is docs/snapshot-format.md: one JSON object, magic
 * "vtdctl-snapshot", guest pages stored as their non-zero qwords: version 1
 * as an object of hex strings, version 2 (written) as a bitmap and the
 * words in base64. Readers take both.
 */
#define SNAP_MAGIC		"vtdctl-snapshot"
#define SNAP_VERSION		2
#define SNAP_VERSION_MIN	1
#define SNAP_PAGE_SIZE		4096u
#define SNAP_PAGE_QWORDS	(SNAP_PAGE_SIZE / 8)
#define SNAP_REG_QWORDS		(VTD_REGFILE_MAX / 8)

/* Limits on what a snapshot may hold (writing and reading alike). */
#define SNAP_MAX_FILE		(256u << 20)	/* bytes of a snapshot file */
#define SNAP_MAX_PAGES		(1u << 21)	/* guest pages (8 GiB of tables) */
#define SNAP_MAX_QWORDS		(1u << 25)	/* their non-zero qwords (256 MiB) */
#define SNAP_MAX_JSON_VALUES	(1u << 21)	/* JSON values, counted before parsing */
#define SNAP_MAX_MONITOR	4096u		/* recorded monitor replies */
#define SNAP_MAX_RAM		1024u		/* RAM ranges */
#define SNAP_MAX_LEFT_OUT	(1ull << 52)	/* source.pages_left_out */
#define SNAP_MAX_JSON_DEPTH	64

struct json_object;

/* A page as its non-zero qwords: memory follows what the tables hold. */
struct snap_page {
	uint64_t gpa;			/* 4 KiB aligned */
	uint64_t nz[SNAP_PAGE_QWORDS / 64];	/* bit i: qword i is not zero */
	uint64_t *q;			/* the non-zero qwords, by index */
};

/* One monitor command and what it answered: a reply or an error. */
struct snap_monitor {
	char *cmd;
	char *args;			/* compact JSON of the arguments, "null" if none */
	struct json_object *ret;	/* the "return" value (err == 0) */
	int err;			/* 0 or a negative errno */
	char *message;			/* the error's message */
};

struct vtd_snapshot {
	/* where it came from */
	char kind[32], target[512], access[32];
	/* a dump's file format ("elf", "kdump-raw-zlib", ...; "" for other
	 * targets) and the pages of RAM a kdump file left out */
	char format[24];
	uint64_t pages_left_out;
	char created[32];		/* "2025-01-31T12:00:00Z" */
	int64_t created_unix;
	char vtdctl_version[32];
	char qemu_version[32], qemu_package[128];	/* "" when unknown */
	uint64_t mmio_base;
	/* a source without registers (a dump): the RTADDR the snapshot's walk
	 * used, for information ("user" or "scan"); origin "" when none */
	uint64_t rtaddr;
	char rtaddr_origin[8];
	/* a bounded snapshot: what it left out (file key "truncated"); ""
	 * when it holds everything its commands read */
	char truncated[400];
	struct ram_range *ram;
	size_t nr_ram;
	/* the register file: qwords by offset / 8, those read only */
	bool have_regs;
	uint64_t regs[SNAP_REG_QWORDS];
	uint8_t reg_valid[SNAP_REG_QWORDS];
	/* guest pages, in the order added (a file's: by gpa), found through
	 * a hash of their addresses */
	struct snap_page *pages;
	size_t nr_pages, cap_pages;
	size_t *page_index;		/* open addressing: page number + 1 */
	size_t index_cap;
	size_t nr_qwords;		/* non-zero qwords held */
	struct snap_monitor *mon;
	size_t nr_mon, cap_mon;
};

void snapshot_free(struct vtd_snapshot *s);
/* Say in s->truncated what was left out (appended to what it says). */
void snapshot_mark_truncated(struct vtd_snapshot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Keep the first n pages added, free the others. */
void snapshot_keep_pages(struct vtd_snapshot *s, size_t n);

/* Pages */
const struct snap_page *snapshot_find_page(const struct vtd_snapshot *s,
					   uint64_t gpa);
/* Qword i of a page */
uint64_t snapshot_page_qword(const struct snap_page *p, unsigned i);
/* A new page at gpa holding q (SNAP_PAGE_QWORDS words, or NULL for zeros;
 * the non-zero ones are kept): 0, -EEXIST, -E2BIG past SNAP_MAX_PAGES or
 * SNAP_MAX_QWORDS, -ENOMEM. */
int snapshot_add_page(struct vtd_snapshot *s, uint64_t gpa, const uint64_t *q);
/* Set qword i of a page added with it zero (a file's v1 page, word by
 * word): 0, -E2BIG, -ENOMEM. */
int snapshot_page_set(struct vtd_snapshot *s, struct snap_page *p, unsigned i,
		      uint64_t v);
/* Replace the page at gpa with q (or add it): 0, -E2BIG, -ENOMEM. */
int snapshot_put_page(struct vtd_snapshot *s, uint64_t gpa, const uint64_t *q);
/* Forget the page at gpa (it becomes "not recorded"): 0 or -ENOENT. */
int snapshot_remove_page(struct vtd_snapshot *s, uint64_t gpa);
/* Whether two pages hold the same words */
bool snapshot_same_page(const struct snap_page *a, const struct snap_page *b);
/* The pages by gpa, for writing (free() it); NULL when out of memory. */
const struct snap_page **snapshot_sorted_pages(const struct vtd_snapshot *s);
/* Copy [gpa, gpa + len) out of the pages: 0, or -ENODATA (not recorded) and the first page
 * that is not there in *missing (when not NULL). */
int snapshot_read(const struct vtd_snapshot *s, uint64_t gpa, void *buf,
		  size_t len, uint64_t *missing);

/* Monitor replies, matched on the command and the compact JSON of its args */
char *snapshot_args_key(struct json_object *args);
const struct snap_monitor *snapshot_find_monitor(const struct vtd_snapshot *s,
						 const char *cmd,
						 const char *args);
/* Takes a reference to ret; 0 or -ENOMEM / -E2BIG. */
int snapshot_add_monitor(struct vtd_snapshot *s, const char *cmd,
			 const char *args, struct json_object *ret, int err,
			 const char *message);
/* Replace the entry for cmd and args (or add one): 0, -ENOMEM, -E2BIG. */
int snapshot_put_monitor(struct vtd_snapshot *s, const char *cmd,
			 const char *args, struct json_object *ret, int err,
			 const char *message);
/* Whether two entries answered the same */
bool snapshot_same_monitor(const struct snap_monitor *a,
			   const struct snap_monitor *b);
/* "EIO" for -EIO and the other errors a monitor answers with; NULL if none */
const char *snapshot_errno_name(int err);
int snapshot_errno_value(const char *name);	/* -errno, 0 if unknown */

/* The bytes one page takes in the file (with the comma before it). */
long long snapshot_page_text_bytes(const struct snap_page *p);
/* The file written to f as it is made (pages are never a JSON tree): the
 * bytes written, or a negative errno. */
long long snapshot_write_stream(FILE *f, const struct vtd_snapshot *s);
/*
 * Parts of a snapshot, for files that hold changes (docs/trace-format.md):
 * one page in format 2 ({"gpa":..,"nz":..,"data":..}, a comma before it
 * unless first), a monitor entry as a JSON tree, and the "registers",
 * "monitor" and "pages" members of o read into s, whose ram is set
 * (validated as a file's; registers, entries and pages are added).
 */
int snapshot_write_page(FILE *f, const struct snap_page *p, bool first);
struct json_object *snapshot_monitor_json(const struct snap_monitor *m);
int snapshot_parts_from_json(struct json_object *o, struct vtd_snapshot *s,
			     char *err, size_t errlen);
/* The JSON back (validated: the file is untrusted input). */
int snapshot_from_json(struct json_object *o, struct vtd_snapshot *s,
		       char *err, size_t errlen);
/* A whole file's bytes as a JSON tree, its size and values checked first:
 * 0, or a negative errno with a message in err. */
int snapshot_parse_tree(const char *buf, size_t len, struct json_object **out,
			char *err, size_t errlen);
/* Parse a whole file's bytes. 0, or -1 with a message in err. */
int snapshot_parse(const char *buf, size_t len, struct vtd_snapshot *s,
		   char *err, size_t errlen);
/* Read a file (bounded by SNAP_MAX_FILE); 0 or -1 with a message. */
int snapshot_load(const char *path, struct vtd_snapshot *s, char *err,
		  size_t errlen);
/*
 * Write atomically: a temporary file in the same directory, fsync, rename.
 * On failure no file is left behind (and an existing one is untouched).
 * path "-" writes to stdout. 0, or -1 with a message in err. A snapshot
 * that would be larger than SNAP_MAX_FILE is cut to fit first: the pages
 * added last (page tables, with --pages) are left out, and s->truncated
 * says how many.
 */
int snapshot_write(struct vtd_snapshot *s, const char *path, char *err,
		   size_t errlen);

/*
 * The recording wrapper: a source whose reads, register reads and monitor
 * commands go to inner and are remembered in a snapshot (guest reads as
 * whole 4 KiB pages). The wrapper owns inner (closing it closes inner);
 * NULL when out of memory (inner then still belongs to the caller).
 */
struct vtd_source *recorder_wrap(struct vtd_source *inner);
/* What was recorded so far, with the inner source's facts filled in. */
struct vtd_snapshot *recorder_snapshot(struct vtd_source *rec);
struct vtd_source *recorder_inner(struct vtd_source *rec);
/* The recorded snapshot, moved out of the recorder (which starts an empty
 * one): the caller frees it with snapshot_free() and free(); NULL when out
 * of memory. */
struct vtd_snapshot *recorder_take(struct vtd_source *rec);

/* vtdctl's own snapshot file as a source; NULL with err filled on failure. */
struct vtd_source *snapshot_source_open(const char *path, char *err,
					size_t errlen);
/* A snapshot in memory as a source (it takes s, malloc'd, even on
 * failure): kind "snapshot" or "trace"; NULL with err filled. */
struct vtd_source *snapshot_source_from(struct vtd_snapshot *s,
					const char *kind, const char *target,
					char *err, size_t errlen);
/* The snapshot a source opened by snapshot_source_open() replays, else NULL. */
const struct vtd_snapshot *snapshot_of_source(const struct vtd_source *src);

#endif
