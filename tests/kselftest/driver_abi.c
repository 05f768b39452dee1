// SPDX-License-Identifier: GPL-2.0
/*
 * Driver ABI test: raw ioctls on /dev/bulkhead with malformed arguments and
 * every negative config of the corpus. Each check prints one line,
 *   ok <description>
 *   not ok <description> # <why>
 * preceded by "plan <n>"; the QEMU scenario turns them into KTAP results.
 *
 * usage: driver_abi MANIFEST CELL_DIR
 *   MANIFEST lines: <name>\t<kind system|cell>\t<driver run|skip>\t<expect>
 *   CELL_DIR holds <name>.cell for each manifest line plus the driver
 *   fixtures: valid.cell, not-reserved.cell, cpus-mismatch.cell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bulkhead/config.h>
#include <bulkhead/ioctl.h>

#define MAX_CASES 256

static int failures;

static void result(int ok, const char *why, const char *fmt, ...)
{
	va_list args;

	printf("%s", ok ? "ok " : "not ok ");
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	if (!ok) {
		printf(" # %s", why);
		failures++;
	}
	printf("\n");
	fflush(stdout);
}

struct blob {
	void *data;
	size_t size;
};

static int load(const char *dir, const char *name, struct blob *out)
{
	char path[512];
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/%s.cell", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	out->data = aligned_alloc(8, size + 8);
	out->size = size;
	if (!out->data || fread(out->data, 1, size, f) != (size_t)size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Kernel log records written since kmsg_mark(), searched for a string. */
static int kmsg_fd = -1;

static void kmsg_mark(void)
{
	if (kmsg_fd < 0)
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static int kmsg_contains(const char *needle)
{
	char record[2048];
	ssize_t n;
	int found = 0;

	if (kmsg_fd < 0)
		return 0;
	while ((n = read(kmsg_fd, record, sizeof(record) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		record[n] = '\0';
		if (strstr(record, needle))
			found = 1;
	}
	return found;
}

static int config_ioctl(int fd, unsigned long request, const void *data, size_t size,
			char *message, size_t message_size)
{
	struct bh_ioctl_config arg = {
		.config_address = (unsigned long)data,
		.config_size = (unsigned int)size,
		.message_address = (unsigned long)message,
		.message_size = (unsigned int)message_size,
	};

	if (message && message_size)
		message[0] = '\0';
	return ioctl(fd, request, &arg) == 0 ? 0 : -errno;
}

static void expect_errno(int fd, unsigned long request, const void *data, size_t size,
			 int expected, const char *message_part, const char *what)
{
	char message[BH_IOCTL_MESSAGE_MAX];
	char why[512];
	int rc;

	kmsg_mark();
	rc = config_ioctl(fd, request, data, size, message, sizeof(message));
	if (rc != -expected) {
		snprintf(why, sizeof(why), "returned %d (%s), expected -%d; message \"%s\"", rc,
			 strerror(-rc), expected, message);
		result(0, why, "%s", what);
		return;
	}
	if (message_part && !strstr(message, message_part)) {
		snprintf(why, sizeof(why), "message \"%s\" lacks \"%s\"", message, message_part);
		result(0, why, "%s", what);
		return;
	}
	if (message_part && !kmsg_contains(message_part)) {
		snprintf(why, sizeof(why), "no kernel log line with \"%s\"", message_part);
		result(0, why, "%s", what);
		return;
	}
	result(1, NULL, "%s", what);
}

static void check_not_enabled(int fd, const char *after)
{
	struct bh_ioctl_info info;

	memset(&info, 0xff, sizeof(info));
	if (ioctl(fd, BH_IOCTL_INFO, &info) != 0) {
		result(0, strerror(errno), "info after %s", after);
		return;
	}
	result(info.enabled == 0 && info.abi_version == BH_IOCTL_ABI_VERSION,
	       "driver reports enabled or a wrong ABI", "still disabled after %s", after);
}

struct manifest_entry {
	char name[96];
	char kind[16];
	char driver[16];
	char expect[256];
};

static int read_manifest(const char *path, struct manifest_entry *entries)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < MAX_CASES && fgets(line, sizeof(line), f)) {
		struct manifest_entry *e = &entries[n];
		char *fields[4];
		char *save = NULL;
		int i;

		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < 4; i++)
			fields[i] = strtok_r(i ? NULL : line, "\t", &save);
		if (!fields[3])
			continue;
		snprintf(e->name, sizeof(e->name), "%s", fields[0]);
		snprintf(e->kind, sizeof(e->kind), "%s", fields[1]);
		snprintf(e->driver, sizeof(e->driver), "%s", fields[2]);
		snprintf(e->expect, sizeof(e->expect), "%s", fields[3]);
		n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static struct manifest_entry entries[MAX_CASES];
	struct blob valid, not_reserved, cpus_mismatch;
	const char *dir;
	int fixed_checks = 17;
	int fd, n, i, runnable = 0;
	char *unmapped;

	if (argc != 3) {
		fprintf(stderr, "usage: %s MANIFEST CELL_DIR\n", argv[0]);
		return 2;
	}
	dir = argv[2];
	n = read_manifest(argv[1], entries);
	if (n <= 0 || load(dir, "valid", &valid) || load(dir, "not-reserved", &not_reserved) ||
	    load(dir, "cpus-mismatch", &cpus_mismatch)) {
		fprintf(stderr, "driver_abi: cannot read the manifest or fixtures\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		runnable += strcmp(entries[i].driver, "run") == 0;
	printf("plan %d\n", fixed_checks + 2 * runnable);

	fd = open(BH_DEVICE_PATH, O_RDWR);
	result(fd >= 0, strerror(errno), "open %s", BH_DEVICE_PATH);
	if (fd < 0)
		return 1;

	/* Malformed ioctl arguments. */
	result(ioctl(fd, _IO(BH_IOCTL_TYPE, 0x7f)) < 0 && errno == ENOTTY, strerror(errno),
	       "unknown ioctl is refused with ENOTTY");
	result(ioctl(fd, BH_IOCTL_ENABLE, NULL) < 0 && errno == EFAULT, strerror(errno),
	       "enable with a NULL argument is refused with EFAULT");
	expect_errno(fd, BH_IOCTL_ENABLE, valid.data, 0, EINVAL, "config size 0",
		     "enable with config size 0 is refused with EINVAL");
	expect_errno(fd, BH_IOCTL_ENABLE, valid.data, BH_CONFIG_MAX_SIZE + 1, E2BIG,
		     "is not between 1 and 65536", "oversized config is refused with E2BIG");
	expect_errno(fd, BH_IOCTL_ENABLE, NULL, valid.size, EFAULT, "config address is NULL",
		     "NULL config address is refused with EFAULT");
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_errno(fd, BH_IOCTL_ENABLE, unmapped, 4096, EFAULT, "is not readable",
		     "unreadable config is refused with EFAULT");
	expect_errno(fd, BH_IOCTL_CELL_CREATE, valid.data, valid.size, EINVAL, "signature",
		     "a system config given as a cell is refused");
	{
		/* The driver must not write past the caller's message buffer. */
		char small[9];

		memset(small, 'Z', sizeof(small));
		config_ioctl(fd, BH_IOCTL_ENABLE, valid.data, 0, small, 8);
		result(strlen(small) == 7 && small[8] == 'Z', "message overran its buffer",
		       "refusal message is truncated to the caller's buffer");
	}

	/* Platform checks that the validator cannot do. */
	expect_errno(fd, BH_IOCTL_ENABLE, not_reserved.data, not_reserved.size, EINVAL,
		     "memmap=0x1000000$0x20000000",
		     "hypervisor memory in Linux RAM names the memmap= to add");
	expect_errno(fd, BH_IOCTL_ENABLE, cpus_mismatch.data, cpus_mismatch.size, EINVAL,
		     "CPU 2 is absent in the config but online",
		     "root CPU set not matching the online CPUs is refused");
	check_not_enabled(fd, "the refusals");
	{
		char *mem = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		FILE *iomem = fopen("/proc/iomem", "r");
		char line[256];
		int claimed = 0;

		while (iomem && fgets(line, sizeof(line), iomem))
			claimed |= strstr(line, "bulkhead") != NULL;
		if (iomem)
			fclose(iomem);
		result(!claimed, "/proc/iomem still has a bulkhead region",
		       "no memory region left claimed after the refusals");
		munmap(mem, 4096);
	}
	{
		struct bh_ioctl_info info;

		result(ioctl(fd, BH_IOCTL_INFO, &info) == 0 && info.online_cpus > 0,
		       strerror(errno), "info reports the online CPUs");
	}
	{
		struct bh_ioctl_message m = { 0 };
		char text[BH_IOCTL_MESSAGE_MAX] = "";

		m.message_address = (uintptr_t)text;
		m.message_size = sizeof(text);
		result(ioctl(fd, BH_IOCTL_DISABLE, &m) < 0 && errno == EINVAL &&
		       strstr(text, "not enabled") != NULL, strerror(errno),
		       "disable while disabled is refused with EINVAL and its reason");
		m.reserved = 1;
		result(ioctl(fd, BH_IOCTL_DISABLE, &m) < 0 && errno == EINVAL, strerror(errno),
		       "disable with a non-zero reserved field is refused with EINVAL");
		result(ioctl(fd, BH_IOCTL_DISABLE, (void *)8) < 0 && errno == EFAULT, strerror(errno),
		       "disable with a bad argument pointer is refused with EFAULT");
	}

	/* The negative corpus: each config refused with its message. */
	for (i = 0; i < n; i++) {
		struct manifest_entry *e = &entries[i];
		unsigned long request;
		struct blob b;
		char what[160];

		if (strcmp(e->driver, "run") != 0)
			continue;
		request = strcmp(e->kind, "system") == 0 ? BH_IOCTL_ENABLE : BH_IOCTL_CELL_CREATE;
		if (load(dir, e->name, &b)) {
			result(0, "cannot read the .cell file", "%s: refused", e->name);
			result(0, "cannot read the .cell file", "%s: nothing changed", e->name);
			continue;
		}
		snprintf(what, sizeof(what), "%s: refused with EINVAL and its message", e->name);
		expect_errno(fd, request, b.data, b.size, EINVAL, e->expect, what);
		snprintf(what, sizeof(what), "%s", e->name);
		check_not_enabled(fd, what);
		free(b.data);
	}
	close(fd);
	return failures ? 1 : 0;
}
