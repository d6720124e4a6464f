// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vtdctl fuzzing: a whole QMP session against a fake QEMU whose every byte
 * comes from the input: greeting, qmp_capabilities, `info mtree -f -o`, the
 * register and RAM reads over xp (JSON tokenizer, reply matching, size cap,
 * HMP text parsers), then the walk. The input is written to one end of a
 * socketpair before vtdctl's end is handed to qmp_source_open_fd(); the
 * fake server never reads, and its end is shut for writing, so every
 * session ends (EOF) without a timeout. Seeds: recorded real sessions
 * (tests/fuzz/run records them through a proxy when a guest is up).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "source/source.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(int fd, const uint8_t *data, size_t size)
{
	int big = 4 << 20;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (size) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);

		if (n <= 0)
			break;		/* full: the rest is dropped */
		data += n;
		size -= n;
	}
	shutdown(fd, SHUT_WR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_open_opts qo = { .timeout_ms = 2000, .no_proc_mem = true };
	struct vtd_walk_opts wo = { .filter = VTD_FILTER_ALL,
				    .max_entries = 1UL << 16 };
	struct vtd_source *src;
	struct vtd_model m;
	char err[512];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	feed(sv[1], data, size);
	src = qmp_source_open_fd(sv[0], "fuzz", &qo, err, sizeof(err));
	if (src) {
		qmp_set_reply_limit(src, 1 << 20);
		/* on error too: the model keeps what the walk added */
		vtd_walk(src, &wo, &m);
		vtd_model_free(&m);
		source_close(src);
	}
	close(sv[1]);
	return 0;
}
