// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: count the clients of a listening socket from the kernel's sock_diag. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "qmp/peers.h"

#define TCP_ESTABLISHED_STATE	1	/* the kernel's TCP_ESTABLISHED, used for UNIX too */
#define DIAG_MAX_MESSAGES	100000	/* a bound on the dump we read */

/* The kernel reports a file's device as its internal dev_t (20-bit minor). */
static uint32_t kernel_dev(dev_t d)
{
	return (uint32_t)(major(d) << 20 | minor(d));
}

/* What a dump's messages are matched against */
struct peer_key {
	ino_t ino;		/* UNIX: the socket file */
	uint32_t dev;
	int family;		/* TCP: the server's address and port */
	uint8_t addr[16];
	uint16_t port_be;
};

static int diag_send(int fd, const void *msg, size_t len)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, msg, len, 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return 0;
}

static int unix_request(int fd)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_UNIX,
			 .udiag_states = 1u << TCP_ESTABLISHED_STATE,
			 .udiag_show = UDIAG_SHOW_VFS },
	};

	return diag_send(fd, &msg, sizeof(msg));
}

static int tcp_request(int fd, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = 1u << TCP_ESTABLISHED_STATE },
	};

	return diag_send(fd, &msg, sizeof(msg));
}

/* 1 if this TCP socket's local end is the server's address and port */
static int is_tcp_client_end(const struct nlmsghdr *h, const struct peer_key *k)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || m->idiag_family != k->family)
		return 0;
	return m->id.idiag_sport == k->port_be &&
	       !memcmp(m->id.idiag_src, k->addr, k->family == AF_INET ? 4 : 16);
}

/* 1 if this socket is an open server end bound to (ino, dev), else 0 */
static int is_client_end(const struct nlmsghdr *h, const struct peer_key *k)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	int match = 0, shut = 0;

	if (len < 0)
		return 0;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_VFS &&
		    RTA_PAYLOAD(a) >= sizeof(struct unix_diag_vfs)) {
			const struct unix_diag_vfs *v = RTA_DATA(a);

			match = v->udiag_vfs_ino == k->ino && v->udiag_vfs_dev == k->dev;
		} else if (a->rta_type == UNIX_DIAG_SHUTDOWN && RTA_PAYLOAD(a) >= 1) {
			shut = *(const uint8_t *)RTA_DATA(a) != 0;
		}
	}
	return match && !shut;
}

static int diag_count(int fd, const struct peer_key *k)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int n = 0, seen = 0;

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return -errno;
		if (len == 0)
			return -EPROTO;
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			if (++seen > DIAG_MAX_MESSAGES)
				return -E2BIG;
			n += k->family ? is_tcp_client_end(h, k) : is_client_end(h, k);
		}
	}
}

int unix_socket_clients(const char *path)
{
	struct peer_key k = { 0 };
	struct stat st;
	int fd, n;

	if (stat(path, &st))
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	k.ino = st.st_ino;
	k.dev = kernel_dev(st.st_dev);
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	n = unix_request(fd);
	if (!n)
		n = diag_count(fd, &k);
	close(fd);
	return n;
}

int tcp_socket_clients(const struct sockaddr *sa, socklen_t len)
{
	struct peer_key k = { .family = sa->sa_family };
	int fd, n;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memcpy(k.addr, &in->sin_addr, 4);
		k.port_be = in->sin_port;
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		memcpy(k.addr, &in6->sin6_addr, 16);
		k.port_be = in6->sin6_port;
	} else {
		return -EAFNOSUPPORT;
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	n = tcp_request(fd, k.family);
	if (!n)
		n = diag_count(fd, &k);
	close(fd);
	return n;
}

/* The UNIX_DIAG_PEER attribute of one unix_diag_msg, or 0 */
static long peer_of(const struct nlmsghdr *h, ino_t ino)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)(m + 1);

	if (len < 0 || m->udiag_ino != ino)
		return 0;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= 4)
			return *(const uint32_t *)RTA_DATA(a);
	return 0;
}

static long diag_peer(int fd, ino_t ino)
{
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len;
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	do
		len = recv(fd, buf, sizeof(buf), 0);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		long peer;

		if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
			return -ENOENT;
		peer = peer_of(h, ino);
		if (peer > 0)
			return peer;
	}
	return -ENOENT;
}

long unix_peer_inode(int sock)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0u,
			 .udiag_show = UDIAG_SHOW_PEER,
			 .udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	struct stat st;
	long peer;
	int fd;

	if (fstat(sock, &st))
		return -errno;
	msg.req.udiag_ino = (uint32_t)st.st_ino;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	peer = diag_send(fd, &msg, sizeof(msg));
	if (!peer)
		peer = diag_peer(fd, st.st_ino);
	close(fd);
	return peer;
}
