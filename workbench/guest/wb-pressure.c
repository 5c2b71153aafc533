// SPDX-License-Identifier: GPL-2.0
/*
 * wb-pressure: push more real data than the guest has RAM through swap
 * (zram on zsmalloc), read it all back and verify it.
 *
 *   wb-pressure CORPUS MIB [PEAK_CMD]
 *
 * Every 4 KiB page of a MIB-sized anonymous mapping is filled from the
 * corpus file (kernel source text and binaries) at a page-dependent,
 * unaligned offset, and stamped with its index, so pages compress like
 * real data but no two are identical. A 64-bit FNV-1a checksum of each
 * page is kept in a small side table. After the whole mapping has been
 * written (most of it is then in swap), every page is read back and
 * checked. PEAK_CMD, if given, runs (sh -c) between the two phases, while
 * the data sits in swap. Prints "data check: OK" and exits 0, or lists the first bad
 * pages, prints "data check: FAILED" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static void fill_page(unsigned char *dst, const unsigned char *corpus,
		      size_t clen, size_t i)
{
	/* A large odd multiplier spreads pages over the whole corpus. */
	size_t off = (i * 2654435761UL + i / 7) % (clen - PAGE);

	memcpy(dst, corpus + off, PAGE);
	memcpy(dst, &i, sizeof(i));	/* unique: no two pages identical */
}

int main(int argc, char **argv)
{
	unsigned char *corpus, *mem;
	size_t clen, npages, i, bad = 0;
	uint64_t *sums;
	struct stat st;
	double t0, t1, t2;
	long swap_used;
	int fd;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s CORPUS MIB [PEAK_CMD]\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "wb-pressure: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	clen = st.st_size;
	if (clen < 2 * PAGE) {
		fprintf(stderr, "wb-pressure: corpus %s too small\n", argv[1]);
		return 2;
	}
	corpus = mmap(NULL, clen, PROT_READ, MAP_PRIVATE, fd, 0);
	npages = strtoul(argv[2], NULL, 0) * (1024 * 1024 / PAGE);
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sums = calloc(npages, sizeof(*sums));
	if (corpus == MAP_FAILED || mem == MAP_FAILED || !sums) {
		fprintf(stderr, "wb-pressure: out of memory\n");
		return 2;
	}
	printf("wb-pressure: corpus %zu KiB, writing %zu MiB (%zu pages), MemTotal %ld KiB\n",
	       clen / 1024, npages * PAGE >> 20, npages, meminfo_kb("MemTotal"));
	fflush(stdout);

	t0 = now();
	for (i = 0; i < npages; i++) {
		fill_page(mem + i * PAGE, corpus, clen, i);
		sums[i] = fnv1a(mem + i * PAGE, PAGE);
		if ((i + 1) % (npages / 8) == 0) {
			printf("  written %3zu%%  swap used %ld MiB\n",
			       (i + 1) * 100 / npages,
			       (meminfo_kb("SwapTotal") - meminfo_kb("SwapFree")) / 1024);
			fflush(stdout);
		}
	}
	t1 = now();
	swap_used = meminfo_kb("SwapTotal") - meminfo_kb("SwapFree");
	printf("wb-pressure: wrote %zu MiB in %.1f s, %ld MiB in swap\n",
	       npages * PAGE >> 20, t1 - t0, swap_used / 1024);

	if (argc == 4) {
		fflush(stdout);
		if (system(argv[3]))
			printf("wb-pressure: note: '%s' failed\n", argv[3]);
		fflush(stdout);
		t1 = now();
	}

	for (i = 0; i < npages; i++) {
		if (fnv1a(mem + i * PAGE, PAGE) != sums[i]) {
			unsigned char want[PAGE];

			fill_page(want, corpus, clen, i);
			if (bad < 10)
				printf("  page %zu: checksum mismatch (%s)\n", i,
				       memcmp(want, mem + i * PAGE, PAGE) ?
				       "content differs" : "side table corrupt");
			bad++;
		}
	}
	t2 = now();
	printf("wb-pressure: read back and checked %zu pages in %.1f s\n",
	       npages, t2 - t1);
	if (swap_used * 1024L < (long)(npages * PAGE) / 4)
		printf("wb-pressure: note: only %ld MiB went to swap\n", swap_used / 1024);
	if (bad) {
		printf("data check: FAILED (%zu of %zu pages bad)\n", bad, npages);
		return 1;
	}
	printf("data check: OK (%zu MiB verified)\n", npages * PAGE >> 20);
	return 0;
}
