// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic workloads for the QEMU scenarios and benchmarks: the same
 * work runs natively and under the hypervisor, and must give the same
 * checksum (scenarios) or is timed (benchmarks).
 *
 * usage: bh_workload MODE [-j JOBS] [-n N] [-s KIB]
 *
 *   verify  per job, N times: fork, exec this program as a child that writes
 *           KIB KiB of seeded pseudo-random data to a file in tmpfs and exits
 *           with the low byte of its FNV-1a hash; the job regenerates the
 *           data itself, reads the file back with read() and with mmap(),
 *           compares, and folds the hash into its checksum. Prints
 *             verify jobs=J n=N kib=K checksum=<16 hex> errors=E seconds=S
 *           and exits 1 if any check failed. The checksum depends only on
 *           J, N and K.
 *   cpu     CPU-bound: N rounds of integer arithmetic over a 16 KiB table,
 *           no system calls.
 *   fork    N times fork + exec of this (static) program doing nothing +
 *           wait.
 *   mmap    N times mmap 1 MiB anonymous, write every page, munmap.
 *   cpuid   N times CPUID leaf 0 (under the hypervisor: N VM exits).
 *           cpu/fork/mmap/cpuid print
 *             MODE jobs=J n=N seconds=S result=<16 hex>
 *
 *   -j JOBS  parallel jobs, job k pinned to the k-th CPU this process may
 *            run on (default: all of them, one job each)
 *   -n N     iterations per job
 *   -s KIB   verify: KiB per file (default 64)
 *
 * Internal modes (exec'd by the above): child SEED KIB PATH, nop.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define MAX_JOBS 256

static char self_path[4096];

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof(v));
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* SIZE bytes of data from SEED, in 8-byte steps. */
static void fill(unsigned char *buf, size_t size, uint64_t seed)
{
	uint64_t s = seed | 1;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		uint64_t v = xorshift(&s);

		memcpy(buf + i, &v, 8);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bh_workload: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* --- internal modes --------------------------------------------------------- */

static int mode_child(int argc, char **argv)
{
	uint64_t seed, h;
	size_t size;
	unsigned char *buf;
	size_t off = 0;
	int fd;

	if (argc != 5)
		return 2;
	seed = strtoull(argv[2], NULL, 0);
	size = strtoull(argv[3], NULL, 0) * 1024;
	buf = malloc(size);
	if (!buf)
		return 2;
	fill(buf, size, seed);
	h = fnv(FNV_OFFSET, buf, size);
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(argv[4]);
	/* Several writes, as a program streaming its output would. */
	while (off < size) {
		size_t chunk = size - off < 4096 ? size - off : 4096;
		ssize_t n = write(fd, buf + off, chunk);

		if (n <= 0)
			die("write");
		off += n;
	}
	if (fsync(fd) || close(fd))
		die("close");
	return (int)(h & 0x7f) + 1; /* never 0: a child that did nothing fails */
}

/* --- jobs --------------------------------------------------------------------- */

struct options {
	const char *mode;
	int jobs;
	long n;
	long kib;
};

struct job_result {
	uint64_t value;
	long errors;
};

static pid_t run_child(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(self_path, argv);
		_exit(127);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

static struct job_result job_verify(const struct options *o, int k, const char *dir)
{
	struct job_result r = { FNV_OFFSET, 0 };
	size_t size = (size_t)o->kib * 1024;
	unsigned char *expect = malloc(size), *got = malloc(size);
	long i;

	if (!expect || !got)
		die("malloc");
	for (i = 0; i < o->n; i++) {
		uint64_t seed = fnv_u64(fnv_u64(FNV_OFFSET, (uint64_t)k), (uint64_t)i);
		char seed_s[32], kib_s[32], path[512];
		char *argv[] = { "bh_workload", "child", seed_s, kib_s, path, NULL };
		uint64_t h_expect, h_read, h_map;
		size_t off = 0;
		int fd, status;
		void *map;

		snprintf(seed_s, sizeof(seed_s), "%#" PRIx64, seed);
		snprintf(kib_s, sizeof(kib_s), "%ld", o->kib);
		snprintf(path, sizeof(path), "%s/job%d-%ld", dir, k, i);
		status = wait_status(run_child(argv));

		fill(expect, size, seed);
		h_expect = fnv(FNV_OFFSET, expect, size);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "job %d iteration %ld: %s: %s\n", k, i, path, strerror(errno));
			r.errors++;
			continue;
		}
		while (off < size) {
			ssize_t n = read(fd, got + off, size - off);

			if (n <= 0)
				break;
			off += n;
		}
		h_read = fnv(FNV_OFFSET, got, off);
		map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			die("mmap");
		h_map = fnv(FNV_OFFSET, map, size);
		munmap(map, size);
		close(fd);
		if (off != size || h_read != h_expect || h_map != h_expect ||
		    status != (int)(h_expect & 0x7f) + 1) {
			fprintf(stderr,
				"job %d iteration %ld: read %zu of %zu bytes, hash %#" PRIx64
				" (mmap %#" PRIx64 ", expected %#" PRIx64 "), child status %d\n",
				k, i, off, size, h_read, h_map, h_expect, status);
			r.errors++;
		}
		if (unlink(path))
			die("unlink");
		r.value = fnv_u64(r.value, h_read);
	}
	free(expect);
	free(got);
	return r;
}

static struct job_result job_cpu(const struct options *o, int k)
{
	static uint32_t table[4096];
	uint64_t s = 0x9e3779b97f4a7c15ull + (uint64_t)k, acc = 0;
	long i;
	int j;

	for (j = 0; j < 4096; j++)
		table[j] = (uint32_t)xorshift(&s);
	for (i = 0; i < o->n; i++) {
		for (j = 0; j < 1024; j++) {
			uint64_t x = xorshift(&s);
			uint32_t *slot = &table[x & 4095];

			*slot = *slot * 2654435761u + (uint32_t)(x >> 32);
			acc += *slot ^ (acc >> 3);
		}
	}
	return (struct job_result){ acc, 0 };
}

static struct job_result job_fork(const struct options *o)
{
	char *argv[] = { "bh_workload", "nop", NULL };
	struct job_result r = { 0, 0 };
	long i;

	for (i = 0; i < o->n; i++)
		if (wait_status(run_child(argv)) != 0)
			r.errors++;
	r.value = (uint64_t)o->n;
	return r;
}

static struct job_result job_mmap(const struct options *o)
{
	const size_t size = 1 << 20;
	struct job_result r = { FNV_OFFSET, 0 };
	long i;
	size_t p;

	for (i = 0; i < o->n; i++) {
		volatile unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			die("mmap");
		for (p = 0; p < size; p += 4096)
			m[p] = (unsigned char)(p >> 12);
		r.value = fnv_u64(r.value, m[size - 4096]);
		munmap((void *)m, size);
	}
	return r;
}

static struct job_result job_cpuid(const struct options *o)
{
	struct job_result r = { 0, 0 };
	unsigned int a, b, c, d;
	long i;

	for (i = 0; i < o->n; i++) {
		__cpuid(0, a, b, c, d);
		r.value += a ^ b ^ c ^ d;
	}
	return r;
}

static void usage(void)
{
	fprintf(stderr, "usage: bh_workload verify|cpu|fork|mmap|cpuid [-j JOBS] [-n N] [-s KIB]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct options o = { NULL, 0, 0, 64 };
	int cpus[MAX_JOBS], ncpus = 0, k, opt, pipes[MAX_JOBS][2];
	pid_t pids[MAX_JOBS];
	char dir[256] = "";
	cpu_set_t allowed;
	uint64_t total = FNV_OFFSET;
	long errors = 0;
	double t0, t1;
	ssize_t len;

	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len <= 0)
		die("readlink /proc/self/exe");
	self_path[len] = '\0';
	if (argc >= 2 && !strcmp(argv[1], "nop"))
		return 0;
	if (argc >= 2 && !strcmp(argv[1], "child"))
		return mode_child(argc, argv);
	if (argc < 2)
		usage();
	o.mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "j:n:s:")) != -1) {
		switch (opt) {
		case 'j': o.jobs = atoi(optarg); break;
		case 'n': o.n = atol(optarg); break;
		case 's': o.kib = atol(optarg); break;
		default: usage();
		}
	}
	if (strcmp(o.mode, "verify") && strcmp(o.mode, "cpu") && strcmp(o.mode, "fork") &&
	    strcmp(o.mode, "mmap") && strcmp(o.mode, "cpuid"))
		usage();
	if (o.kib <= 0 || o.kib > 65536)
		usage();
	if (o.n <= 0)
		o.n = !strcmp(o.mode, "verify") ? 20 : !strcmp(o.mode, "cpu") ? 2000 : 200;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		die("sched_getaffinity");
	for (k = 0; k < CPU_SETSIZE && ncpus < MAX_JOBS; k++)
		if (CPU_ISSET(k, &allowed))
			cpus[ncpus++] = k;
	if (o.jobs <= 0)
		o.jobs = ncpus;
	if (o.jobs > MAX_JOBS)
		usage();

	if (!strcmp(o.mode, "verify")) {
		snprintf(dir, sizeof(dir), "/tmp/bh_workload.%d", (int)getpid());
		if (mkdir(dir, 0700))
			die(dir);
	}

	t0 = now();
	for (k = 0; k < o.jobs; k++) {
		if (pipe(pipes[k]))
			die("pipe");
		pids[k] = fork();
		if (pids[k] < 0)
			die("fork");
		if (pids[k] == 0) {
			struct job_result r;
			cpu_set_t one;

			close(pipes[k][0]);
			CPU_ZERO(&one);
			CPU_SET(cpus[k % ncpus], &one);
			if (sched_setaffinity(0, sizeof(one), &one))
				die("sched_setaffinity");
			if (!strcmp(o.mode, "verify"))
				r = job_verify(&o, k, dir);
			else if (!strcmp(o.mode, "cpu"))
				r = job_cpu(&o, k);
			else if (!strcmp(o.mode, "fork"))
				r = job_fork(&o);
			else if (!strcmp(o.mode, "cpuid"))
				r = job_cpuid(&o);
			else
				r = job_mmap(&o);
			if (write(pipes[k][1], &r, sizeof(r)) != sizeof(r))
				die("write result");
			_exit(0);
		}
		close(pipes[k][1]);
	}
	for (k = 0; k < o.jobs; k++) {
		struct job_result r;

		if (read(pipes[k][0], &r, sizeof(r)) != sizeof(r)) {
			fprintf(stderr, "bh_workload: job %d died without a result\n", k);
			r.value = 0;
			r.errors = 1;
		}
		close(pipes[k][0]);
		if (wait_status(pids[k]) != 0)
			r.errors++;
		total = fnv_u64(total, r.value);
		errors += r.errors;
	}
	t1 = now();
	if (dir[0])
		rmdir(dir);

	if (!strcmp(o.mode, "verify"))
		printf("verify jobs=%d n=%ld kib=%ld checksum=%016" PRIx64 " errors=%ld seconds=%.3f\n",
		       o.jobs, o.n, o.kib, total, errors, t1 - t0);
	else
		printf("%s jobs=%d n=%ld seconds=%.6f result=%016" PRIx64 "%s\n", o.mode, o.jobs, o.n,
		       t1 - t0, total, errors ? " errors" : "");
	return errors ? 1 : 0;
}
