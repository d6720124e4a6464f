/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: renderers of the model (human text and JSON). */
#ifndef VTDCTL_OUTPUT_H
#define VTDCTL_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "model/host.h"
#include "model/model.h"
#include "model/vmm.h"
#include "walker/mappings.h"

struct json_object;


struct out_opts {
	int verbose;		/* -v count */
	bool json, pretty;
	bool pages;		/* --pages (dump): each PASID's mapped ranges */
	uint64_t max_output;	/* --max-output bytes; 0 = the default */
};

/* Text output safe for a terminal (escape.c): every control character
 * (also \n), DEL, C1 control and byte outside valid UTF-8 of s as \xHH,
 * into dst (truncated to dstlen); returns dst. */
const char *text_escape(char *dst, size_t dstlen, const char *s);
/* A stream that writes to f with the same escaping, \n and \t kept: what
 * every text renderer is given (cli/common.c's text_stdout()). */
FILE *text_escaping_stream(FILE *f);
/* Output budget (src/output/limits.c): a renderer writes through a stream
 * that counts bytes; past max it lists no more devices or PASIDs. */
#define VTD_DEFAULT_MAX_OUTPUT	(1ULL << 30)
struct out_limits {
	FILE *f, *under;	/* the counting stream, the real one */
	uint64_t written, max;
	unsigned long skipped;	/* devices and PASIDs not listed */
};
/* The stream to write to (f itself when memory runs out: uncounted). */
FILE *out_limits_open(struct out_limits *l, FILE *f, uint64_t max);
bool out_over(struct out_limits *l);
void out_limits_close(struct out_limits *l);
/* The findings of what the renderer (l) and --pages (pg, may be NULL) cut
 * short: output_truncated, pages_truncated; how many (at most 2). */
size_t out_late_findings(const struct out_limits *l,
			 const struct vtd_pages *pg, struct vtd_finding out[2]);

/*
 * --all-findings on check and dump (src/output/stream.c): the renderer's
 * sink, which prints each finding as the walk and the rules add it (the
 * model holds none, so nothing is sorted). Text: under "findings:", in
 * check's or dump's line format; JSON: the top object is opened with its
 * "findings" array first, the renderer adds the other members after
 * out_stream_end_findings().
 */
struct out_stream {
	struct vtd_finding_sink sink;	/* for struct vtd_finding_limits */
	FILE *f;
	bool json, pretty, check;
	int verbose;
	unsigned long printed;	/* findings printed so far */
	bool cut;		/* check: a message was cut to the width */
	bool ended;		/* JSON: "findings" is closed */
};
void out_stream_init(struct out_stream *s, FILE *f, const struct out_opts *o,
		     bool check);
/* JSON: close "findings" (opened empty if nothing came); the top object
 * stays open. Text: nothing. */
void out_stream_end_findings(struct out_stream *s);
/* JSON: more members of the open top object (drops obj), then with close
 * its "}". */
void out_stream_members(struct out_stream *s, struct json_object *obj,
			bool close);
/* An error once the stream began: JSON: an "error" member closes the top
 * object; returns false when nothing was printed yet (report it as usual). */
bool out_stream_error(struct out_stream *s, const char *msg);
/* check's line of one finding (code column cw wide); true if it was cut
 * to the width. */
bool check_finding_line(FILE *f, const struct vtd_finding *x, int cw,
			int verbose);

/* A 64-bit value as a JSON string "0x..." (new reference). */
struct json_object *json_hex(uint64_t v);

/* The source the model was read from: {"kind", "target", "access"}, and
 * the text header's "source: KIND TARGET (ACCESS)" line. */
struct json_object *json_source_info(const struct vtd_model_source *s);
void text_source_line(FILE *f, const struct vtd_model_source *s);

/* "bb:dd.f" */
void fmt_bdf(char buf[8], int bus, int devfn);

struct json_object *json_findings(const struct vtd_model *m);
struct json_object *json_finding(const struct vtd_finding *f);
/* Parts of the dump object, for diff: "iommu", a device's members but
 * "pasids", one PASID entry (NULL when out of memory). */
struct json_object *json_iommu(const struct vtd_model *m);
struct json_object *json_device_object(const struct vtd_model *m,
				       const struct vtd_device *d);
struct json_object *json_pasid_object(const struct vtd_model *m,
				      const struct vtd_device *d,
				      const struct vtd_pasid_rec *p);
/* The dump object printed as it is built: memory stays bounded by one
 * PASID entry, not the whole model (2^20 PASIDs). pages: NULL, or where
 * --pages reads each entry's mappings. s: the findings were streamed into
 * the object it opened (its "findings" closed): the rest goes after them,
 * and what the output cut short goes to "late_findings". */
int json_dump_stream(FILE *f, const struct vtd_model *m,
		     const struct out_opts *o, const struct vtd_pages *pages,
		     const struct out_stream *s);
/* Print obj (and a newline) to f, pretty or compact; drops the reference. */
void json_print(FILE *f, struct json_object *obj, bool pretty);

/* Text. The dump renderers return how many findings they added after the
 * model's (output or --pages cut short: warnings, exit status 2). s: the
 * findings were streamed before (NULL: none). */
int text_dump(FILE *f, const struct vtd_model *m, const struct out_opts *o,
	      const struct vtd_pages *pages, const struct out_stream *s);
void text_findings(FILE *f, const struct vtd_model *m);
void text_finding(FILE *f, const struct vtd_finding *x);

/* check's report (src/output/check.c): findings in the model's order (check
 * sorts them worst first), each line within 100 columns unless -v, the
 * counts, where to look next; JSON "summary", the same counts. */
struct check_counts {
	unsigned sev[3];	/* by enum vtd_severity */
	size_t devices, pasids;
};
void check_count(const struct vtd_model *m, struct check_counts *c);
void text_check(FILE *f, const struct vtd_model *m, const struct out_opts *o,
		const struct out_stream *s);
struct json_object *json_check_summary(const struct vtd_model *m);

/* QEMU's side (src/output/host.c, src/output/vmm.c) */
/* JSON "host" objects for a device and for one of its PASIDs (never NULL). */
struct json_object *host_json_device(const struct vtd_host *h,
				     const struct vtd_device *d);
struct json_object *host_json_pasid(const struct vtd_host *h,
				    const struct vtd_device *d,
				    const struct vtd_pasid_rec *p);
/* The whole host side: {"known", "qemu_version", "pid", "address_spaces":
 * [...], "vfio": [...], "iommufd_objects": [...]}; null-valued when h is NULL. */
struct json_object *host_json_summary(const struct vtd_host *h);
/* A short text column ("dmar", "nodmar", "none", "?"); buf holds len bytes. */
const char *host_text_device(const struct vtd_host *h,
			     const struct vtd_device *d, char *buf, size_t len);
const char *host_text_pasid(const struct vtd_host *h, const struct vtd_device *d,
			    const struct vtd_pasid_rec *p, char *buf, size_t len);

/* NULL when not known. */
struct json_object *vtd_vmm_json(const struct vtd_vmm *v);
/* One header line; the key options, or all with verbose. */
void vtd_vmm_text(FILE *f, const struct vtd_vmm *v, int verbose);

#endif
