// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: text output that no input can turn into terminal commands.
 *
 * Strings in the text output come from outside (a snapshot's created, target
 * and package, QEMU's device and region names, a peer's error messages, the
 * guest's tables through them). Every byte a terminal could act on is shown
 * escaped, as \xHH: C0 controls (ESC, CR, BS, ...), DEL, the C1 controls as
 * UTF-8 encodes them (C2 80..C2 9F, e.g. CSI), and any byte that is not part
 * of valid UTF-8 (a raw 0x9b is CSI to a terminal that is not in UTF-8 mode).
 * Valid UTF-8 text passes unchanged. JSON output is json-c's, which escapes
 * control characters itself.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/color.h"
#include "output/output.h"

/* Length of the valid, printable UTF-8 sequence at s (n bytes available):
 * 1..4; 0 when it must be escaped; -1 when s may be the start of a valid
 * sequence that n cuts short. */
static int printable_len(const unsigned char *s, size_t n, bool keep_lines)
{
	unsigned char c = s[0];
	int len;

	if (c < 0x20)
		return keep_lines && (c == '\n' || c == '\t') ? 1 : 0;
	if (c < 0x7f)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;		/* DEL, a stray continuation, overlong, too big */
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	if ((c == 0xc2 && s[1] < 0xa0) ||		/* C1 controls */
	    (c == 0xe0 && s[1] < 0xa0) ||		/* overlong */
	    (c == 0xed && s[1] >= 0xa0) ||		/* surrogates */
	    (c == 0xf0 && s[1] < 0x90) ||		/* overlong */
	    (c == 0xf4 && s[1] >= 0x90))		/* past U+10FFFF */
		return 0;
	return len;
}

/* While --color is on, the stream lets SGR sequences (ESC [ digits and ;
 * m) through whole, as less -R does: vtdctl's own colours. They change
 * colours only; every other escape (cursor, title, C1 CSI) stays escaped. */
static bool stream_sgr;

static size_t sgr_len(const unsigned char *s, size_t n)
{
	size_t i = 2;

	if (n < 3 || s[0] != 0x1b || s[1] != '[')
		return 0;
	while (i < n && i < 20 && ((s[i] >= '0' && s[i] <= '9') || s[i] == ';'))
		i++;
	return i < n && s[i] == 'm' ? i + 1 : 0;
}

/* Escape n bytes of s through put(); returns how many bytes it consumed
 * (fewer than n only when final is false and s ends in a cut sequence). */
static size_t escape_bytes(const unsigned char *s, size_t n, bool keep_lines,
			   bool final, void (*put)(void *ctx, const char *p,
						   size_t len), void *ctx)
{
	size_t i = 0;

	while (i < n) {
		int len = printable_len(s + i, n - i, keep_lines);
		char hex[5];

		if (len < 0 && !final)
			break;
		if (len > 0) {
			size_t run = i;

			/* a run of printable bytes in one put() */
			while (run < n && len > 0) {
				run += (size_t)len;
				len = run < n ? printable_len(s + run, n - run, keep_lines) : 0;
			}
			put(ctx, (const char *)s + i, run - i);
			i = run;
			continue;
		}
		if (stream_sgr && (len = (int)sgr_len(s + i, n - i)) > 0) {
			put(ctx, (const char *)s + i, (size_t)len);
			i += (size_t)len;
			continue;
		}
		snprintf(hex, sizeof(hex), "\\x%02x", s[i]);
		put(ctx, hex, 4);
		i++;
	}
	return i;
}

struct strbuf {
	char *dst;
	size_t len, used;
};

static void put_str(void *ctx, const char *p, size_t len)
{
	struct strbuf *b = ctx;

	if (b->used + 1 >= b->len)
		return;
	if (len > b->len - 1 - b->used)
		len = b->len - 1 - b->used;
	memcpy(b->dst + b->used, p, len);
	b->used += len;
}

const char *text_escape(char *dst, size_t dstlen, const char *s)
{
	struct strbuf b = { dst, dstlen, 0 };

	if (!dstlen)
		return dst;
	escape_bytes((const unsigned char *)s, strlen(s), false, true, put_str, &b);
	dst[b.used] = 0;
	return dst;
}

/* The escaping stream: bytes cut inside a UTF-8 sequence wait in pend. */
struct esc_stream {
	FILE *f;
	unsigned char pend[4];
	size_t npend;
};

static void put_file(void *ctx, const char *p, size_t len)
{
	fwrite(p, 1, len, ctx);
}

static ssize_t esc_write(void *cookie, const char *buf, size_t size)
{
	struct esc_stream *e = cookie;
	unsigned char tmp[8];
	size_t i = 0;

	stream_sgr = out_color_on();

	/* finish a sequence cut at the end of the last write */
	while (e->npend && i < size) {
		size_t n = e->npend, used;

		memcpy(tmp, e->pend, n);
		tmp[n++] = (unsigned char)buf[i++];
		stream_sgr = false;	/* a sequence across writes: escaped */
		used = escape_bytes(tmp, n, true, false, put_file, e->f);
		stream_sgr = out_color_on();
		e->npend = n - used;
		memmove(e->pend, tmp + used, e->npend);
	}
	if (i < size) {
		size_t used = escape_bytes((const unsigned char *)buf + i,
					   size - i, true, false, put_file, e->f);

		e->npend = size - i - used;
		memcpy(e->pend, buf + i + used, e->npend);
	}
	return (ssize_t)size;
}

static int esc_close(void *cookie)
{
	struct esc_stream *e = cookie;

	stream_sgr = false;
	escape_bytes(e->pend, e->npend, true, true, put_file, e->f);
	fflush(e->f);
	free(e);
	return 0;
}

FILE *text_escaping_stream(FILE *f)
{
	cookie_io_functions_t io = { .write = esc_write, .close = esc_close };
	struct esc_stream *e = calloc(1, sizeof(*e));
	FILE *out;

	if (!e)
		return f;
	e->f = f;
	out = fopencookie(e, "w", io);
	if (!out) {
		free(e);
		return f;
	}
	setvbuf(out, NULL, _IONBF, 0);	/* in step with direct writes to f */
	return out;
}
