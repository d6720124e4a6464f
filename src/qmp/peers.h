/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: who else is connected to a socket QEMU's monitor listens on. */
#ifndef VTDCTL_QMP_PEERS_H
#define VTDCTL_QMP_PEERS_H

#include <sys/socket.h>

/*
 * QEMU's socket chardev serves one client at a time: while a client is
 * attached it stops accepting (chardev/char-socket.c removes its listen
 * watch), so a second client's connect() succeeds in the kernel's accept
 * queue and then waits for a greeting that never comes.
 *
 * The kernel creates the server's end of a connection at connect() time,
 * whether QEMU has accepted it yet or not; the kernel's sock_diag
 * (NETLINK_SOCK_DIAG) lists those ends. Both functions count the ends
 * still open on the client's side: the clients attached to, or queued on,
 * the socket. They return the count, or a negative errno when they cannot
 * tell (no sock_diag, not a socket file).
 *
 * unix_socket_clients(): the ends bound to the file at path (UDIAG_SHOW_VFS:
 * an accepted socket keeps its listener's inode) with no shutdown seen.
 * tcp_socket_clients(): the established TCP sockets whose local address
 * and port are sa's: only a server on this host has them (0 otherwise).
 */
int unix_socket_clients(const char *path);
int tcp_socket_clients(const struct sockaddr *sa, socklen_t len);

/* The inode of the socket at the other end of connected UNIX socket fd
 * (sock_diag's UNIX_DIAG_PEER), or a negative errno. */
long unix_peer_inode(int fd);

#endif
