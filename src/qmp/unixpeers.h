/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: who else is connected to a UNIX socket QEMU listens on. */
#ifndef VTDCTL_QMP_UNIXPEERS_H
#define VTDCTL_QMP_UNIXPEERS_H

/*
 * QEMU's socket chardev serves one client at a time: while a client is
 * attached it stops accepting (chardev/char-socket.c removes its listen
 * watch), so a second client's connect() succeeds in the kernel's accept
 * queue and then waits for a greeting that never comes.
 *
 * The kernel creates the server's end of a connection at connect() time,
 * bound to the same file as the listener, whether QEMU has accepted it yet
 * or not. unix_socket_clients() counts those ends (NETLINK_SOCK_DIAG,
 * UDIAG_SHOW_VFS) that are still open on the client's side (no shutdown
 * seen): the clients attached to, or queued on, the socket at path.
 * Returns the count, or a negative errno when it cannot tell (no
 * sock_diag, not a socket file).
 */
int unix_socket_clients(const char *path);

#endif
