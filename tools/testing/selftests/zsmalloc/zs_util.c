// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the zsmalloc selftests; see zs_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"

size_t page_size = 4096;

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

/* Returns 0 or -errno: sysfs stores report their error from write(). */
int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	if (close(fd) && n >= 0)
		n = -errno;
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int read_ulong(const char *path, unsigned long *val)
{
	char buf[64];
	char *end;
	int ret = read_file(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int write_ulong(const char *path, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	return write_file(path, buf);
}

/* "key value" files: /proc/meminfo (kB), /proc/vmstat, memory.stat */
static long keyed_value(const char *path, const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ' ' || line[klen] == ':')) {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* One counter of the pool's debugfs "stats" file, or -1 if it has none */
long zram_pool_stat(struct zram_dev *z, const char *key)
{
	return keyed_value(z->stats, key);
}

unsigned long meminfo_kb(const char *key)
{
	long v = keyed_value("/proc/meminfo", key);

	return v < 0 ? 0 : v;
}

unsigned long vmstat_value(const char *key)
{
	long v = keyed_value("/proc/vmstat", key);

	return v < 0 ? 0 : v;
}

unsigned long kernel_tainted(void)
{
	unsigned long t = 0;

	read_ulong("/proc/sys/kernel/tainted", &t);
	return t;
}

/*
 * These tests swap, reset and remove zram devices and make file systems:
 * they run only in the throwaway VM.  That is either said explicitly
 * (ZSMALLOC_SELFTEST_VM=1, or =0 to refuse) or recognised by the root
 * file system being the initramfs (rootfs), which no installed system
 * runs from.
 */
bool in_test_vm(const char **why)
{
	const char *env = getenv("ZSMALLOC_SELFTEST_VM");
	char line[512], dev[128], dir[128], type[64];
	bool rootfs = false;
	FILE *f;

	if (env) {
		*why = "ZSMALLOC_SELFTEST_VM is not 1";
		return !strcmp(env, "1");
	}
	f = fopen("/proc/self/mounts", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %127s %63s", dev, dir, type) == 3 &&
			    !strcmp(dir, "/"))
				rootfs = !strcmp(type, "rootfs");
		}
		fclose(f);
	}
	*why = "not in the test VM (/ is not the initramfs; set ZSMALLOC_SELFTEST_VM=1 to force)";
	return rootfs;
}

const char *find_in_path(const char *prog)
{
	static char buf[512];
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/bin:/sbin:/usr/bin:/usr/sbin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, prog);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

/* Run a command; its output goes to our output as TAP comments. */
int run_cmd(const char *const argv[])
{
	char line[512];
	int pfd[2], status;
	pid_t pid;
	FILE *out;

	fflush(stdout);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	out = fdopen(pfd[0], "r");
	while (out && fgets(line, sizeof(line), out))
		ksft_print_msg("%s: %s", argv[0], line);
	if (out)
		fclose(out);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ensure_debugfs(void)
{
	if (!access("/sys/kernel/debug/zsmalloc", F_OK) ||
	    !access("/sys/kernel/debug/zswap", F_OK))
		return 0;
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* zram                                                                */
/* ------------------------------------------------------------------ */

#define ZRAM_CONTROL "/sys/class/zram-control"

bool zram_available(void)
{
	return !access(ZRAM_CONTROL "/hot_add", R_OK);
}

int zram_attr_write(struct zram_dev *z, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", z->sys, attr);
	return write_file(path, val);
}

/* A new device from hot_add, lzo-rle (or lzo) and @disksize bytes. */
int zram_create(struct zram_dev *z, unsigned long disksize)
{
	char size[32];
	unsigned long id;
	int ret, i;

	z->id = -1;
	ret = read_ulong(ZRAM_CONTROL "/hot_add", &id);
	if (ret) {
		ksft_print_msg("zram hot_add failed: %s\n", strerror(-ret));
		return ret;
	}
	z->id = id;
	snprintf(z->dev, sizeof(z->dev), "/dev/zram%d", z->id);
	snprintf(z->sys, sizeof(z->sys), "/sys/block/zram%d", z->id);
	snprintf(z->classes, sizeof(z->classes),
		 "/sys/kernel/debug/zsmalloc/zram%d/classes", z->id);
	snprintf(z->stats, sizeof(z->stats),
		 "/sys/kernel/debug/zsmalloc/zram%d/stats", z->id);

	if (zram_attr_write(z, "comp_algorithm", "lzo-rle") &&
	    zram_attr_write(z, "comp_algorithm", "lzo"))
		ksft_print_msg("zram%d: neither lzo-rle nor lzo, using the default\n",
			       z->id);
	snprintf(size, sizeof(size), "%lu", disksize);
	ret = zram_attr_write(z, "disksize", size);
	if (ret) {
		ksft_print_msg("zram%d: disksize %lu: %s\n", z->id, disksize,
			       strerror(-ret));
		zram_destroy(z);
		return ret;
	}
	/* devtmpfs creates the node; give a slow VM a moment */
	for (i = 0; i < 200 && access(z->dev, F_OK); i++)
		usleep(10000);
	if (access(z->dev, F_OK)) {
		ksft_print_msg("%s did not appear\n", z->dev);
		zram_destroy(z);
		return -ENOENT;
	}
	return 0;
}

/* reset (frees the pool) and hot_remove; retries while it is busy */
void zram_destroy(struct zram_dev *z)
{
	char id[16];
	int ret, i;

	if (z->id < 0)
		return;
	for (i = 0; i < 50; i++) {
		ret = zram_attr_write(z, "reset", "1");
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	if (ret)
		ksft_print_msg("zram%d: reset: %s\n", z->id, strerror(-ret));
	snprintf(id, sizeof(id), "%d", z->id);
	for (i = 0; i < 50; i++) {
		ret = write_file(ZRAM_CONTROL "/hot_remove", id);
		if (ret != -EBUSY)
			break;
		usleep(100000);
	}
	if (ret)
		ksft_print_msg("zram%d: hot_remove: %s\n", z->id, strerror(-ret));
	z->id = -1;
}

int zram_mm_stat(struct zram_dev *z, struct zram_mm_stat *st)
{
	char path[128], buf[512];
	int ret;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/mm_stat", z->sys);
	ret = read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	ret = sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
		     &st->orig_data_size, &st->compr_data_size,
		     &st->mem_used_total, &st->mem_limit, &st->mem_used_max,
		     &st->same_pages, &st->pages_compacted, &st->huge_pages,
		     &st->huge_pages_since);
	return ret >= 8 ? 0 : -EINVAL;
}

/* Sectors read from and written to the device (/sys/block/zramN/stat). */
int zram_io_sectors(struct zram_dev *z, unsigned long *rd, unsigned long *wr)
{
	unsigned long v[7];
	char path[128], buf[512];
	int ret;

	snprintf(path, sizeof(path), "%s/stat", z->sys);
	ret = read_file(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6]) != 7)
		return -EINVAL;
	*rd = v[2];
	*wr = v[6];
	return 0;
}

void zram_print_mm_stat(struct zram_dev *z, const char *when)
{
	struct zram_mm_stat st;

	if (zram_mm_stat(z, &st))
		return;
	ksft_print_msg("zram%d mm_stat %s: orig %llu KiB compr %llu KiB used %llu KiB same %llu compacted %llu huge %llu\n",
		       z->id, when, st.orig_data_size >> 10,
		       st.compr_data_size >> 10, st.mem_used_total >> 10,
		       st.same_pages, st.pages_compacted, st.huge_pages);
}

/* ------------------------------------------------------------------ */
/* The zsmalloc class table                                            */
/* ------------------------------------------------------------------ */

/*
 *  class  size       10%  ...       99%      100% obj_allocated   obj_used
 *     pages_used pages_per_zspage freeable
 * one row per class, a blank line, then "Total" without size and
 * pages_per_zspage.  The number of fullness columns is read from the
 * header ("NN%" tokens).
 */
int zs_read_classes(const char *path, struct zs_class_table *t)
{
	unsigned long v[32];
	char line[1024], *tok, *save;
	int ngroups = -1, n, i;
	bool total = false;
	FILE *f = fopen(path, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		n = 0;
		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		if (!strcmp(tok, "class")) {
			ngroups = 0;
			while ((tok = strtok_r(NULL, " \t\n", &save)))
				if (tok[strlen(tok) - 1] == '%')
					ngroups++;
			continue;
		}
		if (ngroups < 1 || ngroups > 11)
			break;
		total = !strcmp(tok, "Total");
		if (!total)
			v[n++] = strtoul(tok, NULL, 10);
		while (n < 32 && (tok = strtok_r(NULL, " \t\n", &save)))
			v[n++] = strtoul(tok, NULL, 10);
		if (total) {
			/* groups, obj_allocated, obj_used, pages_used, freeable */
			if (n != ngroups + 4)
				break;
			memcpy(t->total.groups, v, ngroups * sizeof(v[0]));
			t->total.obj_allocated = v[ngroups];
			t->total.obj_used = v[ngroups + 1];
			t->total.pages_used = v[ngroups + 2];
			t->total.freeable = v[ngroups + 3];
			break;
		}
		if (n != ngroups + 7 || t->nr == ZS_MAX_CLASSES)
			break;
		t->rows[t->nr].index = v[0];
		t->rows[t->nr].size = v[1];
		for (i = 0; i < ngroups; i++)
			t->rows[t->nr].groups[i] = v[2 + i];
		t->rows[t->nr].obj_allocated = v[ngroups + 2];
		t->rows[t->nr].obj_used = v[ngroups + 3];
		t->rows[t->nr].pages_used = v[ngroups + 4];
		t->rows[t->nr].pages_per_zspage = v[ngroups + 5];
		t->rows[t->nr].freeable = v[ngroups + 6];
		t->nr++;
	}
	fclose(f);
	if (!total || !t->nr) {
		ksft_print_msg("%s: unexpected format (%d rows parsed)\n", path,
			       t->nr);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Swap                                                                */
/* ------------------------------------------------------------------ */

/* The v1 swap header mkswap writes ("SWAPSPACE2"), no bad pages. */
int write_swap_header(const char *dev, unsigned long size)
{
	char *hdr = calloc(1, page_size);
	uint32_t *info = (uint32_t *)(hdr + 1024);
	int fd, ret = 0;

	if (!hdr)
		return -ENOMEM;
	info[0] = 1;				/* version */
	info[1] = size / page_size - 1;		/* last_page */
	info[2] = 0;				/* nr_badpages */
	memcpy(hdr + page_size - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY);
	if (fd < 0 || pwrite(fd, hdr, page_size, 0) != (ssize_t)page_size ||
	    fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(hdr);
	return ret;
}

int swap_enable(const char *dev, unsigned long size)
{
	int ret = write_swap_header(dev, size);

	if (ret) {
		ksft_print_msg("swap header on %s: %s\n", dev, strerror(-ret));
		return ret;
	}
	if (swapon(dev, SWAP_FLAG_PREFER | (100 & SWAP_FLAG_PRIO_MASK))) {
		ret = -errno;
		ksft_print_msg("swapon %s: %s\n", dev, strerror(errno));
	}
	return ret;
}

int swap_disable(const char *dev)
{
	if (swapoff(dev)) {
		ksft_print_msg("swapoff %s: %s\n", dev, strerror(errno));
		return -errno;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* cgroup v2                                                           */
/* ------------------------------------------------------------------ */

/* The cgroup2 mount (mounted at /sys/fs/cgroup if there is none), with
 * the memory controller enabled for children.
 */
int cgroup_root(char *buf, size_t len)
{
	char line[512], dev[128], dir[256], type[64], path[300], ctl[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2"))
			found = true;
	}
	if (f)
		fclose(f);
	if (!found) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup");
		mkdir(dir, 0755);
		if (mount("cgroup2", dir, "cgroup2", 0, NULL))
			return -errno;
	}
	snprintf(buf, len, "%s", dir);

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_file(path, ctl, sizeof(ctl)) < 0 || !strstr(ctl, "memory"))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_file(path, ctl, sizeof(ctl)) >= 0 && strstr(ctl, "memory"))
		return 0;
	return write_file(path, "+memory");
}

int cgroup_create(const char *root, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", root, name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cgroup_write(const char *cg, const char *file, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_file(path, val);
}

long cgroup_stat(const char *cg, const char *key)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	return keyed_value(path, key);
}

void cgroup_destroy(const char *cg)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return;
		usleep(100000);
	}
	ksft_print_msg("rmdir %s: %s\n", cg, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Data pattern                                                        */
/* ------------------------------------------------------------------ */

/*
 * Each page starts with a header naming it (so a page found in the wrong
 * place says where it belongs) followed by content derived only from
 * (index, seed).  The kind of content varies per page so that compressed
 * sizes spread over many size classes: word salad from vocabularies of
 * 8..64 words (lzo: about 2x), text with random bytes mixed in, text with
 * a random tail of any length, fully random (incompressible: zram's "huge"
 * pages) and a short repeated block (very small objects).  No page is
 * same-filled.
 */
#define PAGE_MAGIC	0x7a736d616c6c6f63ULL	/* "zsmalloc" */

struct page_hdr {
	uint64_t magic;
	uint64_t index;
	uint64_t seed;
	uint64_t kind;
};

static const char *const words[64] = {
	"the", "zspage", "of", "class", "object", "handle", "and", "page",
	"compress", "memory", "to", "swap", "a", "in", "pool", "free",
	"allocate", "migrate", "is", "chain", "for", "kernel", "slot", "size",
	"with", "that", "map", "unmap", "lock", "order", "zram", "zswap",
	"fragmentation", "shrinker", "compaction", "deferred", "per-cpu",
	"worker", "batch", "density", "huge", "merged", "fullness", "list",
	"isolate", "movable", "reclaim", "writeback", "block", "device",
	"cgroup", "stat", "debugfs", "offset", "straddle", "boundary", "copy",
	"buffer", "atomic", "context", "header", "index", "pfn", "run",
};

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_random(char *p, size_t len, uint64_t *s)
{
	uint64_t r;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		r = next_rand(s);
		memcpy(p + i, &r, 8);
	}
	for (; i < len; i++)
		p[i] = next_rand(s);
}

/*
 * Word salad: each random byte picks a word (low bits, from the first
 * @vocab words) and its separator; with @noise, a random byte follows a
 * word now and then.  Words are copied 16 bytes at a time from a padded
 * table, so a page costs about a hundred random numbers.
 */
static void fill_words(char *p, size_t len, uint64_t *s, unsigned int vocab,
		       unsigned int noise)
{
	static char padded[64][16];
	static unsigned char wlen[64];
	size_t i = 0, wl;
	uint64_t r = 0;
	unsigned int b, left = 0;

	if (!wlen[0]) {
		for (b = 0; b < 64; b++) {
			wlen[b] = strlen(words[b]);
			memcpy(padded[b], words[b], wlen[b]);
			padded[b][wlen[b]] = ' ';
		}
	}
	while (i < len) {
		if (!left) {
			r = next_rand(s);
			left = 8;
		}
		b = r & 0xff;
		r >>= 8;
		left--;
		wl = wlen[b & (vocab - 1)] + 1;
		if (i + 16 <= len) {
			memcpy(p + i, padded[b & (vocab - 1)], 16);
		} else {
			if (wl > len - i)
				wl = len - i;
			memcpy(p + i, padded[b & (vocab - 1)], wl);
		}
		if (b >= 0xe0)
			p[i + wl - 1] = '\n';
		i += wl;
		if (noise && i < len && b % noise == 1)
			p[i++] = *s >> 24;
	}
}

void fill_page(void *page, uint64_t index, uint64_t seed)
{
	struct page_hdr *h = page;
	char *body = (char *)page + sizeof(*h);
	size_t len = page_size - sizeof(*h);
	uint64_t s = mix64(index ^ mix64(seed)) | 1;
	unsigned int kind = s % 16;
	size_t i;

	h->magic = PAGE_MAGIC;
	h->index = index;
	h->seed = seed;
	h->kind = kind;
	switch (kind) {
	case 0 ... 9:
		fill_words(body, len, &s, 8 << (kind % 4), 0);
		break;
	case 10 ... 11:
		fill_words(body, len, &s, 64, 4);
		break;
	case 12 ... 13:
		/* a random tail of any length: compressed sizes in between */
		i = next_rand(&s) % len;
		fill_words(body, len - i, &s, 32, 0);
		fill_random(body + len - i, i, &s);
		break;
	case 15:
		fill_random(body, len, &s);
		break;
	default:
		fill_random(body, 64, &s);
		for (i = 64; i < len; i++)
			body[i] = body[i % 64];
		break;
	}
}

/* -1 if @page is page @index of @seed, else the first differing offset */
long check_page(const void *page, uint64_t index, uint64_t seed, void *scratch)
{
	const unsigned char *a = page, *b = scratch;
	size_t i;

	fill_page(scratch, index, seed);
	if (!memcmp(page, scratch, page_size))
		return -1;
	for (i = 0; i < page_size && a[i] == b[i]; i++)
		;
	return i;
}

void report_bad_page(const void *page, uint64_t index, uint64_t seed,
		     long offset, const char *what)
{
	const struct page_hdr *h = page;
	const unsigned char *p = page;
	size_t i, zeros = 0;
	char hex[3 * 16 + 1] = "";

	for (i = 0; i < page_size; i++)
		zeros += !p[i];
	for (i = 0; i < 16 && offset + i < page_size; i++)
		sprintf(hex + 3 * i, " %02x", p[offset + i]);
	ksft_print_msg("%s: page %llu (seed %llu) differs at offset %ld:%s\n",
		       what, (unsigned long long)index,
		       (unsigned long long)seed, offset, hex);
	if (zeros == page_size)
		ksft_print_msg("  the page reads back all zeros\n");
	else if (h->magic == PAGE_MAGIC && (h->index != index || h->seed != seed))
		ksft_print_msg("  it holds page %llu of seed %llu (misplaced data)\n",
			       (unsigned long long)h->index,
			       (unsigned long long)h->seed);
	else if (h->magic == PAGE_MAGIC)
		ksft_print_msg("  header intact (kind %llu): content corrupted from offset %ld (%ld bytes into the page's %s half)\n",
			       (unsigned long long)h->kind, offset,
			       offset % (long)(page_size / 2),
			       offset < (long)page_size / 2 ? "first" : "second");
	else
		ksft_print_msg("  header corrupted (%zu zero bytes in the page)\n",
			       zeros);
}

/* ------------------------------------------------------------------ */
/* Workload in a child                                                 */
/* ------------------------------------------------------------------ */

static int child_workload(struct workload *w, int to_parent, int from_parent)
{
	unsigned long n = w->size / page_size, i, bad = 0;
	char *mem, *scratch = malloc(page_size);
	char c = 'F';
	long off;

	write_file("/proc/self/oom_score_adj", "1000");
	if (w->cgroup && cgroup_write(w->cgroup, "cgroup.procs", "0")) {
		ksft_print_msg("cannot join %s\n", w->cgroup);
		return 2;
	}
	mem = mmap(NULL, w->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED || !scratch) {
		ksft_print_msg("mmap %lu MiB: %s\n", w->size / MIB,
			       strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++)
		fill_page(mem + i * page_size, i, w->seed);
	if (write(to_parent, &c, 1) != 1 || read(from_parent, &c, 1) != 1)
		return 2;
	/*
	 * Newest pages first: they are the ones still resident, and reading
	 * them first keeps LRU from evicting pages just before we read them.
	 */
	for (i = n; i-- > 0;) {
		off = check_page(mem + i * page_size, i, w->seed, scratch);
		if (off >= 0 && bad++ < 4)
			report_bad_page(mem + i * page_size, i, w->seed, off,
					"anon memory");
	}
	if (bad)
		ksft_print_msg("%lu of %lu pages corrupted after swap-in\n",
			       bad, n);
	return bad ? 1 : 0;
}

/*
 * Returns KSFT_PASS if the data came back intact and at_filled passed,
 * else KSFT_FAIL (with the reason printed).
 */
int run_workload(struct workload *w)
{
	int up[2], down[2], status, ret = KSFT_PASS;
	char c;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return KSFT_FAIL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return KSFT_FAIL;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(child_workload(w, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		ksft_print_msg("workload died while filling memory\n");
		ret = KSFT_FAIL;
	} else {
		if (w->at_filled && w->at_filled(w->arg) != KSFT_PASS)
			ret = KSFT_FAIL;
		c = 'V';
		if (write(down[1], &c, 1) != 1)
			ret = KSFT_FAIL;
	}
	close(up[0]);
	close(down[1]);
	if (waitpid(pid, &status, 0) < 0)
		return KSFT_FAIL;
	if (WIFSIGNALED(status)) {
		ksft_print_msg("workload killed by signal %d%s\n",
			       WTERMSIG(status),
			       WTERMSIG(status) == SIGKILL ? " (OOM killer?)" : "");
		return KSFT_FAIL;
	}
	if (WEXITSTATUS(status)) {
		if (WEXITSTATUS(status) != 1)
			ksft_print_msg("workload failed to set up\n");
		return KSFT_FAIL;
	}
	return ret;
}
