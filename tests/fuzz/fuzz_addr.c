/*
 * fuzz_addr.c - libFuzzer target for the address parser: any bytes are
 * parsed; what parses must format and parse back to the same address.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "sock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const struct sock_addr *addr, int flags)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock_addr again;
	int n;

	n = sock_addr_format(addr, text, sizeof text, flags);
	if (n < 0 || (size_t)n >= sizeof text)
		abort();
	if (sock_addr_parse(&again, text) != 0)
		abort();
	if (!(flags & LIBSOCK_FORMAT_SCHEME))
		again.transport = addr->transport;
	if (sock_addr_compare(addr, &again) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_addr addr;
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sock_addr_parse(&addr, text) == 0) {
		/* Unix addresses need their scheme to read back. */
		if (addr.storage.ss_family != AF_UNIX)
			round_trip(&addr, 0);
		round_trip(&addr, LIBSOCK_FORMAT_SCHEME);
	}
	free(text);
	return 0;
}
