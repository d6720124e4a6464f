// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl: a libvirt domain as a source.
 *
 * Memory and registers: LV(virDomainMemoryPeek)(VIR_MEMORY_PHYSICAL), which does
 * not taint the domain, in calls of at most LV_PEEK_MAX bytes. Peek reads
 * zeros beyond RAM instead of failing, so the RAM map decides what is RAM.
 *
 * The monitor (virDomainQemuMonitorCommand) makes libvirt mark the domain
 * tainted ("custom-monitor"). Unless --no-monitor, it is used from the open:
 * `info mtree -f -o` gives the exact RAM map and the IOMMU base (as --qmp
 * has them), and on a local URI as root, gpa2hva lets guest RAM be read from
 * /proc/PID/mem (access "proc-mem"). With --no-monitor: RAM from the domain
 * XML and q35's layout (lv_q35_ram_ranges), the base at 0xfed90000, peek
 * only (access "peek"), and the monitor op answers -ENOTSUP.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "libvirt/lv.h"
#include "source/monitor.h"
#include "source/procmem.h"

#define MAX_CMDLINE	(1u << 20)

struct lv_priv {
	virConnectPtr conn;
	virDomainPtr dom;
	char uuid[VIR_UUID_STRING_BUFLEN];
	bool no_monitor;
	bool noticed;		/* the taint line was said */
	struct procmem pm;	/* /proc/PID/mem (monitor only), else peek */
};

static struct lv_priv *P(const struct vtd_source *src)
{
	return src->priv;
}

static void default_notice(const char *msg)
{
	fprintf(stderr, "vtdctl: %s\n", msg);
}

void (*libvirt_notice)(const char *msg) = default_notice;

/* ------------------------------------------------------------------------ */
/* Peek                                                                     */

static int peek(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *dst = buf;

	while (len) {
		size_t n = len < LV_PEEK_MAX ? len : LV_PEEK_MAX;

		src->nr_calls++;
		if (LV(virDomainMemoryPeek)(P(src)->dom, gpa, n, dst, VIR_MEMORY_PHYSICAL)) {
			source_set_error(src, "peek 0x%" PRIx64 " (%zu bytes): %s", gpa,
					 n, lv_last_error());
			return -EIO;
		}
		gpa += n;
		dst += n;
		len -= n;
	}
	return 0;
}

static uint64_t le_value(const uint8_t *b, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int lv_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
		       uint64_t *val)
{
	uint8_t b[8];
	int rc;

	if ((width != 32 && width != 64) || (off & (width / 8 - 1)) ||
	    src->mmio_base + off < src->mmio_base)
		return -EINVAL;
	rc = peek(src, src->mmio_base + off, b, width / 8);
	if (!rc)
		*val = le_value(b, width / 8);
	return rc;
}

/* n qwords from 8-aligned off in one peek: QEMU reads MMIO in naturally
 * aligned 8-byte accesses then, never an 8-byte access of a *_HI half. */
static int lv_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
			uint64_t *vals)
{
	uint8_t *b;
	int rc;

	if ((off & 7) || n == 0 || n > 512 || src->mmio_base + off < src->mmio_base)
		return -EINVAL;
	b = malloc((size_t)n * 8);
	if (!b)
		return -ENOMEM;
	rc = peek(src, src->mmio_base + off, b, (size_t)n * 8);
	for (unsigned i = 0; !rc && i < n; i++)
		vals[i] = le_value(b + 8 * i, 8);
	free(b);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Monitor                                                                  */

/* The reply text of virDomainQemuMonitorCommand: {"return": ...} or
 * {"error": {...}} (libvirt passes QEMU's reply through). */
static int parse_reply(struct vtd_source *src, const char *cmd, const char *text,
		       struct json_object **ret)
{
	struct json_object *obj, *v;
	int rc = -EPROTO;

	if (strlen(text) > QMP_MAX_REPLY) {
		source_set_error(src, "QMP %s: reply larger than %u bytes", cmd, QMP_MAX_REPLY);
		return -EPROTO;
	}
	{
		struct qmp_scan sc = { 0 };
		char why[96];

		if (qmp_scan_reply(&sc, text, strlen(text), why, sizeof(why)) < 0) {
			source_set_error(src, "QMP %s: %s", cmd, why);
			return -EPROTO;
		}
	}
	obj = json_tokener_parse(text);
	if (!json_object_is_type(obj, json_type_object)) {
		source_set_error(src, "QMP %s: malformed reply through libvirt", cmd);
	} else if (json_object_object_get_ex(obj, "return", &v)) {
		if (ret)
			*ret = json_object_get(v);
		rc = 0;
	} else if (json_object_object_get_ex(obj, "error", &v) &&
		   json_object_is_type(v, json_type_object)) {
		rc = monitor_error(src, cmd, v);
	} else {
		source_set_error(src, "QMP %s: reply has neither return nor error", cmd);
	}
	json_object_put(obj);
	return rc;
}

static void say_taint_once(struct vtd_source *src)
{
	char msg[700];

	if (P(src)->noticed)
		return;
	P(src)->noticed = true;
	snprintf(msg, sizeof(msg),
		 "%s: using the QEMU monitor through libvirt: the domain gets marked tainted (custom-monitor); --no-monitor avoids it",
		 src->target);
	if (libvirt_notice)
		libvirt_notice(msg);
}

static int lv_monitor(struct vtd_source *src, const char *cmd,
		      struct json_object *args, struct json_object **ret)
{
	struct json_object *req;
	char *reply = NULL;
	int rc;

	if (ret)
		*ret = NULL;
	if (P(src)->no_monitor) {
		source_set_error(src, "%s: no monitor (--no-monitor)", src->target);
		return -ENOTSUP;
	}
	rc = qmp_check_allowed(cmd, args, src->error, sizeof(src->error));
	if (rc)
		return rc;
	req = json_object_new_object();
	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	say_taint_once(src);
	src->nr_calls++;
	if (LV(virDomainQemuMonitorCommand)(P(src)->dom,
					json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
					&reply, 0)) {
		source_set_error(src, "QMP %s through libvirt: %s", cmd, lv_last_error());
		rc = -EIO;
	} else {
		rc = parse_reply(src, cmd, reply ? reply : "", ret);
	}
	free(reply);
	json_object_put(req);
	return rc;
}

static int lv_hmp(struct vtd_source *src, const char *cmdline, char **out)
{
	return monitor_hmp(src, lv_monitor, cmdline, out);
}

/* /proc/PID/mem translated with gpa2hva (monitor only), else peek */
static int lv_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	return procmem_read(src, &P(src)->pm, gpa, buf, len);
}

/* ------------------------------------------------------------------------ */
/* The QEMU process of a local domain                                       */

/* Does /proc/PID/cmdline hold "-uuid" followed by uuid? */
static bool pid_runs_domain(int pid, const char *uuid)
{
	char path[64], *buf;
	ssize_t n, got = 0;
	bool found = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	buf = malloc(MAX_CMDLINE + 1);
	while (buf && got < MAX_CMDLINE &&
	       (n = read(fd, buf + got, MAX_CMDLINE - got)) > 0)
		got += n;
	close(fd);
	if (!buf)
		return false;
	buf[got] = 0;
	for (char *a = buf; a < buf + got; a += strlen(a) + 1)
		if (!strcmp(a, "-uuid") && a + strlen(a) + 1 < buf + got &&
		    !strcasecmp(a + strlen(a) + 1, uuid))
			found = true;
	free(buf);
	return found;
}

static int pid_from_file(const char *path, const char *uuid)
{
	char buf[32] = "";
	FILE *f = fopen(path, "re");
	long pid;

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid < INT32_MAX && pid_runs_domain((int)pid, uuid) ? (int)pid : 0;
}

/*
 * libvirt's pid file (/run/libvirt/qemu/NAME.pid for qemu:///system,
 * $XDG_RUNTIME_DIR/libvirt/qemu/run/NAME.pid for a session), checked against
 * the process's -uuid; else the one process whose -uuid is the domain's (a
 * libvirtd with other run directories, e.g. in a mount namespace).
 */
static int find_qemu_pid(const char *name, const char *uuid)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char path[600];
	struct dirent *de;
	DIR *d;
	int pid = 0;

	if (strchr(name, '/'))
		return 0;
	snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name);
	pid = pid_from_file(path, uuid);
	if (!pid && xdg) {
		snprintf(path, sizeof(path), "%s/libvirt/qemu/run/%s.pid", xdg, name);
		pid = pid_from_file(path, uuid);
	}
	if (pid || !(d = opendir("/proc")))
		return pid;
	while (!pid && (de = readdir(d))) {
		long v = strtol(de->d_name, NULL, 10);

		if (v > 0 && v < INT32_MAX && pid_runs_domain((int)v, uuid))
			pid = (int)v;
	}
	closedir(d);
	return pid;
}

static void setup_proc_mem(struct vtd_source *src, const struct libvirt_open_opts *opts)
{
	struct lv_priv *p = P(src);
	char *uri;
	bool local;
	int pid;

	if ((opts && opts->no_proc_mem) || p->no_monitor)
		return;
	uri = LV(virConnectGetURI)(p->conn);
	local = uri && lv_uri_is_local(uri);
	free(uri);
	if (!local)
		return;
	pid = find_qemu_pid(src->target, p->uuid);
	if (!pid)
		return;
	src->pid = pid;
	procmem_open(src, &p->pm, pid);
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */

static void lv_close(struct vtd_source *src)
{
	struct lv_priv *p = P(src);

	if (!p)
		return;
	procmem_close(&p->pm);
	if (p->dom)
		LV(virDomainFree)(p->dom);
	if (p->conn)
		LV(virConnectClose)(p->conn);
	free(p);
	src->priv = NULL;
}

static const struct vtd_source_ops lv_ops = {
	.kind = "libvirt",
	.read = lv_read,
	.read_reg = lv_read_reg,
	.read_regs = lv_read_regs,
	.monitor = lv_monitor,
	.close = lv_close,
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* As virsh: an id, then a UUID, then a name. */
static virDomainPtr lookup_domain(virConnectPtr conn, const char *domain)
{
	virDomainPtr dom = NULL;

	if (all_digits(domain) && strlen(domain) < 10)
		dom = LV(virDomainLookupByID)(conn, atoi(domain));
	if (!dom && strlen(domain) == VIR_UUID_STRING_BUFLEN - 1)
		dom = LV(virDomainLookupByUUIDString)(conn, domain);
	if (!dom)
		dom = LV(virDomainLookupByName)(conn, domain);
	return dom;
}

/* RAM and IOMMU base as QEMU says (`info mtree -f -o`, as --qmp has them). */
static int ram_from_monitor(struct vtd_source *src)
{
	struct qmp_mmio_region iommu;

	return procmem_load_map(src, &P(src)->pm, &iommu);
}

/* RAM from the XML: boot RAM (<memory> less hotplugged DIMMs) on q35. */
static int ram_from_xml(struct vtd_source *src, const struct lv_domain_facts *f)
{
	struct ram_range r[3];
	uint64_t boot = f->memory > f->dimm_memory ? f->memory - f->dimm_memory : 0;
	size_t n;
	int rc = 0;

	if (strcmp(f->machine, "q35") && strncmp(f->machine, "pc-q35-", 7)) {
		source_set_error(src, "%s: machine '%s': its RAM layout is known only through the monitor (drop --no-monitor)",
				 src->target, f->machine);
		return -ENOTSUP;
	}
	n = lv_q35_ram_ranges(boot, r);
	if (!n) {
		source_set_error(src, "%s: no <memory> size in the domain XML", src->target);
		return -EPROTO;
	}
	for (size_t i = 0; !rc && i < n; i++)
		rc = source_add_ram(src, r[i].start, r[i].size);
	src->mmio_base = VTD_DEFAULT_MMIO_BASE;
	return rc;
}

/* The domain: found, running, with an Intel IOMMU; its facts. */
static int open_domain(struct vtd_source *src, const char *domain,
		       struct lv_domain_facts *f)
{
	struct lv_priv *p = P(src);

	p->dom = lookup_domain(p->conn, domain);
	if (!p->dom) {
		char *uri = LV(virConnectGetURI)(p->conn);

		source_set_error(src, "no domain '%s' on %s", domain, uri ? uri : "?");
		free(uri);
		return -ENOENT;
	}
	snprintf(src->target, sizeof(src->target), "%s", LV(virDomainGetName)(p->dom));
	if (LV(virDomainGetUUIDString)(p->dom, p->uuid))
		p->uuid[0] = 0;
	if (LV(virDomainIsActive)(p->dom) != 1) {
		source_set_error(src, "domain %s is not running", src->target);
		return -ESRCH;
	}
	if (lv_domain_facts(p->dom, f, src->error, sizeof(src->error)))
		return -EPROTO;
	if (!f->intel_iommu) {
		source_set_error(src, "domain %s has no Intel IOMMU (no <iommu model='intel'/> nor -device intel-iommu)",
				 src->target);
		return -ENODEV;
	}
	return 0;
}

struct vtd_source *libvirt_source_open(const char *domain,
				       const struct libvirt_open_opts *opts,
				       char *err, size_t errlen)
{
	struct vtd_source *src = calloc(1, sizeof(*src));
	struct lv_priv *p = calloc(1, sizeof(*p));
	struct lv_domain_facts f;
	const char *uri = lv_default_uri(opts ? opts->uri : NULL);
	int rc;

	if (!src || !p) {
		snprintf(err, errlen, "out of memory");
		free(src);
		free(p);
		return NULL;
	}
	src->ops = &lv_ops;
	src->priv = p;
	src->access = "peek";
	p->pm = (struct procmem){
		.fd = -1, .hmp = lv_hmp, .slow_read = peek,
		.slow_access = "peek",
	};
	p->no_monitor = opts && opts->no_monitor;
	snprintf(src->target, sizeof(src->target), "%s", domain);
	p->conn = lv_connect(uri, false, err, errlen);
	if (!p->conn) {
		source_close(src);
		return NULL;
	}
	rc = open_domain(src, domain, &f);
	if (!rc)
		rc = p->no_monitor ? ram_from_xml(src, &f) : ram_from_monitor(src);
	if (rc) {
		snprintf(err, errlen, "%s", src->error[0] ? src->error : strerror(-rc));
		source_close(src);
		return NULL;
	}
	setup_proc_mem(src, opts);
	return src;
}
