// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdguest: a freestanding test guest for vtdctl.
 *
 * Booted by QEMU's -kernel (multiboot v1) on q35 with an intel-iommu; runs in
 * 32-bit protected mode with paging off.  It reads a scenario from fw_cfg
 * (opt/vtd/scenario), programs the VT-d registers and tables it describes,
 * prints READY on COM1, then applies further scenario lines received on COM1,
 * answering OK or ERR after each.  The language is in README.md.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* ---------------------------------------------------------------- low level */

static inline void outb(u16 p, u8 v) { __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(p)); }
static inline void outw(u16 p, u16 v) { __asm__ volatile("outw %0,%1" :: "a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { __asm__ volatile("outl %0,%1" :: "a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 inl(u16 p) { u32 v; __asm__ volatile("inl %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

static inline u32 rd32(u32 a) { return *(volatile u32 *)a; }
static inline void wr32(u32 a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 rd64(u32 a) { u32 lo = rd32(a), hi = rd32(a + 4); return ((u64)hi << 32) | lo; }
/* Memory qword: low dword first (a present bit in the low dword goes last
 * only where wr64_plast is used). */
static inline void wr64(u32 a, u64 v) { wr32(a, (u32)v); wr32(a + 4, (u32)(v >> 32)); }
static inline void wr64_plast(u32 a, u64 v) { wr32(a + 4, (u32)(v >> 32)); wr32(a, (u32)v); }

void *memset(void *d, int c, u32 n);
void *memcpy(void *d, const void *s, u32 n);
void *memset(void *d, int c, u32 n) { u8 *p = d; while (n--) *p++ = (u8)c; return d; }
void *memcpy(void *d, const void *s, u32 n) { u8 *p = d; const u8 *q = s; while (n--) *p++ = *q++; return d; }
static u32 slen(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
static bool seq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }

/* Timeouts from the TSC; TCG's TSC runs at roughly a GHz or more. */
#define TSC_PER_SEC 1000000000ULL
static u64 deadline(u32 ms) { return rdtsc() + (TSC_PER_SEC / 1000) * ms; }
static bool expired(u64 d) { return rdtsc() > d; }

/* ------------------------------------------------------------------- serial */

#define COM1 0x3f8

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0x07);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

static void putc_(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (u8)c);
}

static void puts_(const char *s) { while (*s) { if (*s == '\n') putc_('\r'); putc_(*s++); } }

static int getc_nb(void) { return (inb(COM1 + 5) & 1) ? inb(COM1) : -1; }

static char *fmt_hex(char *p, u64 v)
{
	char t[17]; int n = 0;
	do { t[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
	while (n) *p++ = t[--n];
	return p;
}

static char *fmt_dec(char *p, u32 v)
{
	char t[11]; int n = 0;
	do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (n) *p++ = t[--n];
	return p;
}

/* printf subset: %s %c %d (u32 decimal) %x (u32 hex) %X (u64 hex), no 0x prefix;
 * %b (u32 source id as BB:DD.F) */
static void vfmt(char *out, u32 cap, const char *f, __builtin_va_list ap)
{
	char *p = out, *end = out + cap - 24;
	for (; *f && p < end; f++) {
		if (*f != '%') { *p++ = *f; continue; }
		switch (*++f) {
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			while (*s && p < end)
				*p++ = *s++;
			break;
		}
		case 'c': *p++ = (char)__builtin_va_arg(ap, int); break;
		case 'd': p = fmt_dec(p, __builtin_va_arg(ap, u32)); break;
		case 'x': p = fmt_hex(p, __builtin_va_arg(ap, u32)); break;
		case 'X': p = fmt_hex(p, __builtin_va_arg(ap, u64)); break;
		case 'b': {	/* u32 source id -> BB:DD.F */
			u32 sid = __builtin_va_arg(ap, u32);
			const char *hx = "0123456789abcdef";
			*p++ = hx[sid >> 12 & 15]; *p++ = hx[sid >> 8 & 15]; *p++ = ':';
			*p++ = hx[sid >> 7 & 1]; *p++ = hx[sid >> 3 & 15]; *p++ = '.';
			*p++ = hx[sid & 7];
			break;
		}
		case '%': *p++ = '%'; break;
		default: *p++ = '?'; break;
		}
	}
	*p = 0;
}

static void pr(const char *f, ...)
{
	char buf[512];
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	vfmt(buf, sizeof(buf), f, ap);
	__builtin_va_end(ap);
	puts_(buf);
}

static char errbuf[256];
static const char *errf(const char *f, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	vfmt(errbuf, sizeof(errbuf), f, ap);
	__builtin_va_end(ap);
	return errbuf;
}

/* ------------------------------------------------------------------- fw_cfg */

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_FILE_DIR 0x19

static void fwcfg_read(void *buf, u32 n) { u8 *p = buf; while (n--) *p++ = inb(FW_CFG_DATA); }
static u32 be32(const u8 *b) { return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3]; }

static char scenario[512 * 1024];

/* Returns the scenario length, or -1 when fw_cfg has no such file. */
static int fwcfg_load(const char *name)
{
	u8 b[64];
	outw(FW_CFG_SEL, 0);
	fwcfg_read(b, 4);
	if (b[0] != 'Q' || b[1] != 'E' || b[2] != 'M' || b[3] != 'U')
		return -1;
	outw(FW_CFG_SEL, FW_CFG_FILE_DIR);
	fwcfg_read(b, 4);
	u32 count = be32(b);
	for (u32 i = 0; i < count; i++) {
		fwcfg_read(b, 64);	/* u32 size, u16 select, u16 reserved, name[56] */
		b[63] = 0;
		if (!seq((char *)b + 8, name))
			continue;
		u32 size = be32(b), sel = (u32)b[4] << 8 | b[5];
		if (size >= sizeof(scenario))
			size = sizeof(scenario) - 1;
		outw(FW_CFG_SEL, (u16)sel);
		fwcfg_read(scenario, size);
		scenario[size] = 0;
		return (int)size;
	}
	return -1;
}

/* --------------------------------------------------------------- allocator */

static u32 ram_top = 0x08000000;	/* from multiboot mem_upper */
static u32 heap_next = 0x01000000;	/* `heap ADDR` moves it */

static const char *alloc_pages(u32 bytes, u32 *out)
{
	u32 size = (bytes + 0xfff) & ~0xfffu;
	if (heap_next + size < heap_next || heap_next + size > ram_top)
		return errf("out of guest memory (heap 0x%x, want 0x%x bytes)", heap_next, size);
	*out = heap_next;
	memset((void *)heap_next, 0, size);
	heap_next += size;
	return NULL;
}

/* ---------------------------------------------------------------- VT-d regs */

#define VTD 0xfed90000u
#define R_CAP 0x08
#define R_ECAP 0x10
#define R_GCMD 0x18
#define R_GSTS 0x1c
#define R_RTADDR 0x20
#define R_FSTS 0x34
#define R_IQH 0x80
#define R_IQT 0x88
#define R_IQA 0x90
#define R_IQER 0xb0
#define R_IRTA 0xb8

#define G_TE (1u << 31)
#define G_SRTP (1u << 30)
#define G_QIE (1u << 26)
#define G_IRE (1u << 25)
#define G_SIRTP (1u << 24)
#define G_CFI (1u << 23)
#define GSTS_ONESHOT_MASK 0x96ffffffu	/* drop RTPS, FLS, WBFS, IRTPS */

#define ADDR_MASK 0xfffffffffffff000ULL

static u64 cap, ecap;
static bool scalable;
static u32 root;		/* 0 = not yet placed */

/* Set or clear one GCMD bit the way Linux does: write the persistent GSTS
 * bits plus (or minus) the new one, then poll GSTS. */
static const char *gcmd(u32 bit, bool on, const char *name)
{
	u32 sts = rd32(VTD + R_GSTS) & GSTS_ONESHOT_MASK;
	wr32(VTD + R_GCMD, on ? (sts | bit) : (sts & ~bit));
	u64 d = deadline(2000);
	for (;;) {
		u32 g = rd32(VTD + R_GSTS);
		if (on ? (g & bit) : !(g & bit))
			return NULL;
		if (expired(d))
			return errf("GSTS.%s did not %s (GSTS 0x%x)", name, on ? "set" : "clear", g);
	}
}

/* ------------------------------------------------------------------ parsing */

#define MAXTOK 48
static char *tok[MAXTOK];
static bool used[MAXTOK];
static int ntok;

static void tokenize(char *line)
{
	ntok = 0;
	for (char *p = line; *p; p++)
		if (*p == '#') { *p = 0; break; }
	char *p = line;
	while (*p && ntok < MAXTOK) {
		while (*p == ' ' || *p == '\t' || *p == '\r') *p++ = 0;
		if (!*p) break;
		tok[ntok] = p; used[ntok] = false; ntok++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r') p++;
	}
}

/* Number: decimal or 0x hex, optional k/m/g suffix (x1024^n). */
static bool parse_num(const char *s, u64 *out)
{
	u64 v = 0;
	if (!*s) return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (!*s) return false;
		for (; *s; s++) {
			int d;
			if (*s >= '0' && *s <= '9') d = *s - '0';
			else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
			else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
			else if (*s == '_') continue;
			else break;
			v = v << 4 | (u64)d;
		}
	} else {
		if (*s < '0' || *s > '9') return false;
		for (; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (u64)(*s - '0');
	}
	if (*s == 'k' || *s == 'K') v <<= 10, s++;
	else if (*s == 'm' || *s == 'M') v <<= 20, s++;
	else if (*s == 'g' || *s == 'G') v <<= 30, s++;
	if (*s) return false;
	*out = v;
	return true;
}

/* Token i as BB:DD.F (an optional "SSSS:" segment prefix is accepted). */
static bool parse_bdf(const char *s, u32 *bus, u32 *devfn)
{
	u32 f[4]; int n = 0;
	while (n < 4) {
		u32 v = 0; int digits = 0;
		for (; *s; s++, digits++) {
			if (*s >= '0' && *s <= '9') v = v * 16 + (u32)(*s - '0');
			else if (*s >= 'a' && *s <= 'f') v = v * 16 + (u32)(*s - 'a' + 10);
			else if (*s >= 'A' && *s <= 'F') v = v * 16 + (u32)(*s - 'A' + 10);
			else break;
		}
		if (!digits) return false;
		f[n++] = v;
		if (*s == ':' || *s == '.') { s++; continue; }
		if (*s) return false;
		break;
	}
	if (n == 4) { f[0] = f[1]; f[1] = f[2]; f[2] = f[3]; n = 3; }
	if (n != 3 || f[0] > 255 || f[1] > 31 || f[2] > 7) return false;
	*bus = f[0];
	*devfn = f[1] << 3 | f[2];
	return true;
}

/* key=value lookup; marks the token used. */
static const char *kv(const char *key)
{
	u32 kl = slen(key);
	for (int i = 1; i < ntok; i++) {
		const char *t = tok[i];
		u32 j = 0;
		while (j < kl && t[j] == key[j]) j++;
		if (j == kl && t[kl] == '=') { used[i] = true; return t + kl + 1; }
	}
	return NULL;
}

static bool flag(const char *name)
{
	for (int i = 1; i < ntok; i++)
		if (seq(tok[i], name)) { used[i] = true; return true; }
	return false;
}

static const char *perr;	/* first parse error of the current line */

static u64 num(const char *key, u64 dflt, bool *given)
{
	const char *v = kv(key);
	u64 x;
	if (given) *given = v != NULL;
	if (!v) return dflt;
	if (!parse_num(v, &x)) { if (!perr) perr = errf("bad number %s=%s", key, v); return dflt; }
	return x;
}

static u64 need(const char *key)
{
	bool g;
	u64 v = num(key, 0, &g);
	if (!g && !perr) perr = errf("missing %s=", key);
	return v;
}

/* Positional argument i (1-based after the command) as a number / BDF. */
static u64 pos_num(int i)
{
	u64 v;
	if (i >= ntok) { if (!perr) perr = "missing argument"; return 0; }
	used[i] = true;
	if (!parse_num(tok[i], &v)) { if (!perr) perr = errf("bad number %s", tok[i]); return 0; }
	return v;
}

static void pos_bdf(int i, u32 *bus, u32 *devfn)
{
	*bus = *devfn = 0;
	if (i >= ntok) { if (!perr) perr = "missing BB:DD.F"; return; }
	used[i] = true;
	if (!parse_bdf(tok[i], bus, devfn) && !perr) perr = errf("bad BB:DD.F %s", tok[i]);
}

static bool kv_bdf(const char *key, u32 *sid)
{
	const char *v = kv(key);
	u32 b, df;
	if (!v) return false;
	if (!parse_bdf(v, &b, &df)) { if (!perr) perr = errf("bad %s=%s", key, v); return false; }
	*sid = b << 8 | df;
	return true;
}

/* Value of key among names[] (index), or a number; -1 when absent. */
static int choice(const char *key, const char *const *names, int n, int dflt)
{
	const char *v = kv(key);
	u64 x;
	if (!v) return dflt;
	for (int i = 0; i < n; i++)
		if (names[i] && seq(v, names[i])) return i;
	if (parse_num(v, &x)) return (int)x;
	if (!perr) perr = errf("bad %s=%s", key, v);
	return dflt;
}

/* Call after all arguments were looked up: every token must be known. */
static const char *done_parsing(void)
{
	if (perr) return perr;
	for (int i = 1; i < ntok; i++)
		if (!used[i]) return errf("unknown argument '%s'", tok[i]);
	return NULL;
}

static bool addr32(u64 a) { return (a >> 32) == 0; }
#define CHECK32(a, what) do { if (!addr32(a)) return errf("%s 0x%X is beyond 4 GiB (guest runs without paging)", what, (u64)(a)); } while (0)

/* Placement argument: "auto" (or absent) -> 0 with *is_auto, else an address. */
static bool place(const char *key, u64 *addr, bool *is_auto)
{
	const char *v = kv(key);
	*is_auto = false;
	if (!v) return false;
	if (seq(v, "auto")) { *is_auto = true; *addr = 0; return true; }
	if (!parse_num(v, addr)) { if (!perr) perr = errf("bad %s=%s", key, v); return false; }
	return true;
}

/* --------------------------------------------------------------- structures */

static const char *ensure_root(void)
{
	if (root) return NULL;
	return alloc_pages(4096, &root);
}

/* Address of the context entry for bus/devfn (16 bytes legacy, 32 scalable);
 * creates the context table when create is set. */
static const char *ctx_entry(u32 bus, u32 devfn, bool create, u32 *out)
{
	const char *e = ensure_root();
	if (e) return e;
	u32 re = root + bus * 16 + ((scalable && devfn >= 0x80) ? 8 : 0);
	u64 v = rd64(re);
	if (!(v & 1)) {
		if (!create) return errf("no context table for %b", bus << 8 | devfn);
		u32 t = 0;
		if ((e = alloc_pages(4096, &t))) return e;
		wr64_plast(re, (u64)t | 1);
		v = (u64)t | 1;
	}
	CHECK32(v & ADDR_MASK, "context table");
	u32 t = (u32)(v & ADDR_MASK);
	*out = scalable ? t + (devfn & 0x7f) * 32 : t + devfn * 16;
	return NULL;
}

static u32 pasid_dir_bytes(u32 pdts) { return 8u << (pdts + 7); }

/* Address of the PASID table entry; creates the PASID table when asked. */
static const char *pasid_entry(u32 bus, u32 devfn, u32 pasid, bool create, u64 ptable, u32 *out)
{
	u32 ce;
	const char *e;
	if (!scalable) return "pasid needs mode scalable";
	if ((e = ctx_entry(bus, devfn, false, &ce))) return e;
	u64 lo = rd64(ce);
	if (!(lo & 1)) return errf("context entry of %b not present", bus << 8 | devfn);
	u32 pdts = (u32)(lo >> 9) & 7;
	u64 dir = lo & ADDR_MASK;
	CHECK32(dir, "PASID directory");
	if (!dir) return "context entry has no PASID directory";
	if ((pasid >> 6) >= (1u << (pdts + 7)))
		return errf("PASID %d beyond the directory (PDTS %d)", pasid, pdts);
	u32 de = (u32)dir + (pasid >> 6) * 8;
	u64 d = rd64(de);
	if (!(d & 1)) {
		if (!create) return errf("no PASID table for PASID %d", pasid);
		u32 t = 0;
		if (ptable) {
			CHECK32(ptable, "PASID table");
			t = (u32)ptable;
			memset((void *)t, 0, 4096);
		} else if ((e = alloc_pages(4096, &t))) {
			return e;
		}
		d = (u64)t | 1;
		wr64_plast(de, d);
	} else if (ptable && (d & ADDR_MASK) != ptable) {
		return errf("PASID table for PASID %d already at 0x%X", pasid, d & ADDR_MASK);
	}
	CHECK32(d & ADDR_MASK, "PASID table");
	*out = (u32)(d & ADDR_MASK) + (pasid & 63) * 64;
	return NULL;
}

/* ------------------------------------------------------------------ commands */

static const char *cmd_mode(void)
{
	static const char *const m[] = { "legacy", "scalable" };
	if (ntok != 2) return "usage: mode legacy|scalable";
	used[1] = true;
	if (seq(tok[1], m[0])) scalable = false;
	else if (seq(tok[1], m[1])) scalable = true;
	else return errf("bad mode %s", tok[1]);
	return NULL;
}

static const char *cmd_root(void)
{
	u64 a = pos_num(1);
	const char *e = done_parsing();
	if (e) return e;
	CHECK32(a, "root");
	if (a & 0xfff) return "root must be 4 KiB aligned";
	root = (u32)a;
	memset((void *)root, 0, 4096);
	return NULL;
}

static const char *cmd_heap(void)
{
	u64 a = pos_num(1);
	const char *e = done_parsing();
	if (e) return e;
	CHECK32(a, "heap");
	heap_next = ((u32)a + 0xfff) & ~0xfffu;
	return NULL;
}

/* ctxtable BUS ADDR [upper]: place a bus's (lower/upper) context table. */
static const char *cmd_ctxtable(void)
{
	u64 bus = pos_num(1), a = pos_num(2);
	bool upper = flag("upper");
	const char *e = done_parsing();
	if (e) return e;
	if (bus > 255) return "bus > 255";
	CHECK32(a, "context table");
	if (a & 0xfff) return "context table must be 4 KiB aligned";
	if ((e = ensure_root())) return e;
	memset((void *)(u32)a, 0, 4096);
	wr64_plast(root + (u32)bus * 16 + (upper ? 8 : 0), a | 1);
	return NULL;
}

static const char *cmd_ctx(void)
{
	u32 bus, devfn, ce;
	pos_bdf(1, &bus, &devfn);
	bool fpd = flag("fpd");
	const char *e;
	if (!scalable) {
		u64 tt = num("tt", 0, NULL), did = num("did", 0, NULL), aw = num("aw", 1, NULL);
		u64 slpt; bool sauto, sgiven = place("slpt", &slpt, &sauto);
		if ((e = done_parsing())) return e;
		if (tt > 3 || aw > 7 || did > 0xffff) return "tt, aw or did out of range";
		if ((e = ctx_entry(bus, devfn, true, &ce))) return e;
		u64 old = rd64(ce);
		if (!sgiven || sauto) {
			slpt = 0;
			if ((old & 1) && (old & ADDR_MASK)) slpt = old & ADDR_MASK;
			else if (sauto || tt != 2) {
				u32 t = 0;
				if ((e = alloc_pages(4096, &t))) return e;
				slpt = t;
			}
		}
		wr64(ce + 8, aw | did << 8);
		wr64_plast(ce, 1 | (u64)fpd << 1 | tt << 2 | (slpt & ADDR_MASK));
		return NULL;
	}
	u64 pdts = num("pdts", 2, NULL), rid = num("rid_pasid", 0, NULL);
	bool pre = flag("pre"), dte = flag("dte"), paside = flag("paside");
	u64 dir; bool dauto, dgiven = place("dir", &dir, &dauto);
	if ((e = done_parsing())) return e;
	if (pdts > 7 || rid > 0xfffff) return "pdts or rid_pasid out of range";
	if ((e = ctx_entry(bus, devfn, true, &ce))) return e;
	u64 old = rd64(ce);
	u32 want = pasid_dir_bytes((u32)pdts);
	if (dgiven && !dauto) {
		CHECK32(dir, "PASID directory");
		if (dir & 0xfff) return "dir must be 4 KiB aligned";
		if (!((old & 1) && (old & ADDR_MASK) == dir))
			memset((void *)(u32)dir, 0, want);
	} else if ((old & 1) && (old & ADDR_MASK) && !dauto &&
		   pasid_dir_bytes((u32)(old >> 9) & 7) >= want) {
		dir = old & ADDR_MASK;	/* keep the directory of a re-specified entry */
	} else {
		u32 t = 0;
		if ((e = alloc_pages(want, &t))) return e;
		if ((old & 1) && (old & ADDR_MASK) && addr32(old & ADDR_MASK)) {
			u32 ob = pasid_dir_bytes((u32)(old >> 9) & 7);
			memcpy((void *)t, (void *)(u32)(old & ADDR_MASK), ob < want ? ob : want);
		}
		dir = t;
	}
	wr64(ce + 24, 0);
	wr64(ce + 16, 0);
	wr64(ce + 8, rid);
	wr64_plast(ce, 1 | (u64)fpd << 1 | (u64)dte << 2 | (u64)paside << 3 | (u64)pre << 4 |
		   pdts << 9 | (dir & ADDR_MASK));
	return NULL;
}

static const char *cmd_noctx(void)
{
	u32 bus, devfn, ce;
	pos_bdf(1, &bus, &devfn);
	const char *e = done_parsing();
	if (e || (e = ctx_entry(bus, devfn, false, &ce))) return e;
	wr32(ce, 0);
	memset((void *)ce, 0, scalable ? 32 : 16);
	return NULL;
}

static const char *const pgtt_names[] = { NULL, "first", "second", "nested", "pt" };

static const char *cmd_pasid(void)
{
	u32 bus, devfn, pe;
	pos_bdf(1, &bus, &devfn);
	u64 pasid = pos_num(2);
	u64 count = num("count", 1, NULL);	/* PASIDs pasid .. pasid+count-1 */
	int pgtt = choice("pgtt", pgtt_names, 5, -1);
	u64 did = need("did"), aw = num("aw", 1, NULL), flpm = num("flpm", 0, NULL);
	bool fpd = flag("fpd"), sre = flag("sre"), wpe = flag("wpe"), eafe = flag("eafe");
	bool pwsnp = flag("pwsnp"), pgsnp = flag("pgsnp"), ssade = flag("ssade"), np = flag("np");
	u64 sl, fl, ptable = num("ptable", 0, NULL);
	bool slauto, flauto, slgiven = place("sl", &sl, &slauto), flgiven = place("fl", &fl, &flauto);
	const char *e = done_parsing();
	if (e) return e;
	if (pgtt < 0) return "missing pgtt=";
	if (pgtt > 7 || did > 0xffff || aw > 7 || flpm > 3 || pasid > 0xfffff ||
	    count == 0 || pasid + count > 0x100000)
		return "pgtt, did, aw, flpm, PASID or count out of range";
	for (u64 i = 0; i < count; i++, pasid++) {
		if ((e = pasid_entry(bus, devfn, (u32)pasid, true, ptable, &pe))) return e;
		u64 old0 = rd64(pe), old2 = rd64(pe + 16);
		bool want_sl = pgtt == 2 || pgtt == 3, want_fl = pgtt == 1 || pgtt == 3;
		if (!slgiven || slauto) {
			sl = 0;
			if ((old0 & 1) && (old0 & ADDR_MASK)) sl = old0 & ADDR_MASK;
			else if (slauto || want_sl) {
				u32 t = 0;
				if ((e = alloc_pages(4096, &t))) return e;
				sl = t;
			}
		}
		if (!flgiven || flauto) {
			fl = 0;
			if ((old0 & 1) && (old2 & ADDR_MASK)) fl = old2 & ADDR_MASK;
			else if (flauto || want_fl) {
				u32 t = 0;
				if ((e = alloc_pages(4096, &t))) return e;
				fl = t;
			}
		}
		u64 q0 = (np ? 0 : 1) | (u64)fpd << 1 | aw << 2 | (u64)pgtt << 6 | (u64)ssade << 9 | (sl & ADDR_MASK);
		u64 q1 = did | (u64)pwsnp << 23 | (u64)pgsnp << 24;
		u64 q2 = (u64)sre | flpm << 2 | (u64)wpe << 4 | (u64)eafe << 7 | (fl & ADDR_MASK);
		for (int k = 7; k >= 3; k--) wr64(pe + k * 8, 0);
		wr64(pe + 16, q2);
		wr64(pe + 8, q1);
		wr64_plast(pe, q0);
	}
	return NULL;
}

static const char *cmd_nopasid(void)
{
	u32 bus, devfn, pe;
	pos_bdf(1, &bus, &devfn);
	u64 pasid = pos_num(2);
	bool fpd = flag("fpd");
	const char *e = done_parsing();
	if (e || (e = pasid_entry(bus, devfn, (u32)pasid, false, 0, &pe))) return e;
	wr32(pe, fpd ? 2 : 0);	/* drop P first */
	wr32(pe + 4, 0);
	memset((void *)(pe + 8), 0, 56);
	return NULL;
}

/* map BB:DD.F [pasid=N] stage=first|second iova= gpa= size= [r] [w] [page=] [us=] */
static const char *cmd_map(void)
{
	static const char *const stages[] = { NULL, "first", "second" };
	static const char *const pages[] = { NULL, "4k", "2m", "1g" };
	u32 bus, devfn, ce;
	pos_bdf(1, &bus, &devfn);
	bool pgiven;
	u64 pasid = num("pasid", 0, &pgiven);
	int stage = choice("stage", stages, 3, 2);
	u64 iova = need("iova"), gpa = need("gpa"), size = need("size");
	int pg = choice("page", pages, 4, 1);
	bool r = flag("r"), w = flag("w");
	u64 us = num("us", 1, NULL);
	const char *e = done_parsing();
	if (e) return e;
	if (stage != 1 && stage != 2) return "stage must be first or second";
	if (pg < 1 || pg > 3) return "page must be 4k, 2m or 1g";
	u32 leaf = (u32)pg;
	u64 psz = 1ULL << (12 + 9 * (leaf - 1));
	if ((iova | gpa | size) & (psz - 1)) return "iova, gpa and size must be page aligned";
	if (!size) return "size=0";

	u32 ptr_at, levels;	/* where the table pointer lives, and the level count */
	if ((e = ctx_entry(bus, devfn, false, &ce))) return e;
	if (!(rd64(ce) & 1)) return "context entry not present";
	if (!scalable) {
		if (stage != 2) return "legacy mode has second-stage tables only";
		if (pgiven) return "legacy mode has no PASIDs";
		ptr_at = ce;
		levels = (u32)(rd64(ce + 8) & 7) + 2;
	} else {
		u32 pe;
		if (!pgiven) pasid = rd64(ce + 8) & 0xfffff;
		if ((e = pasid_entry(bus, devfn, (u32)pasid, false, 0, &pe))) return e;
		if (stage == 2) {
			ptr_at = pe;
			levels = (u32)(rd64(pe) >> 2 & 7) + 2;
		} else {
			ptr_at = pe + 16;
			levels = (rd64(pe + 16) >> 2 & 3) == 1 ? 5 : 4;
		}
	}
	if (levels > 6) return errf("%d levels", levels);
	if (leaf > levels) return "page size larger than the table allows";
	u32 bits = 12 + 9 * levels;
	if (bits < 64 && ((iova + size - 1) >> bits)) return errf("iova beyond %d bits", bits);

	u64 top = rd64(ptr_at) & ADDR_MASK;
	if (!top) {
		u32 t = 0;
		if ((e = alloc_pages(4096, &t))) return e;
		top = t;
		u64 v = rd64(ptr_at);
		wr64(ptr_at, (v & ~ADDR_MASK) | top);
	}
	CHECK32(top, "page table");

	bool fs = stage == 1;
	u64 nonleaf = fs ? (1 | 2 | (us ? 4 : 0)) : 3;
	u64 leafbits;
	if (fs) leafbits = ((r || w) ? 1 : 0) | (w ? 2 : 0) | (us ? 4 : 0) | (leaf > 1 ? 0x80 : 0);
	else leafbits = (r ? 1 : 0) | (w ? 2 : 0) | (leaf > 1 ? 0x80 : 0);
	if (!r && !w) leafbits = 0;

	for (u64 off = 0; off < size; off += psz) {
		u64 va = iova + off;
		u32 table = (u32)top;
		for (u32 l = levels; l > leaf; l--) {
			u32 slot = table + (u32)((va >> (12 + 9 * (l - 1))) & 511) * 8;
			u64 v = rd64(slot);
			bool present = fs ? (v & 1) : (v & 3);
			if (!present || (v & 0x80) || !addr32(v & ADDR_MASK) || !(v & ADDR_MASK)) {
				u32 t = 0;
				if ((e = alloc_pages(4096, &t))) return e;
				v = (u64)t | nonleaf;
				wr64(slot, v);
			}
			table = (u32)(v & ADDR_MASK);
		}
		u32 slot = table + (u32)((va >> (12 + 9 * (leaf - 1))) & 511) * 8;
		wr64(slot, leafbits ? ((gpa + off) & ADDR_MASK) | leafbits : 0);
	}
	return NULL;
}

static const char *cmd_raw(void)
{
	u64 a = pos_num(1), v = pos_num(2);
	const char *e = done_parsing();
	if (e) return e;
	CHECK32(a, "raw address");
	if (a & 7) return "raw address must be 8-byte aligned";
	wr64((u32)a, v);
	return NULL;
}

static const char *cmd_fill(void)
{
	u64 a = pos_num(1), n = pos_num(2), v = pos_num(3);
	const char *e = done_parsing();
	if (e) return e;
	CHECK32(a + n, "fill end");
	if ((a | n) & 7) return "fill address and length must be 8-byte aligned";
	for (u64 i = 0; i < n; i += 8) wr64((u32)(a + i), v);
	return NULL;
}

static const char *cmd_peek(void)
{
	u64 a = pos_num(1), n = num("n", 1, NULL);
	const char *e = done_parsing();
	if (e) return e;
	CHECK32(a, "peek address");
	for (u64 i = 0; i < n; i++) pr("VAL 0x%x 0x%X\n", (u32)a + (u32)i * 8, rd64((u32)a + (u32)i * 8));
	return NULL;
}

static const char *cmd_reg(int width)
{
	u64 off = pos_num(1), v = pos_num(2);
	const char *e = done_parsing();
	if (e) return e;
	if (off > 0xffc || (off & (width / 8 - 1))) return "bad register offset";
	if (width == 32) wr32(VTD + (u32)off, (u32)v);
	else { wr32(VTD + (u32)off, (u32)v); wr32(VTD + (u32)off + 4, (u32)(v >> 32)); }
	return NULL;
}

static const char *cmd_rdreg(void)
{
	u64 off = pos_num(1);
	const char *e = done_parsing();
	if (e) return e;
	if (off > 0xff8 || (off & 3)) return "bad register offset";
	pr("REG 0x%x 0x%X\n", (u32)off, rd64(VTD + (u32)off));
	return NULL;
}

/* Latch RTADDR: the root table with SMT in scalable mode, or any value. */
static const char *set_rtaddr(bool given, u64 v)
{
	const char *e;
	if (!given) {
		if ((e = ensure_root())) return e;
		v = root | (scalable ? 1u << 10 : 0);
	}
	wr32(VTD + R_RTADDR + 4, (u32)(v >> 32));
	wr32(VTD + R_RTADDR, (u32)v);
	return gcmd(G_SRTP, true, "RTPS");
}

static const char *cmd_enable(void)
{
	const char *e = done_parsing();
	if (e || (e = set_rtaddr(false, 0))) return e;
	return gcmd(G_TE, true, "TES");
}

static const char *cmd_srtp(void)
{
	bool given;
	u64 v = num("rtaddr", 0, &given);
	const char *e = done_parsing();
	return e ? e : set_rtaddr(given, v);
}

static const char *cmd_disable(void)
{
	const char *e = done_parsing();
	return e ? e : gcmd(G_TE, false, "TES");
}

/* ---------------------------------------------------------- invalidation queue */

static u32 iq_base, iq_entries, iq_tail, iq_dsz;
static u32 wait_status;		/* status word page for wait descriptors */
static u32 wait_seq;

static const char *cmd_qi(void)
{
	if (ntok >= 2 && seq(tok[1], "off")) {
		used[1] = true;
		const char *e = done_parsing();
		if (e || (e = gcmd(G_QIE, false, "QIES"))) return e;
		iq_base = 0;
		return NULL;
	}
	if (ntok < 2 || !seq(tok[1], "on")) return "usage: qi on [size=4k|8k] [dw=128|256] [at=ADDR] | qi off";
	used[1] = true;
	u64 size = num("size", 4096, NULL), dw = num("dw", scalable ? 256 : 128, NULL);
	u64 at = num("at", 0, NULL);
	const char *e = done_parsing();
	if (e) return e;
	if (size != 4096 && size != 8192 && size != 16384 && size != 32768) return "size must be 4k..32k";
	if (dw != 128 && dw != 256) return "dw must be 128 or 256";
	u32 qs = size == 4096 ? 0 : size == 8192 ? 1 : size == 16384 ? 2 : 3;
	if (at) {
		CHECK32(at, "queue");
		if (at & 0xfff) return "queue must be 4 KiB aligned";
		iq_base = (u32)at;
		memset((void *)iq_base, 0, (u32)size);
	} else if ((e = alloc_pages((u32)size, &iq_base))) {
		return e;
	}
	if (!wait_status && (e = alloc_pages(4096, &wait_status))) return e;
	iq_dsz = dw == 256 ? 32 : 16;
	iq_entries = (u32)size / iq_dsz;
	iq_tail = 0;
	/* QIE must be clear while IQA changes; the queue restarts at 0. */
	if (rd32(VTD + R_GSTS) & G_QIE && (e = gcmd(G_QIE, false, "QIES"))) return e;
	wr32(VTD + R_IQT, 0);
	wr32(VTD + R_IQA + 4, 0);
	wr32(VTD + R_IQA, iq_base | (dw == 256 ? 1u << 11 : 0) | qs);
	return gcmd(G_QIE, true, "QIES");
}

/* Submit one descriptor and wait until the hardware consumed it. */
static const char *submit(const u64 *d)
{
	if (!iq_base) return "qi is not on";
	u32 slot = iq_base + iq_tail * iq_dsz;
	for (u32 i = 0; i < iq_dsz / 8; i++) wr64(slot + i * 8, d[i]);
	iq_tail = (iq_tail + 1) % iq_entries;
	u32 t = iq_tail * iq_dsz;
	wr32(VTD + R_IQT + 4, 0);
	wr32(VTD + R_IQT, t);
	u64 dl = deadline(2000);
	for (;;) {
		u32 fsts = rd32(VTD + R_FSTS);
		if (fsts & 0x70)
			return errf("FSTS 0x%x (IQE/ICE/ITE) IQH 0x%X IQER 0x%X", fsts,
				    rd64(VTD + R_IQH), rd64(VTD + R_IQER));
		if ((rd32(VTD + R_IQH) & 0x7fff0) == t)
			return NULL;
		if (expired(dl))
			return errf("IQH 0x%x did not reach IQT 0x%x", rd32(VTD + R_IQH), t);
	}
}

static const char *cmd_inv(void)
{
	u64 d[4] = { 0, 0, 0, 0 };
	if (ntok < 2) return "usage: inv TYPE ...";
	const char *t = tok[1];
	used[1] = true;
	u32 sid = 0;
	if (seq(t, "cc")) {
		static const char *const g[] = { NULL, "global", "domain", "device" };
		int gran = choice("gran", g, 4, 1);
		u64 did = num("did", 0, NULL), fm = num("fm", 0, NULL);
		kv_bdf("sid", &sid);
		d[0] = 1 | (u64)(gran & 3) << 4 | (did & 0xffff) << 16 | (u64)sid << 32 | (fm & 3) << 48;
	} else if (seq(t, "iotlb")) {
		static const char *const g[] = { NULL, "global", "domain", "page" };
		int gran = choice("gran", g, 4, 1);
		u64 did = num("did", 0, NULL), addr = num("addr", 0, NULL), am = num("am", 0, NULL);
		bool dr = flag("dr"), dw = flag("dw"), ih = flag("ih");
		d[0] = 2 | (u64)(gran & 3) << 4 | (u64)dw << 6 | (u64)dr << 7 | (did & 0xffff) << 16;
		d[1] = (addr & ADDR_MASK) | (u64)ih << 6 | (am & 0x3f);
	} else if (seq(t, "devtlb") || seq(t, "pdevtlb")) {
		bool p = t[0] == 'p';
		u64 pfsid = num("pfsid", 0, NULL), qdep = num("qdep", 0, NULL), addr = num("addr", 0, NULL);
		u64 pasid = p ? need("pasid") : 0;
		bool s = flag("s"), gl = p ? flag("g") : false;
		if (!kv_bdf("sid", &sid) && !perr) perr = "missing sid=";
		u64 pf = (pfsid & 0xf) << 12 | (pfsid & 0xfff0) << 48;
		if (!p) {
			d[0] = 3 | pf | (qdep & 0x1f) << 16 | (u64)sid << 32;
			d[1] = (addr & ADDR_MASK) | (u64)s;
		} else {
			d[0] = 8 | pf | (qdep & 0x1f) << 4 | (u64)sid << 16 | (pasid & 0xfffff) << 32;
			d[1] = (addr & ADDR_MASK) | (u64)s << 11 | (u64)gl;
		}
	} else if (seq(t, "iec")) {
		bool sel;
		u64 idx = num("idx", 0, &sel), im = num("im", 0, NULL);
		d[0] = 4 | (u64)sel << 4 | (im & 0x1f) << 27 | (idx & 0xffff) << 32;
	} else if (seq(t, "wait")) {
		bool nosw = flag("nosw"), fn = flag("fn"), ifl = flag("if"), pd = flag("pd");
		bool dgiven, agiven;
		u64 data = num("data", wait_seq + 1, &dgiven), addr = num("addr", 0, &agiven);
		const char *e = done_parsing();
		if (e) return e;
		if (!agiven) addr = wait_status;
		CHECK32(addr, "status address");
		if (!nosw) {
			wait_seq = (u32)data;
			wr32((u32)addr, ~(u32)data);
		}
		d[0] = 5 | (u64)ifl << 4 | (u64)!nosw << 5 | (u64)fn << 6 | (u64)pd << 7 | (data & 0xffffffff) << 32;
		d[1] = addr;
		if ((e = submit(d))) return e;
		if (nosw) return NULL;
		u64 dl = deadline(2000);
		while (rd32((u32)addr) != (u32)data)
			if (expired(dl)) return errf("wait status 0x%x never written", (u32)data);
		pr("WAIT done data=0x%x\n", (u32)data);
		return NULL;
	} else if (seq(t, "piotlb")) {
		static const char *const g[] = { NULL, NULL, "pasid", "page" };
		int gran = choice("gran", g, 4, 2);
		u64 did = need("did"), pasid = need("pasid"), addr = num("addr", 0, NULL), am = num("am", 0, NULL);
		bool ih = flag("ih");
		d[0] = 6 | (u64)(gran & 3) << 4 | (did & 0xffff) << 16 | (pasid & 0xfffff) << 32;
		d[1] = (addr & ADDR_MASK) | (u64)ih << 6 | (am & 0x3f);
	} else if (seq(t, "pc")) {
		static const char *const g[] = { "domain", "pasid", NULL, "global" };
		int gran = choice("gran", g, 4, 1);
		u64 did = num("did", 0, NULL), pasid = num("pasid", 0, NULL);
		d[0] = 7 | (u64)(gran & 3) << 4 | (did & 0xffff) << 16 | (pasid & 0xfffff) << 32;
	} else if (seq(t, "raw")) {
		for (int i = 0; i < 4; i++) if (i + 2 < ntok) d[i] = pos_num(i + 2);
		if (ntok < 4) return "usage: inv raw QW0 QW1 [QW2 QW3]";
	} else {
		return errf("unknown descriptor type %s", t);
	}
	const char *e = done_parsing();
	return e ? e : submit(d);
}

/* ------------------------------------------------------- interrupt remapping */

static u32 irt_base, irt_entries;

static const char *cmd_ir(void)
{
	if (ntok >= 2 && seq(tok[1], "off")) {
		used[1] = true;
		const char *e = done_parsing();
		return e ? e : gcmd(G_IRE, false, "IRES");
	}
	if (ntok < 2 || !seq(tok[1], "on")) return "usage: ir on size=N [eime] [cfi] [at=ADDR] [noenable] | ir off";
	used[1] = true;
	u64 n = num("size", 256, NULL), at = num("at", 0, NULL);
	bool eime = flag("eime"), cfi = flag("cfi"), noen = flag("noenable");
	const char *e = done_parsing();
	if (e) return e;
	u32 s = 0;
	while (s < 16 && (2ULL << s) != n) s++;
	if (s == 16) return "size must be a power of two, 2..65536";
	if (at) {
		CHECK32(at, "IRT");
		if (at & 0xfff) return "IRT must be 4 KiB aligned";
		irt_base = (u32)at;
		memset((void *)irt_base, 0, (u32)n * 16);
	} else if ((e = alloc_pages((u32)n * 16, &irt_base))) {
		return e;
	}
	irt_entries = (u32)n;
	wr32(VTD + R_IRTA + 4, 0);
	wr32(VTD + R_IRTA, irt_base | (eime ? 1u << 11 : 0) | s);
	if ((e = gcmd(G_SIRTP, true, "IRTPS"))) return e;
	if (cfi && (e = gcmd(G_CFI, true, "CFIS"))) return e;
	return noen ? NULL : gcmd(G_IRE, true, "IRES");
}

static const char *cmd_irte(void)
{
	u64 idx = pos_num(1);
	u64 vec = num("vector", 0, NULL), dest = num("dest", 0, NULL), dlm = num("dlm", 0, NULL);
	u64 sq = num("sq", 0, NULL), svt = num("svt", 0, NULL), pda = num("pda", 0, NULL);
	bool dm = flag("dm"), rh = flag("rh"), tm = flag("tm"), fpd = flag("fpd");
	bool posted = flag("posted"), urg = flag("urg"), np = flag("np");
	u32 sid = 0;
	bool hsid = kv_bdf("sid", &sid);
	const char *e = done_parsing();
	if (e) return e;
	if (!irt_base) return "ir is not on";
	if (idx >= irt_entries) return errf("index %d beyond the table (%d entries)", (u32)idx, irt_entries);
	if (hsid && !svt) svt = 1;
	u64 lo, hi = (u64)sid | (sq & 3) << 16 | (svt & 3) << 18;
	if (posted) {
		lo = (u64)fpd << 1 | (u64)urg << 14 | 1ULL << 15 | (vec & 0xff) << 16 | ((pda >> 6) & 0x3ffffff) << 38;
		hi |= (pda >> 32) << 32;
	} else {
		lo = (u64)fpd << 1 | (u64)dm << 2 | (u64)rh << 3 | (u64)tm << 4 | (dlm & 7) << 5 |
		     (vec & 0xff) << 16 | (dest & 0xffffffff) << 32;
	}
	u32 a = irt_base + (u32)idx * 16;
	wr64(a + 8, hi);
	wr64_plast(a, lo | (np ? 0 : 1));
	return NULL;
}

/* -------------------------------------------------------------------- faults */

static u32 frcd_base(void) { return VTD + (u32)((cap >> 24) & 0x3ff) * 16; }
static u32 frcd_count(void) { return (u32)((cap >> 40) & 0xff) + 1; }

static void print_faults(void)
{
	pr("FSTS 0x%x\n", rd32(VTD + R_FSTS));
	for (u32 i = 0; i < frcd_count(); i++) {
		u32 a = frcd_base() + i * 16;
		u64 hi = rd64(a + 8), lo = rd64(a);
		if (!(hi >> 63)) continue;
		pr("FAULT %d fr=0x%x sid=%b %s addr=0x%X pasid=%s0x%x raw=0x%X:0x%X\n", i,
		   (u32)(hi >> 32) & 0xff, (u32)hi & 0xffff,
		   (hi >> 62) & 1 ? "read" : "write", lo & ADDR_MASK,
		   (hi >> 31) & 1 ? "" : "none:", (u32)(hi >> 40) & 0xfffff, hi, lo);
	}
}

static const char *cmd_faults(void)
{
	const char *e = done_parsing();
	if (!e) print_faults();
	return e;
}

static const char *cmd_clearfaults(void)
{
	const char *e = done_parsing();
	if (e) return e;
	for (u32 i = 0; i < frcd_count(); i++)
		wr32(frcd_base() + i * 16 + 12, 0x80000000u);
	wr32(VTD + R_FSTS, 0x83);	/* PFO | PPF | PRO */
	return NULL;
}

/* ---------------------------------------------------------------- edu DMA */

static u32 pci_rd(u32 bus, u32 devfn, u32 off)
{
	outl(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
	return inl(0xcfc);
}

static void pci_wr(u32 bus, u32 devfn, u32 off, u32 v)
{
	outl(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
	outl(0xcfc, v);
}

#define EDU_BUF 0x40000u

static const char *cmd_dma(void)
{
	u32 bus, devfn;
	pos_bdf(1, &bus, &devfn);
	bool pgiven;
	u64 pasid = num("pasid", 0, &pgiven);
	u64 iova = need("iova"), len = num("len", 8, NULL);
	bool rd = flag("read"), wrt = flag("write");
	const char *e = done_parsing();
	(void)pasid;
	if (e) return e;
	if (pgiven) return "the edu device cannot issue PASID-tagged DMA (it uses RID_PASID)";
	if (rd == wrt) return "say read or write";
	if (!len || len > 4096) return "len must be 1..4096 (edu buffer)";
	if (!addr32(iova)) return "iova must be below 4 GiB (edu takes 32-bit writes)";
	u32 id = pci_rd(bus, devfn, 0);
	if (id != 0x11e81234) return errf("%b is not an edu device (id 0x%x)", bus << 8 | devfn, id);
	u32 bar = pci_rd(bus, devfn, 0x10) & ~0xfu;
	if (!bar) {
		bar = 0xfe000000u;	/* no firmware assignment: pick one */
		pci_wr(bus, devfn, 0x10, bar);
	}
	pci_wr(bus, devfn, 0x04, (pci_rd(bus, devfn, 0x04) & 0xffff) | 0x6);	/* MEM | BME */
	if (rd32(bar + 0x98) & 1) return "edu DMA already running";
	/* read: device reads guest memory at iova into its buffer (edu FROM_PCI);
	 * write: device writes its buffer to iova (edu TO_PCI). */
	wr32(bar + 0x80, rd ? (u32)iova : EDU_BUF);
	wr32(bar + 0x88, rd ? EDU_BUF : (u32)iova);
	wr32(bar + 0x90, (u32)len);
	wr32(bar + 0x98, rd ? 1 : 3);
	u64 dl = deadline(5000);
	while (rd32(bar + 0x98) & 1)
		if (expired(dl)) return "edu DMA did not complete";
	pr("DMA done %s iova=0x%x len=%d\n", rd ? "read" : "write", (u32)iova, (u32)len);
	print_faults();
	return NULL;
}

static const char *cmd_echo(void)
{
	for (int i = 1; i < ntok; i++) { used[i] = true; pr("%s%s", i > 1 ? " " : "", tok[i]); }
	pr("\n");
	return NULL;
}

static const char *cmd_info(void)
{
	const char *e = done_parsing();
	if (e) return e;
	pr("INFO cap=0x%X ecap=0x%X gsts=0x%x rtaddr=0x%X root=0x%x heap=0x%x ram_top=0x%x mode=%s\n",
	   cap, ecap, rd32(VTD + R_GSTS), rd64(VTD + R_RTADDR), root, heap_next, ram_top,
	   scalable ? "scalable" : "legacy");
	return NULL;
}

/* `halt`: once READY is printed (or at once, typed live), stop the CPU with
 * interrupts off instead of polling COM1: an idle guest then costs its host
 * no CPU (QEMU's vCPU thread sleeps, and with the PIT stopped no timer of
 * QEMU's runs for it: 64 such guests took 12 % of a core with the PIT
 * ticking, nothing measurable without), which is what a fleet of them needs.
 * Its tables stay readable from the host; it answers no further lines. */
static bool halt_when_idle;

static const char *cmd_halt(void)
{
	const char *e = done_parsing();
	if (e) return e;
	halt_when_idle = true;
	return NULL;
}

static void halt_forever(void)
{
	/* PIT channel 0 (SeaBIOS leaves it ticking at 18.2 Hz) to mode 0, a
	 * single count: QEMU then has no timer to run for this guest */
	outb(0x43, 0x30);
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ----------------------------------------------------------------- dispatch */

static const char *run_line(char *line)
{
	tokenize(line);
	perr = NULL;
	if (!ntok) return NULL;
	const char *c = tok[0];
	if (seq(c, "mode")) return cmd_mode();
	if (seq(c, "root")) return cmd_root();
	if (seq(c, "heap")) return cmd_heap();
	if (seq(c, "ctxtable")) return cmd_ctxtable();
	if (seq(c, "ctx")) return cmd_ctx();
	if (seq(c, "noctx")) return cmd_noctx();
	if (seq(c, "pasid")) return cmd_pasid();
	if (seq(c, "nopasid")) return cmd_nopasid();
	if (seq(c, "map")) return cmd_map();
	if (seq(c, "raw")) return cmd_raw();
	if (seq(c, "fill")) return cmd_fill();
	if (seq(c, "peek")) return cmd_peek();
	if (seq(c, "reg32")) return cmd_reg(32);
	if (seq(c, "reg64")) return cmd_reg(64);
	if (seq(c, "rdreg")) return cmd_rdreg();
	if (seq(c, "enable")) return cmd_enable();
	if (seq(c, "srtp")) return cmd_srtp();
	if (seq(c, "disable")) return cmd_disable();
	if (seq(c, "qi")) return cmd_qi();
	if (seq(c, "inv")) return cmd_inv();
	if (seq(c, "ir")) return cmd_ir();
	if (seq(c, "irte")) return cmd_irte();
	if (seq(c, "dma")) return cmd_dma();
	if (seq(c, "faults")) return cmd_faults();
	if (seq(c, "clearfaults")) return cmd_clearfaults();
	if (seq(c, "echo")) return cmd_echo();
	if (seq(c, "info")) return cmd_info();
	if (seq(c, "halt")) return cmd_halt();
	return errf("unknown command %s", c);
}

static bool blank(const char *s)
{
	for (; *s && *s != '#'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r') return false;
	return true;
}

struct mbinfo { u32 flags, mem_lower, mem_upper; };

void main(u32 magic, struct mbinfo *mbi);
void main(u32 magic, struct mbinfo *mbi)
{
	serial_init();
	if (magic == 0x2BADB002 && (mbi->flags & 1))
		ram_top = 0x100000 + mbi->mem_upper * 1024;
	cap = rd64(VTD + R_CAP);
	ecap = rd64(VTD + R_ECAP);
	pr("\nvtdguest: cap=0x%X ecap=0x%X ram_top=0x%x\n", cap, ecap, ram_top);

	int n = fwcfg_load("opt/vtd/scenario");
	u32 errors = 0;
	if (n < 0) {
		pr("vtdguest: no opt/vtd/scenario in fw_cfg\n");
	} else {
		u32 lineno = 0;
		char *p = scenario;
		while (*p) {
			char *l = p;
			while (*p && *p != '\n') p++;
			if (*p) *p++ = 0;
			lineno++;
			if (blank(l)) continue;
			const char *e = run_line(l);
			if (e) { pr("ERR line %d: %s\n", lineno, e); errors++; }
		}
	}
	pr("SCENARIO lines applied, errors=%d\n", errors);
	pr("READY\n");
	if (halt_when_idle)
		halt_forever();

	static char line[4096];
	u32 len = 0;
	for (;;) {
		if (halt_when_idle)
			halt_forever();
		int c = getc_nb();
		if (c < 0) { __asm__ volatile("pause"); continue; }
		if (c == '\n' || c == '\r') {
			line[len] = 0;
			len = 0;
			if (blank(line)) continue;
			const char *e = run_line(line);
			if (e) pr("ERR %s\n", e);
			else pr("OK\n");
			continue;
		}
		if (len < sizeof(line) - 1) line[len++] = (char)c;
	}
}
