/*
 * fuzz_format.c - libFuzzer target for formatting and comparing
 * arbitrary struct sock_addr contents, as a caller may hand them in.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sock_addr a, b;
	char text[LIBSOCK_ADDRSTRLEN], tiny[7];
	int n, m;

	memset(&a, 0, sizeof a);
	memcpy(&a, data, size < sizeof a ? size : sizeof a);
	b = a;
	if (sock_addr_compare(&a, &b) != 0)
		abort();
	n = sock_addr_format(&a, text, sizeof text, LIBSOCK_FORMAT_SCHEME);
	m = sock_addr_format(&a, tiny, sizeof tiny, LIBSOCK_FORMAT_SCHEME);
	if (n != m || (n >= 0 && (size_t)n >= sizeof text))
		abort();
	if (n >= 0 && (strlen(tiny) > sizeof tiny - 1 ||
	    strncmp(text, tiny, sizeof tiny - 1) != 0))
		abort();
	(void)sock_addr_port(&a);
	return 0;
}
