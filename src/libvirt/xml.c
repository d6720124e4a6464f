// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: the few facts vtdctl needs from a libvirt domain XML, and the q35
 * RAM layout they imply. A small scanner, not an XML library: the XML comes
 * from libvirtd's formatter (possibly over the network), so it is bounded and
 * checked, and anything it does not understand is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libvirt/lv.h"

#define MAX_DEPTH	64
#define MAX_PATH	512

struct scan {
	const char *p, *end;
	char path[MAX_PATH];	/* "domain/devices/iommu" */
	size_t len[MAX_DEPTH];	/* path length before each level */
	int depth;
	int skipped;		/* levels deeper than MAX_DEPTH */
	struct lv_domain_facts *f;
};

/* Multiplier of a libvirt scaled-integer unit (default KiB). */
static uint64_t unit_scale(const char *u)
{
	static const struct { const char *name; uint64_t mult; } units[] = {
		{ "", 1024 }, { "b", 1 }, { "bytes", 1 },
		{ "k", 1ull << 10 }, { "kib", 1ull << 10 }, { "kb", 1000 },
		{ "m", 1ull << 20 }, { "mib", 1ull << 20 }, { "mb", 1000000 },
		{ "g", 1ull << 30 }, { "gib", 1ull << 30 }, { "gb", 1000000000 },
		{ "t", 1ull << 40 }, { "tib", 1ull << 40 }, { "tb", 1000000000000ull },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(u, units[i].name))
			return units[i].mult;
	return 0;
}

/* "N" with a unit into bytes; 0 when malformed or out of range. */
static uint64_t scaled_bytes(const char *text, size_t n, const char *unit)
{
	uint64_t v = 0, mult = unit_scale(unit);
	size_t i = 0;

	while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
		i++;
	if (i == n || !mult)
		return 0;
	for (; i < n && text[i] >= '0' && text[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (v > UINT64_MAX / mult)
		return 0;
	return v * mult;
}

/* Value of attribute name in a start tag [tag, tag_end), entities decoded. */
static bool attr_value(const char *tag, const char *tag_end, const char *name,
		       char *out, size_t outlen)
{
	size_t nl = strlen(name);

	for (const char *p = tag + 1; p + nl + 2 < tag_end; p++) {
		const char *v, *e;
		char q;
		size_t o = 0;

		if ((p[-1] != ' ' && p[-1] != '\n' && p[-1] != '\t') ||
		    strncmp(p, name, nl) || p[nl] != '=')
			continue;
		q = p[nl + 1];
		if (q != '\'' && q != '"')
			return false;
		v = p + nl + 2;
		e = memchr(v, q, tag_end - v);
		if (!e)
			return false;
		while (v < e && o + 1 < outlen) {
			static const struct { const char *ent; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
				{ "&quot;", '"' }, { "&apos;", '\'' },
			};
			size_t k;

			for (k = 0; k < 5; k++) {
				size_t el = strlen(ents[k].ent);

				if ((size_t)(e - v) >= el && !strncmp(v, ents[k].ent, el)) {
					out[o++] = ents[k].c;
					v += el;
					break;
				}
			}
			if (k == 5)
				out[o++] = *v++;
		}
		out[o] = 0;
		return true;
	}
	return false;
}

/* The text after a start tag, up to the next '<'. */
static void element_text(const struct scan *s, const char **text, size_t *n)
{
	const char *lt = memchr(s->p, '<', s->end - s->p);

	*text = s->p;
	*n = (lt ? lt : s->end) - s->p;
}

static bool arg_is_intel_iommu_device(const char *v)
{
	size_t n = strlen("intel-iommu");

	return (!strncmp(v, "intel-iommu", n) && (v[n] == ',' || v[n] == 0)) ||
	       strstr(v, "driver=intel-iommu") ||
	       strstr(v, "\"driver\":\"intel-iommu\"");
}

/* Is value v one QEMU reads as "on" (on, true, yes), ending at end? */
static bool value_is_on(const char *v, const char **end)
{
	static const char *const on[] = { "on", "true", "yes" };

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		size_t n = strlen(on[i]);

		if (!strncmp(v, on[i], n)) {
			*end = v + n;
			return true;
		}
	}
	return false;
}

/*
 * Does a -device argument turn option name on, under its name or its
 * experimental "x-" name (QEMU drops the prefix when an option graduates:
 * x-scalable-mode in 7.2 and 10.0, scalable-mode in 11.1)? The argument
 * forms: "intel-iommu,NAME=on", JSON {"NAME":true} / {"NAME":"on"}, and
 * -global's "intel-iommu.NAME=on".
 */
static bool arg_sets_option(const char *v, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strstr(v, name); p; p = strstr(p + 1, name)) {
		const char *b = p, *a = p + n, *e;

		if (b - v >= 2 && !strncmp(b - 2, "x-", 2))
			b -= 2;
		if (b == v || (b[-1] != ',' && b[-1] != '"' && b[-1] != '.'))
			continue;
		if (a[0] == '=' && value_is_on(a + 1, &e) && (*e == ',' || !*e))
			return true;
		if (b[-1] == '"' && !strncmp(a, "\":", 2)) {
			a += 2;
			while (*a == ' ')
				a++;
			if (*a == '"' ? value_is_on(a + 1, &e) && *e == '"'
				      : !strncmp(a, "true", 4))
				return true;
		}
	}
	return false;
}

/* A start tag at path s->path: take what we want from it. */
static void on_element(struct scan *s, const char *tag, const char *tag_end)
{
	struct lv_domain_facts *f = s->f;
	char v[512], unit[16] = "";
	const char *text;
	size_t n;

	if (!strcmp(s->path, "domain/memory")) {
		attr_value(tag, tag_end, "unit", unit, sizeof(unit));
		element_text(s, &text, &n);
		f->memory = scaled_bytes(text, n, unit);
	} else if (!strcmp(s->path, "domain/devices/memory/target/size")) {
		attr_value(tag, tag_end, "unit", unit, sizeof(unit));
		element_text(s, &text, &n);
		uint64_t b = scaled_bytes(text, n, unit);

		f->dimm_memory = f->dimm_memory > UINT64_MAX - b ? UINT64_MAX
								 : f->dimm_memory + b;
	} else if (!strcmp(s->path, "domain/os/type")) {
		if (attr_value(tag, tag_end, "machine", v, sizeof(v)))
			snprintf(f->machine, sizeof(f->machine), "%.63s", v);
	} else if (!strcmp(s->path, "domain/devices/iommu")) {
		if (attr_value(tag, tag_end, "model", v, sizeof(v)) && !strcmp(v, "intel"))
			f->intel_iommu = true;
	} else if (!strcmp(s->path, "domain/qemu:commandline/qemu:arg")) {
		if (!attr_value(tag, tag_end, "value", v, sizeof(v)))
			return;
		if (arg_is_intel_iommu_device(v))
			f->intel_iommu = true;
		if (arg_sets_option(v, "scalable-mode"))
			f->scalable = true;
	}
}

static void push(struct scan *s, const char *name, size_t nl)
{
	size_t at = s->depth ? strlen(s->path) : 0;

	if (s->depth >= MAX_DEPTH || s->skipped || at + nl + 2 > MAX_PATH) {
		s->skipped++;
		return;
	}
	s->len[s->depth++] = at;
	if (at)
		s->path[at++] = '/';
	memcpy(s->path + at, name, nl);
	s->path[at + nl] = 0;
}

static void pop(struct scan *s)
{
	if (s->skipped) {
		s->skipped--;
		return;
	}
	if (s->depth > 0)
		s->path[s->len[--s->depth]] = 0;
}

/* Skip "<!-- -->", "<![CDATA[ ]]>", "<? ?>" and "<!DOCTYPE >"; false at EOF. */
static bool skip_special(struct scan *s)
{
	static const struct { const char *open, *close; } sp[] = {
		{ "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" }, { "<!", ">" },
	};

	for (size_t i = 0; i < 4; i++) {
		size_t ol = strlen(sp[i].open);
		const char *c;

		if ((size_t)(s->end - s->p) < ol || strncmp(s->p, sp[i].open, ol))
			continue;
		c = strstr(s->p + ol, sp[i].close);
		if (!c)
			return false;
		s->p = c + strlen(sp[i].close);
		return true;
	}
	return false;
}

int lv_parse_domain_xml(const char *xml, struct lv_domain_facts *f,
			char *err, size_t errlen)
{
	struct scan s = { .p = xml, .end = xml + strlen(xml), .f = f };
	bool seen_domain = false;

	memset(f, 0, sizeof(*f));
	while ((s.p = memchr(s.p, '<', s.end - s.p))) {
		const char *tag = s.p, *gt, *name;
		size_t nl;

		if (s.p[1] == '!' || s.p[1] == '?') {
			if (!skip_special(&s))
				break;
			continue;
		}
		gt = memchr(s.p, '>', s.end - s.p);
		if (!gt)
			break;
		s.p = gt + 1;
		if (tag[1] == '/') {
			pop(&s);
			continue;
		}
		name = tag + 1;
		nl = strcspn(name, " \t\n/>");
		if (s.depth == 0 && !s.skipped) {
			if (nl != 6 || strncmp(name, "domain", 6))
				break;
			seen_domain = true;
		}
		push(&s, name, nl);
		if (!s.skipped)
			on_element(&s, tag, gt);
		if (gt[-1] == '/')
			pop(&s);
	}
	if (!seen_domain) {
		snprintf(err, errlen, "domain XML has no <domain> element");
		return -EINVAL;
	}
	return 0;
}

size_t lv_q35_ram_ranges(uint64_t ram, struct ram_range out[3])
{
	const uint64_t lowmem = ram >= 0xb0000000ull ? 0x80000000ull : 0xb0000000ull;
	uint64_t below = ram < lowmem ? ram : lowmem;
	size_t n = 0;

	if (ram == 0)
		return 0;
	out[n++] = (struct ram_range){ 0, below < 0xa0000 ? below : 0xa0000 };
	if (below > 0x100000)
		out[n++] = (struct ram_range){ 0x100000, below - 0x100000 };
	if (ram > below)
		out[n++] = (struct ram_range){ 1ull << 32, ram - below };
	return n;
}
