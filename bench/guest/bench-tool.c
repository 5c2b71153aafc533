// SPDX-License-Identifier: GPL-2.0
/*
 * bench-tool: the guest side of `make bench` (static, busybox guest).
 *
 *   bench-tool freelat CORPUS MIB NPROC
 *	NPROC processes each mmap MIB/NPROC MiB, fill it with real data
 *	(every page a different slice of CORPUS, stamped with its index, as
 *	wb-pressure does), push it to swap with MADV_PAGEOUT, then all
 *	munmap at once. Prints the slowest and the mean munmap time and the
 *	time from the munmap until zram0's mem_used_total is back at its
 *	baseline ("settle"; polled every 1 ms, bounded at 60 s, settle_ms=-1
 *	when the bound was hit). Baseline: the value before the fill plus
 *	what the swap-slot cache may keep: after the munmap, up to 64 swap
 *	slots per CPU stay in it and are freed only when it fills again
 *	(6.12's mm/swap_slots.c, the same for both kernels); each can pin a
 *	zspage of up to 8 pages, so 2 MiB per CPU.
 *   bench-tool discard DEV PERIOD OFFSET LEN
 *	BLKDISCARD [k*PERIOD+OFFSET, +LEN) for every k over the device.
 *   bench-tool time CMD...
 *	run CMD (sh -c), print "time_ms=X" (monotonic clock).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define MM_STAT "/sys/block/zram0/mm_stat"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-tool: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* mem_used_total, the third column of zram0's mm_stat. */
static long long mem_used(void)
{
	long long a, b, c;
	FILE *f = fopen(MM_STAT, "r");

	if (!f)
		die(MM_STAT);
	if (fscanf(f, "%lld %lld %lld", &a, &b, &c) != 3)
		c = -1;
	fclose(f);
	return c;
}

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static void fill_page(unsigned char *dst, const unsigned char *corpus,
		      size_t clen, size_t i)
{
	size_t off = (i * 2654435761UL + i / 7) % (clen - PAGE);

	memcpy(dst, corpus + off, PAGE);
	memcpy(dst, &i, sizeof(i));
}

static void xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		die("pipe write");
}

static void xread(int fd, void *p, size_t n)
{
	if (read(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "bench-tool: a worker failed (see above)\n");
		exit(2);
	}
}

struct report {
	double munmap_ms;
	long swap_kb;
};

/* One worker: fill, page out, tell the parent, wait for "go", munmap. */
static void worker(const unsigned char *corpus, size_t clen, size_t npages,
		   size_t first, int ready, int go)
{
	struct report r;
	unsigned char *mem;
	size_t i;
	char c;
	double t;

	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	for (i = 0; i < npages; i++)
		fill_page(mem + i * PAGE, corpus, clen, first + i);
	/* Twice: a page under writeback at the first call is skipped. */
	if (madvise(mem, npages * PAGE, MADV_PAGEOUT) ||
	    madvise(mem, npages * PAGE, MADV_PAGEOUT))
		die("madvise(MADV_PAGEOUT)");
	r.swap_kb = status_kb("VmSwap:");
	xwrite(ready, &r, sizeof(r));
	xread(go, &c, 1);
	t = now_ms();
	if (munmap(mem, npages * PAGE))
		die("munmap");
	r.munmap_ms = now_ms() - t;
	xwrite(ready, &r, sizeof(r));
	exit(0);
}

static int freelat(const char *path, long mib, int nproc)
{
	int ready[2], go[2], fd, p;
	long long base, peak, thresh, cur = 0;
	double max_ms = 0, sum_ms = 0, t0, settle = -1;
	long swap_kb = 0;
	size_t clen, npages;
	unsigned char *corpus;
	struct report r;
	struct stat st;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(path);
	clen = st.st_size;
	corpus = mmap(NULL, clen, PROT_READ, MAP_PRIVATE, fd, 0);
	if (corpus == MAP_FAILED || clen < 2 * PAGE)
		die("corpus");
	npages = (size_t)mib * (1 << 20) / PAGE / nproc;
	if (pipe(ready) || pipe(go))
		die("pipe");
	base = mem_used();
	for (p = 0; p < nproc; p++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			worker(corpus, clen, npages, p * npages, ready[1], go[0]);
		}
	}
	/* A worker that dies closes its ends: the reads below then fail. */
	close(ready[1]);
	close(go[0]);
	for (p = 0; p < nproc; p++) {
		xread(ready[0], &r, sizeof(r));
		swap_kb += r.swap_kb;
	}
	peak = mem_used();
	thresh = base + sysconf(_SC_NPROCESSORS_ONLN) * 64 * 8 * PAGE;
	t0 = now_ms();
	for (p = 0; p < nproc; p++)
		xwrite(go[1], "g", 1);
	for (p = 0; p < nproc; p++) {
		xread(ready[0], &r, sizeof(r));
		sum_ms += r.munmap_ms;
		if (r.munmap_ms > max_ms)
			max_ms = r.munmap_ms;
	}
	while (now_ms() - t0 < 60000) {
		cur = mem_used();
		if (cur <= thresh) {
			settle = now_ms() - t0;
			break;
		}
		usleep(1000);
	}
	while (wait(NULL) > 0)
		;
	printf("FREELAT nproc=%d mib=%ld swap_kb=%ld base=%lld peak=%lld end=%lld munmap_ms=%.3f munmap_mean_ms=%.3f settle_ms=%.3f\n",
	       nproc, mib, swap_kb, base, peak, cur, max_ms, sum_ms / nproc,
	       settle);
	if (swap_kb * 1024L < (long)(npages * nproc * PAGE) * 9 / 10) {
		fprintf(stderr, "bench-tool: only %ld KiB went to swap\n", swap_kb);
		return 1;
	}
	return 0;
}

static int discard(const char *dev, long long period, long long off,
		   long long len)
{
	unsigned long long size, k, range[2];
	int fd = open(dev, O_WRONLY);

	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size))
		die(dev);
	for (k = 0; k * period + off + len <= size; k++) {
		range[0] = k * period + off;
		range[1] = len;
		if (ioctl(fd, BLKDISCARD, range))
			die("BLKDISCARD");
	}
	close(fd);
	printf("discarded %llu ranges of %lld bytes\n", k, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "freelat"))
		return freelat(argv[2], atol(argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "discard"))
		return discard(argv[2], atoll(argv[3]), atoll(argv[4]),
			       atoll(argv[5]));
	if (argc == 3 && !strcmp(argv[1], "time")) {
		double t = now_ms();
		int rc = system(argv[2]);

		printf("time_ms=%.3f\n", now_ms() - t);
		return rc != 0;
	}
	fprintf(stderr, "usage: bench-tool freelat CORPUS MIB NPROC | discard DEV PERIOD OFFSET LEN | time CMD\n");
	return 2;
}
