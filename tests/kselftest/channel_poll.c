// SPDX-License-Identifier: GPL-2.0
/*
 * poll() and mmap() of a root channel device (Documentation/channels.md),
 * with inmates/demos/channel-echo answering on the other side:
 *
 *   channel_poll DEVICE SLOT_SIZE SLOT_COUNT
 *
 * 1. mmap of the whole region shows the header the root formatted (magic,
 *    version, geometry); a mapping past the region's end is refused.
 * 2. With nothing sent, poll(POLLIN) times out after 300 ms, while
 *    poll(POLLOUT) is ready at once.
 * 3. After a write, poll(POLLIN) becomes ready (the device's 1 ms timer
 *    wakes the waiter) and the read returns the echo, byte for byte.
 * Prints one line per failed check and exits 1, or "channel_poll: ok".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bulkhead/mailbox.h>

static int failures;

#define CHECK(cond, ...)                                       \
	do {                                                   \
		if (!(cond)) {                                 \
			printf("channel_poll: FAIL: " __VA_ARGS__); \
			printf(" (errno %d)\n", errno);        \
			failures++;                            \
		}                                              \
	} while (0)

int main(int argc, char **argv)
{
	unsigned int slot_size, slot_count;
	unsigned long long size;
	static unsigned char out[10000], in[20000];
	struct bh_mailbox_header header;
	struct pollfd p;
	void *region;
	ssize_t n;
	int fd, r;
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: channel_poll DEVICE SLOT_SIZE SLOT_COUNT\n");
		return 2;
	}
	slot_size = strtoul(argv[2], NULL, 0);
	slot_count = strtoul(argv[3], NULL, 0);
	size = bh_mailbox_region_size(slot_size, slot_count);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("channel_poll: FAIL: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	region = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(region != MAP_FAILED, "mmap of %llu bytes", size);
	if (region != MAP_FAILED) {
		memcpy(&header, region, sizeof(header));
		CHECK(header.magic == BH_MAILBOX_MAGIC && header.version == BH_MAILBOX_VERSION &&
			      header.slot_size == slot_size && header.slot_count == slot_count &&
			      header.section_size == bh_mailbox_section_size(slot_size, slot_count),
		      "header magic %#x version %u slot_size %u slot_count %u section_size %u", header.magic,
		      header.version, header.slot_size, header.slot_count, header.section_size);
		munmap(region, size);
	}
	/* 16 MiB is beyond any region of the test configs. */
	region = mmap(NULL, 16u << 20, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(region == MAP_FAILED && errno == EINVAL, "a 16 MiB mapping was not refused with EINVAL");

	p.fd = fd;
	p.events = POLLIN;
	r = poll(&p, 1, 300);
	CHECK(r == 0, "poll(POLLIN) with nothing sent returned %d, revents %#x", r, p.revents);
	p.events = POLLOUT;
	r = poll(&p, 1, 0);
	CHECK(r == 1 && (p.revents & POLLOUT), "poll(POLLOUT) returned %d, revents %#x", r, p.revents);

	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 3);
	n = write(fd, out, sizeof(out));
	CHECK(n == (ssize_t)sizeof(out), "write returned %zd", n);
	p.events = POLLIN;
	r = poll(&p, 1, 5000);
	CHECK(r == 1 && (p.revents & POLLIN), "poll(POLLIN) after the write returned %d, revents %#x", r,
	      p.revents);
	n = read(fd, in, sizeof(in));
	CHECK(n == (ssize_t)sizeof(out) && !memcmp(in, out, sizeof(out)), "read returned %zd, or other bytes", n);
	close(fd);
	if (failures)
		return 1;
	printf("channel_poll: ok\n");
	return 0;
}
