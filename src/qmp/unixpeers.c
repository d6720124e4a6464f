// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: count the clients of a UNIX socket from the kernel's sock_diag. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "qmp/unixpeers.h"

#define TCP_ESTABLISHED_STATE	1	/* the kernel's TCP_ESTABLISHED, used for UNIX too */
#define DIAG_MAX_MESSAGES	100000	/* a bound on the dump we read */

/* The kernel reports a file's device as its internal dev_t (20-bit minor). */
static uint32_t kernel_dev(dev_t d)
{
	return (uint32_t)(major(d) << 20 | minor(d));
}

static int diag_request(int fd)
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
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	return 0;
}

/* 1 if this socket is an open server end bound to (ino, dev), else 0 */
static int is_client_end(const struct nlmsghdr *h, ino_t ino, uint32_t dev)
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

			match = v->udiag_vfs_ino == ino && v->udiag_vfs_dev == dev;
		} else if (a->rta_type == UNIX_DIAG_SHUTDOWN && RTA_PAYLOAD(a) >= 1) {
			shut = *(const uint8_t *)RTA_DATA(a) != 0;
		}
	}
	return match && !shut;
}

static int diag_count(int fd, ino_t ino, uint32_t dev)
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
			n += is_client_end(h, ino, dev);
		}
	}
}

int unix_socket_clients(const char *path)
{
	struct stat st;
	int fd, n;

	if (stat(path, &st))
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	n = diag_request(fd);
	if (!n)
		n = diag_count(fd, st.st_ino, kernel_dev(st.st_dev));
	close(fd);
	return n;
}
