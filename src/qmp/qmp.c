// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: the QMP source backend: transport, memory and register reads. */
#define _GNU_SOURCE	/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qmp/qmp.h"
#include "qmp/peers.h"
#include "source/procmem.h"

#define QMP_DEFAULT_TIMEOUT_MS	10000
/* What to do when QEMU's one client place on a socket is taken. */
#define QMP_BUSY_HINT "QEMU serves one client per -qmp socket: quit that client, " \
	"or give QEMU a second socket for vtdctl (-qmp unix:PATH,server=on,wait=off); " \
	"libvirt domains (--vm) have no such limit"
#define XP_MAX_QWORDS		(64u * 1024)	/* per xp call: 512 KiB */

struct qmp_priv {
	int fd;
	int timeout_ms;
	bool broken;		/* a transport error left the stream unusable */
	unsigned long next_id;
	size_t max_reply;
	json_tokener *tok;
	char rbuf[65536];
	size_t rlen, roff;

	bool mmio_default;

	char addr[512];		/* what qmp_source_open() connected to, "" if an fd */
	int pid;		/* peer (QEMU) pid from SO_PEERCRED, 0 if unknown */
	struct procmem pm;	/* RAM through /proc/PID/mem, else xp */

	bool have_version;
	int ver[3];
	char package[128];
};

static struct qmp_priv *P(const struct vtd_source *src)
{
	return src->priv;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A transport failure: remember that the stream is out of step. */
static int fail(struct vtd_source *src, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct vtd_source *src, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(src->error, sizeof(src->error), fmt, ap);
	va_end(ap);
	P(src)->broken = true;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Transport                                                                */

/* Wait until the socket is ready for events, or fail at the deadline
 * ("QMP: <late> <timeout> ms"). 0 or a negative errno. */
static int wait_ready(struct vtd_source *src, short events, int64_t deadline,
		      const char *late)
{
	struct qmp_priv *p = P(src);

	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = events };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return fail(src, -ETIMEDOUT, "QMP: %s %d ms", late,
				    p->timeout_ms);
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return fail(src, -errno, "QMP: poll: %s", strerror(errno));
	}
}

static int qmp_send(struct vtd_source *src, const char *buf, size_t len,
		    int64_t deadline)
{
	struct qmp_priv *p = P(src);

	while (len) {
		ssize_t n;
		int rc = wait_ready(src, POLLOUT, deadline, "send timed out after");

		if (rc)
			return rc;
		n = send(p->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return fail(src, -ECONNRESET, "QMP connection closed");
			return fail(src, -errno, "QMP: send: %s", strerror(errno));
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Next complete JSON value from the stream, before deadline. */
static int qmp_recv(struct vtd_source *src, int64_t deadline,
		    struct json_object **out)
{
	struct qmp_priv *p = P(src);
	struct qmp_scan sc = { 0 };
	size_t fed = 0, ok = 0;	/* ok: bytes at roff the scan accepted */

	*out = NULL;
	json_tokener_reset(p->tok);
	for (;;) {
		if (p->roff < p->rlen) {
			size_t avail = p->rlen - p->roff, used;
			struct json_object *obj;
			enum json_tokener_error jerr;

			/* never hand the tokener a value before the scan counted
			 * it, nor more than the cap allows */
			if (!ok) {
				char why[96];
				long k = qmp_scan_reply(&sc, p->rbuf + p->roff,
							avail, why, sizeof(why));

				if (k < 0)
					return fail(src, -EPROTO, "QMP: %s", why);
				ok = (size_t)k;
			}
			if (avail > ok)
				avail = ok;
			if (avail > p->max_reply + 1 - fed)
				avail = p->max_reply + 1 - fed;
			if (avail > INT32_MAX)
				avail = INT32_MAX;
			obj = json_tokener_parse_ex(p->tok, p->rbuf + p->roff, (int)avail);
			jerr = json_tokener_get_error(p->tok);
			used = json_tokener_get_parse_end(p->tok);
			if (used > avail)
				used = avail;
			p->roff += used;
			fed += used;
			ok -= used;
			if (obj && fed <= p->max_reply) {
				*out = obj;
				return 0;
			}
			json_object_put(obj);
			if (!obj && jerr != json_tokener_continue)
				return fail(src, -EPROTO, "QMP: malformed reply: %s",
					    json_tokener_error_desc(jerr));
			if (fed > p->max_reply)
				return fail(src, -EPROTO, "QMP: reply larger than %zu bytes",
					    p->max_reply);
			continue;
		}
		p->roff = p->rlen = 0;

		ssize_t n;
		int rc = wait_ready(src, POLLIN, deadline, "no reply within");

		if (rc)
			return rc;
		n = recv(p->fd, p->rbuf, sizeof(p->rbuf), MSG_DONTWAIT);
		if (n == 0)
			return fail(src, -ECONNRESET, "QMP connection closed");
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNRESET)
				return fail(src, -ECONNRESET, "QMP connection closed");
			return fail(src, -errno, "QMP: recv: %s", strerror(errno));
		}
		p->rlen = n;
	}
}

/* The one path every command takes: allowlist, send, skip events, match id. */
static int transact(struct vtd_source *src, const char *cmd,
		    struct json_object *args, struct json_object **ret,
		    bool run_control);

static int qmp_transact(struct vtd_source *src, const char *cmd,
			struct json_object *args, struct json_object **ret)
{
	return transact(src, cmd, args, ret, false);
}

/*
 * A transport error during a --pause walk left the session unusable with
 * the VM stopped: send "cont" over a new connection to the same address. A
 * QMP socket serves one client at a time, so ours is closed first.
 */
static int resume_on_new_connection(struct vtd_source *src)
{
	struct qmp_priv *p = P(src);
	struct qmp_open_opts o = { .timeout_ms = p->timeout_ms,
				   .no_proc_mem = true };
	struct vtd_source *fresh;
	char err[sizeof(src->error)];
	int rc;

	if (!p->addr[0]) {
		source_set_error(src, "QMP session unusable, and no address to connect to again");
		return -EPIPE;
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	fresh = qmp_source_open(p->addr, &o, err, sizeof(err));
	if (!fresh) {
		source_set_error(src, "a new connection failed: %s", err);
		return -EPIPE;
	}
	rc = transact(fresh, "cont", NULL, NULL, true);
	if (rc)
		source_set_error(src, "cont over a new connection: %s",
				 source_strerror(fresh, rc));
	source_close(fresh);
	return rc;
}

/*
 * --pause: the one exception to read-only, asked for by the user: "stop"
 * and "cont", and nothing else, pass without the allowlist here. A resume
 * goes over a new connection when this one broke (a timeout, a bad reply,
 * a closed socket).
 */
static int qmp_set_running(struct vtd_source *src, bool run, bool *was)
{
	struct json_object *ret = NULL;
	int rc;

	if (was) {
		rc = transact(src, "query-status", NULL, &ret, false);
		if (rc)
			return rc;
		*was = false;
		qmp_get_bool(ret, "running", was);
		json_object_put(ret);
		ret = NULL;
		if (*was == run)
			return 0;
	}
	if (run && P(src)->broken)
		return resume_on_new_connection(src);
	rc = transact(src, run ? "cont" : "stop", NULL, &ret, true);
	json_object_put(ret);
	if (rc && run && P(src)->broken)
		rc = resume_on_new_connection(src);
	return rc;
}

static int transact(struct vtd_source *src, const char *cmd,
		    struct json_object *args, struct json_object **ret,
		    bool run_control)
{
	struct qmp_priv *p = P(src);
	struct json_object *req, *obj = NULL, *v;
	char id[32];
	const char *text;
	int64_t deadline;
	int rc;

	if (ret)
		*ret = NULL;
	if (!(run_control && !args && (!strcmp(cmd, "stop") ||
				       !strcmp(cmd, "cont")))) {
		rc = qmp_check_allowed(cmd, args, src->error,
				       sizeof(src->error));
		if (rc)
			return rc;
	}
	if (p->broken) {
		source_set_error(src, "QMP session unusable after an earlier error");
		return -EPIPE;
	}
	snprintf(id, sizeof(id), "vtdctl-%lu", ++p->next_id);
	req = json_object_new_object();
	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	json_object_object_add(req, "id", json_object_new_string(id));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	deadline = now_ms() + p->timeout_ms;
	src->nr_calls++;
	rc = qmp_send(src, text, strlen(text), deadline);
	if (!rc)
		rc = qmp_send(src, "\n", 1, deadline);
	json_object_put(req);
	if (rc)
		return rc;

	for (;;) {
		rc = qmp_recv(src, deadline, &obj);
		if (rc)
			return rc;
		if (!json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			return fail(src, -EPROTO, "QMP: reply to %s is not an object", cmd);
		}
		if (json_object_object_get_ex(obj, "event", NULL)) {
			json_object_put(obj);
			continue;
		}
		break;
	}
	if (!json_object_object_get_ex(obj, "id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), id)) {
		json_object_put(obj);
		return fail(src, -EPROTO, "QMP: reply to %s has a wrong or no id", cmd);
	}
	if (json_object_object_get_ex(obj, "return", &v)) {
		if (ret)
			*ret = json_object_get(v);
		json_object_put(obj);
		return 0;
	}
	if (json_object_object_get_ex(obj, "error", &v) &&
	    json_object_is_type(v, json_type_object)) {
		rc = monitor_error(src, cmd, v);
		json_object_put(obj);
		return rc;
	}
	json_object_put(obj);
	return fail(src, -EPROTO, "QMP: reply to %s has neither return nor error", cmd);
}

int qmp_command(struct vtd_source *src, const char *cmd,
		struct json_object *args, struct json_object **ret)
{
	return qmp_transact(src, cmd, args, ret);
}

int qmp_hmp(struct vtd_source *src, const char *cmdline, char **out)
{
	return monitor_hmp(src, qmp_command, cmdline, out);
}

/* ------------------------------------------------------------------------ */
/* Memory and registers                                                     */

/* xp COUNT values of width bits at addr into vals. */
static int xp_values(struct vtd_source *src, uint64_t addr, unsigned width,
		     size_t count, uint64_t *vals)
{
	char cmd[64], *out = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "xp /%zu%cx 0x%" PRIx64, count,
		 width == 64 ? 'g' : 'w', addr);
	rc = qmp_hmp(src, cmd, &out);
	if (rc)
		return rc;
	rc = qmp_parse_xp(out, addr, width, count, vals, src->error,
			  sizeof(src->error));
	free(out);
	return rc;
}

static int xp_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	uint64_t start = gpa & ~7ULL, end = (gpa + len + 7) & ~7ULL;
	size_t total = (end - start) / 8, chunk = total > XP_MAX_QWORDS ? XP_MAX_QWORDS : total;
	uint8_t *dst = buf;
	uint64_t *vals;
	int rc = 0;

	if (len == 0)
		return 0;
	if (end < gpa)
		return -EFAULT;
	vals = malloc(chunk * 8);
	if (!vals)
		return -ENOMEM;
	for (uint64_t a = start; a < end; a += chunk * 8) {
		size_t n = (end - a) / 8 < chunk ? (end - a) / 8 : chunk;

		rc = xp_values(src, a, 64, n, vals);
		if (rc)
			break;
		for (size_t i = 0; i < n; i++) {
			for (unsigned b = 0; b < 8; b++) {
				uint64_t x = a + i * 8 + b;

				if (x >= gpa && x < gpa + len)
					dst[x - gpa] = vals[i] >> (8 * b);
			}
		}
	}
	free(vals);
	return rc;
}

static int qmp_read(struct vtd_source *src, uint64_t gpa, void *buf, size_t len)
{
	return procmem_read(src, &P(src)->pm, gpa, buf, len);
}

static int qmp_read_reg(struct vtd_source *src, uint32_t off, unsigned width,
			uint64_t *val)
{
	uint64_t v;
	int rc;

	if (width != 32 && width != 64)
		return -EINVAL;
	if ((off & (width / 8 - 1)) || src->mmio_base + off < src->mmio_base)
		return -EINVAL;
	rc = xp_values(src, src->mmio_base + off, width, 1, &v);
	if (rc)
		return rc;
	*val = v;
	return 0;
}

static int qmp_read_regs(struct vtd_source *src, uint32_t off, unsigned n,
			 uint64_t *vals)
{
	if (src->mmio_base + off < src->mmio_base)
		return -EINVAL;
	return xp_values(src, src->mmio_base + off, 64, n, vals);
}

static void qmp_close(struct vtd_source *src)
{
	struct qmp_priv *p = P(src);

	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	procmem_close(&p->pm);
	if (p->tok)
		json_tokener_free(p->tok);
	free(p);
	src->priv = NULL;
}

static const struct vtd_source_ops qmp_ops = {
	.kind = "qmp",
	.read = qmp_read,
	.read_reg = qmp_read_reg,
	.read_regs = qmp_read_regs,
	.monitor = qmp_command,
	.set_running = qmp_set_running,
	.close = qmp_close,
};

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */

static void parse_greeting(struct qmp_priv *p, struct json_object *qmp)
{
	struct json_object *ver, *q, *x;
	static const char *const keys[3] = { "major", "minor", "micro" };

	if (!json_object_object_get_ex(qmp, "version", &ver) ||
	    !json_object_is_type(ver, json_type_object))
		return;
	if (!json_object_object_get_ex(ver, "qemu", &q) ||
	    !json_object_is_type(q, json_type_object))
		return;
	for (int i = 0; i < 3; i++) {
		if (!json_object_object_get_ex(q, keys[i], &x) ||
		    !json_object_is_type(x, json_type_int))
			return;
		int64_t v = json_object_get_int64(x);

		if (v < 0 || v > 100000)
			return;
		p->ver[i] = (int)v;
	}
	if (json_object_object_get_ex(ver, "package", &x) &&
	    json_object_is_type(x, json_type_string))
		snprintf(p->package, sizeof(p->package), "%s", json_object_get_string(x));
	p->have_version = true;
}

static int handshake(struct vtd_source *src)
{
	struct qmp_priv *p = P(src);
	struct json_object *g = NULL, *q;
	int rc;

	rc = qmp_recv(src, now_ms() + p->timeout_ms, &g);
	if (rc == -EPROTO && p->rlen >= 5 && !memcmp(p->rbuf, "QEMU ", 5))
		return fail(src, -EPROTO, "not a QMP server: this is QEMU's human monitor (HMP); "
			    "give QEMU -qmp unix:PATH,server=on,wait=off and point --qmp there");
	if (rc == -EPROTO) {
		char why[sizeof(src->error)];

		memcpy(why, src->error, sizeof(why));
		source_set_error(src, "not a QMP server (%s)", why);
		return rc;
	}
	if (rc == -ETIMEDOUT)
		source_set_error(src, "no QMP greeting within %d ms: another client may be "
				 "connected (" QMP_BUSY_HINT ")", p->timeout_ms);
	if (rc)
		return rc;
	if (!json_object_is_type(g, json_type_object) ||
	    !json_object_object_get_ex(g, "QMP", &q) ||
	    !json_object_is_type(q, json_type_object)) {
		json_object_put(g);
		return fail(src, -EPROTO, "not a QMP server");
	}
	parse_greeting(p, q);
	json_object_put(g);
	return qmp_transact(src, "qmp_capabilities", NULL, NULL);
}

static int load_memory_map(struct vtd_source *src)
{
	struct qmp_priv *p = P(src);
	struct qmp_mmio_region iommu;
	int rc = procmem_load_map(src, &p->pm, &iommu);

	if (rc)
		return rc;
	p->mmio_default = !iommu.found;
	/* as --vm says of a domain without one: every read of the registers
	 * would fail on MMIO that is not there */
	if (!iommu.found) {
		source_set_error(src, "the VM has no Intel IOMMU (QEMU needs -device intel-iommu)");
		return -ENODEV;
	}
	return 0;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77		/* Linux 6.5 */
#endif

/* A pidfd of the process SO_PEERCRED names, taken by the kernel when the
 * connection was made (no pid to reuse in between); -1 when the kernel has
 * none to give (before 6.5: pinned from the pid), -2 when that process is
 * gone (the kernel gives a pidfd of a process that exited: signal 0 says). */
static int peer_pidfd(int sock)
{
	int pidfd = -1;
	socklen_t len = sizeof(pidfd);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) || pidfd < 0)
		return errno == ESRCH ? -2 : -1;
#ifdef SYS_pidfd_send_signal
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) && errno == ESRCH) {
		close(pidfd);
		return -2;
	}
#endif
	return pidfd;
}

/*
 * Right after connect(), before the greeting is read: the pid of the peer
 * (SO_PEERCRED) and, unless --no-proc-mem, its /proc/PID/mem pinned to the
 * process and program of this moment (procmem_pin()).
 */
static void pin_peer(struct vtd_source *src, const struct qmp_open_opts *opts)
{
	struct qmp_priv *p = P(src);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int pidfd;

	if (getsockname(p->fd, (struct sockaddr *)&ss, &sl) || ss.ss_family != AF_UNIX)
		return;
	if (getsockopt(p->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.pid <= 0)
		return;
	p->pid = cred.pid;
	src->pid = cred.pid;
	if (opts && opts->no_proc_mem)
		return;
	pidfd = peer_pidfd(p->fd);
	if (pidfd == -2) {
		snprintf(p->pm.pin_why, sizeof(p->pm.pin_why),
			 "process %d, which SO_PEERCRED names, has exited: its pid may name another process",
			 (int)cred.pid);
		return;
	}
	procmem_pin(&p->pm, (int)cred.pid, pidfd);
}

/* After the peer spoke: the pinned process holds the other end (when the
 * kernel's sock_diag can name it), then /proc/PID/mem is used or not. */
static void setup_proc_mem(struct vtd_source *src, const struct qmp_open_opts *opts)
{
	struct qmp_priv *p = P(src);
	long peer;

	src->access = "xp";
	if (!p->pid || (opts && opts->no_proc_mem))
		return;
	peer = p->pm.pinned ? unix_peer_inode(p->fd) : 0;
	if (peer > 0)
		procmem_pin_holds_socket(&p->pm, (unsigned long)peer);
	procmem_open(src, &p->pm, p->pid);
}

struct vtd_source *qmp_source_open_fd(int fd, const char *target,
				      const struct qmp_open_opts *opts,
				      char *err, size_t errlen)
{
	struct vtd_source *src = calloc(1, sizeof(*src));
	struct qmp_priv *p = calloc(1, sizeof(*p));
	int rc;

	if (!src || !p || !(p->tok = json_tokener_new_ex(QMP_MAX_DEPTH + 1))) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		if (p && p->tok)
			json_tokener_free(p->tok);
		free(p);
		free(src);
		return NULL;
	}
	src->ops = &qmp_ops;
	src->priv = p;
	src->access = "xp";
	snprintf(src->target, sizeof(src->target), "%s", target ? target : "");
	p->fd = fd;
	p->pm = (struct procmem){
		.fd = -1, .hmp = qmp_hmp, .slow_read = xp_read,
		.slow_access = "xp",
	};
	p->max_reply = QMP_MAX_REPLY;
	p->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms
						     : QMP_DEFAULT_TIMEOUT_MS;

	pin_peer(src, opts);
	rc = handshake(src);
	if (!rc)
		rc = load_memory_map(src);
	if (rc) {
		snprintf(err, errlen, "%s: %s", src->target,
			 src->error[0] ? src->error : strerror(-rc));
		source_close(src);
		return NULL;
	}
	setup_proc_mem(src, opts);
	return src;
}

static int connect_wait(int fd, const struct sockaddr *sa, socklen_t len,
			int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int flags = fcntl(fd, F_GETFL), soerr = 0, r;
	socklen_t sl = sizeof(soerr);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -errno;
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		return -errno;
	return -soerr;
}

/* Fail at once, before connect(), when another client holds the socket
 * (it would only wait for a greeting that never comes). */
static int unix_refused(const char *addr, char *err, size_t errlen)
{
	int n = unix_socket_clients(addr);

	if (n <= 0)
		return 0;	/* free, or cannot tell: try */
	snprintf(err, errlen, "%s: another client is connected to this QMP socket (%s)",
		 addr, QMP_BUSY_HINT);
	return -EBUSY;
}

/* connect() on a path failed: say why in the user's terms. */
static void unix_connect_error(const char *addr, int rc, char *err, size_t errlen)
{
	struct stat st;

	if (rc == -EACCES || rc == -EPERM)
		snprintf(err, errlen, "%s: connect: %s (QEMU's monitor socket is "
			 "usually root's: run vtdctl as root or as QEMU's user, "
			 "or use --vm for a libvirt domain)", addr, strerror(-rc));
	else if (stat(addr, &st) == 0 && !S_ISSOCK(st.st_mode))
		snprintf(err, errlen, "%s: not a socket (--qmp takes the path QEMU's "
			 "-qmp unix:PATH,server=on listens on)", addr);
	else if (rc == -ECONNREFUSED)
		snprintf(err, errlen, "%s: connect: %s (nothing listens there: "
			 "is QEMU running?)", addr, strerror(-rc));
	else
		snprintf(err, errlen, "%s: connect: %s", addr, strerror(-rc));
}

struct vtd_source *qmp_source_open(const char *addr,
				   const struct qmp_open_opts *opts,
				   char *err, size_t errlen)
{
	int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms
						   : QMP_DEFAULT_TIMEOUT_MS;
	struct vtd_source *src;
	struct stat st;
	int fd = -1, rc;

	if (!addr || !*addr) {
		snprintf(err, errlen, "no QMP address");
		return NULL;
	}
	if (strchr(addr, '/') || stat(addr, &st) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(addr) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: socket path too long", addr);
			return NULL;
		}
		strcpy(sun.sun_path, addr);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "%s: socket: %s", addr, strerror(errno));
			return NULL;
		}
		if (unix_refused(addr, err, errlen)) {
			close(fd);
			return NULL;
		}
		rc = connect_wait(fd, (struct sockaddr *)&sun, sizeof(sun), timeout);
		if (rc) {
			unix_connect_error(addr, rc, err, errlen);
			close(fd);
			return NULL;
		}
	} else {
		char host[256];
		const char *colon = strrchr(addr, ':'), *h = addr;
		size_t hl;
		struct addrinfo hints = { .ai_family = AF_UNSPEC,
					  .ai_socktype = SOCK_STREAM }, *res, *ai;

		if (!colon || !colon[1]) {
			snprintf(err, errlen, "%s: neither a socket path nor HOST:PORT", addr);
			return NULL;
		}
		hl = colon - addr;
		if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
			h = addr + 1;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			snprintf(err, errlen, "%s: bad host", addr);
			return NULL;
		}
		memcpy(host, h, hl);
		host[hl] = 0;
		rc = getaddrinfo(host, colon + 1, &hints, &res);
		if (rc) {
			snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
			return NULL;
		}
		rc = -ENOENT;
		for (ai = res; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				    ai->ai_protocol);
			if (fd < 0) {
				rc = -errno;
				continue;
			}
			/* a server on this host: fail at once when it is taken */
			if (tcp_socket_clients(ai->ai_addr, ai->ai_addrlen) > 0) {
				snprintf(err, errlen, "%s: another client is connected to this QMP "
					 "socket (%s)", addr, QMP_BUSY_HINT);
				close(fd);
				freeaddrinfo(res);
				return NULL;
			}
			rc = connect_wait(fd, ai->ai_addr, ai->ai_addrlen, timeout);
			if (!rc)
				break;
			close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
		if (fd < 0) {
			snprintf(err, errlen, "%s: connect: %s", addr, strerror(-rc));
			return NULL;
		}
	}
	src = qmp_source_open_fd(fd, addr, opts, err, errlen);
	if (src)	/* to resume a --pause over a new connection */
		snprintf(P(src)->addr, sizeof(P(src)->addr), "%s", addr);
	return src;
}

/* ------------------------------------------------------------------------ */
/* Facts                                                                    */

bool qmp_mmio_base_defaulted(const struct vtd_source *src)
{
	return src && src->priv && P(src)->mmio_default;
}

int qmp_peer_pid(const struct vtd_source *src)
{
	return src && src->priv ? P(src)->pid : 0;
}

int qmp_qemu_version(const struct vtd_source *src, int *major, int *minor,
		     int *micro, const char **package)
{
	const struct qmp_priv *p = src ? P(src) : NULL;

	if (!p || !p->have_version)
		return -ENOENT;
	if (major)
		*major = p->ver[0];
	if (minor)
		*minor = p->ver[1];
	if (micro)
		*micro = p->ver[2];
	if (package)
		*package = p->package;
	return 0;
}

void qmp_set_reply_limit(struct vtd_source *src, size_t bytes)
{
	if (src && src->priv)
		P(src)->max_reply = bytes;
}
