// SPDX-License-Identifier: GPL-2.0
/*
 * zram devices and block I/O for the zsmalloc selftests; see zs_zram.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"
#include "zs_pattern.h"
#include "zs_zram.h"

#define IO_CHUNK_PAGES		64

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

/*
 * For the tests that read a pool's class table: a table to read it into
 * (free() it), once zram is there and debugfs mounted.  NULL if not,
 * with *ret the test's result (KSFT_FAIL, or a skip that says why).
 */
struct zs_class_table *zram_class_table(int *ret)
{
	struct zs_class_table *t;

	if (!zram_available()) {
		*ret = skip("zram is not available");
		return NULL;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		*ret = KSFT_FAIL;
		return NULL;
	}
	ensure_debugfs();
	return t;
}

/* 0 if @z's pool has a debugfs class table, else the skip that says not */
int zram_classes_readable(struct zram_dev *z)
{
	if (!access(z->classes, R_OK))
		return 0;
	return skip("no %s (CONFIG_ZSMALLOC_STAT off?)", z->classes);
}

/* A new device from hot_add, lzo-rle (or lzo) and @disksize bytes. */
int zram_create(struct zram_dev *z, unsigned long disksize)
{
	return zram_create_order(z, disksize, ZRAM_ORDER_UNSET);
}

/*
 * zram_create_order() with a pool of the kind asked for, whatever
 * zsmalloc.packed says (it is put back after): size classes for the
 * cases that test the class table (where the parameter is missing, pools
 * have them), or a packed pool (-ENOENT where the parameter is missing).
 */
int zram_create_kind(struct zram_dev *z, unsigned long disksize, int order,
		     bool packed)
{
	char old[8] = "";
	int ret;

	if (read_file(ZS_PACKED_PARAM, old, sizeof(old)) < 0)
		return packed ? -ENOENT : zram_create_order(z, disksize, order);
	if (write_file(ZS_PACKED_PARAM, packed ? "1" : "0"))
		return -EIO;
	ret = zram_create_order(z, disksize, order);
	write_file(ZS_PACKED_PARAM, old[0] == 'Y' ? "1" : "0");
	return ret;
}

/* zram_create_kind() with size classes */
int zram_create_classes(struct zram_dev *z, unsigned long disksize, int order)
{
	return zram_create_kind(z, disksize, order, false);
}

/*
 * A device whose zspage_order attribute is set to @order before disksize
 * (ZRAM_ORDER_UNSET: left alone).  -ENOENT if the attribute is missing.
 */
int zram_create_order(struct zram_dev *z, unsigned long disksize, int order)
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
	if (order != ZRAM_ORDER_UNSET) {
		snprintf(size, sizeof(size), "%d", order);
		ret = zram_attr_write(z, "zspage_order", size);
		if (ret) {
			ksft_print_msg("zram%d: zspage_order %d: %s\n", z->id,
				       order, strerror(-ret));
			zram_destroy(z);
			return ret;
		}
	}
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
	char kib[96];

	if (zram_mm_stat(z, &st))
		return;
	snprintf(kib, sizeof(kib), "orig %llu KiB compr %llu KiB used %llu KiB",
		 st.orig_data_size >> 10, st.compr_data_size >> 10,
		 st.mem_used_total >> 10);
	ksft_print_msg("zram%d mm_stat %s: %s same %llu compacted %llu huge %llu\n",
		       z->id, when, kib, st.same_pages, st.pages_compacted,
		       st.huge_pages);
}

/* One counter of the pool's debugfs "stats" file, or -1 if it has none */
long zram_pool_stat(struct zram_dev *z, const char *key)
{
	return keyed_value(z->stats, key);
}

/* Objects zram keeps in its pool: pages stored, minus same-filled ones */
unsigned long long zram_objects(const struct zram_mm_stat *st)
{
	return st->orig_data_size / page_size - st->same_pages;
}

/*
 * Wait until the pool holds exactly the objects zram stores, no free is
 * left deferred (a pool that does not defer has no counter) and no empty
 * zspage waits for its pages to be freed (the class table's pages are
 * all of the pool's), or until
 * now() reaches @deadline.  @st and @t keep the last readings.  Returns
 * 0 once settled, 1 at the deadline, -1 if a file cannot be read.
 */
int zram_pool_settle(struct zram_dev *z, struct zs_class_table *t,
		     struct zram_mm_stat *st, double deadline)
{
	for (;;) {
		if (zram_mm_stat(z, st) || zs_read_classes(z->classes, t))
			return -1;
		if (t->total.obj_used == zram_objects(st) &&
		    t->total.pages_used == st->mem_used_total / page_size &&
		    zram_pool_stat(z, "deferred_pending") <= 0)
			return 0;
		if (now() >= deadline)
			return 1;
		usleep(2000);
	}
}

/* ------------------------------------------------------------------ */
/* Block device I/O with O_DIRECT: every byte goes through zram        */
/* ------------------------------------------------------------------ */

static void *io_buffer(void)
{
	void *buf;

	if (posix_memalign(&buf, page_size, IO_CHUNK_PAGES * page_size))
		return NULL;
	return buf;
}

/*
 * Write pages [first, first + n) at their index: page i of the pattern
 * *@seed, or zeros when @seed is NULL.
 */
static int bdev_write(const char *dev, unsigned long first, unsigned long n,
		      const uint64_t *seed)
{
	unsigned long i, j, chunk;
	char *buf = io_buffer();
	int fd, ret = 0;

	fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0 || !buf) {
		ksft_print_msg("open %s: %s\n", dev, strerror(errno));
		free(buf);
		return -1;
	}
	if (!seed)
		memset(buf, 0, IO_CHUNK_PAGES * page_size);
	for (i = first; i < first + n; i += chunk) {
		chunk = first + n - i;
		if (chunk > IO_CHUNK_PAGES)
			chunk = IO_CHUNK_PAGES;
		for (j = 0; seed && j < chunk; j++)
			fill_page(buf + j * page_size, i + j, *seed);
		if (pwrite(fd, buf, chunk * page_size, i * page_size) !=
		    (ssize_t)(chunk * page_size)) {
			ksft_print_msg("write %s page %lu: %s\n", dev, i,
				       strerror(errno));
			ret = -1;
			break;
		}
	}
	if (!ret && fsync(fd))
		ret = -1;
	close(fd);
	free(buf);
	return ret;
}

/* Write pages [first, first + n) of the pattern @seed at their index. */
int bdev_write_pages(const char *dev, unsigned long first, unsigned long n,
		     uint64_t seed)
{
	return bdev_write(dev, first, n, &seed);
}

/* Zero-filled pages: zram keeps them out of zsmalloc (same_pages) */
int bdev_write_zero_pages(const char *dev, unsigned long first,
			  unsigned long n)
{
	return bdev_write(dev, first, n, NULL);
}

static bool page_is_zero(const char *p)
{
	size_t i;

	for (i = 0; i < page_size; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Read pages [0, n) back: each must hold the pattern @seed, except, with
 * @hole_mod > 1, pages with index % hole_mod == 1, which were discarded
 * and must read as zeros.
 */
int bdev_verify_pages(const char *dev, unsigned long n, uint64_t seed,
		      unsigned long hole_mod)
{
	unsigned long i, j, chunk, bad = 0;
	char *buf = io_buffer(), *scratch = malloc(page_size), *p;
	int fd;
	long off;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0 || !buf || !scratch) {
		ksft_print_msg("open %s: %s\n", dev, strerror(errno));
		free(buf);
		free(scratch);
		return -1;
	}
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < IO_CHUNK_PAGES ? n - i : IO_CHUNK_PAGES;
		if (pread(fd, buf, chunk * page_size, i * page_size) !=
		    (ssize_t)(chunk * page_size)) {
			ksft_print_msg("read %s page %lu: %s\n", dev, i,
				       strerror(errno));
			bad++;
			break;
		}
		for (j = 0; j < chunk; j++) {
			p = buf + j * page_size;
			if (hole_mod > 1 && (i + j) % hole_mod == 1) {
				if (!page_is_zero(p) && bad++ < 4)
					ksft_print_msg("%s: discarded page %lu is not zero\n",
						       dev, i + j);
				continue;
			}
			off = check_page(p, i + j, seed, scratch);
			if (off >= 0 && bad++ < 4)
				report_bad_page(p, i + j, seed, off, dev);
		}
	}
	close(fd);
	free(buf);
	free(scratch);
	if (bad)
		ksft_print_msg("%s: %lu bad pages of %lu\n", dev, bad, n);
	return bad ? -1 : 0;
}

/* BLKDISCARD pages [first, first + n): zram frees their objects */
int bdev_discard(const char *dev, unsigned long first, unsigned long n)
{
	uint64_t range[2] = { first * page_size, n * page_size };
	int fd = open(dev, O_RDWR), ret;

	if (fd < 0) {
		ksft_print_msg("open %s: %s\n", dev, strerror(errno));
		return -1;
	}
	ret = ioctl(fd, BLKDISCARD, range);
	if (ret)
		ksft_print_msg("BLKDISCARD %s pages %lu..%lu: %s\n", dev, first,
			       first + n - 1, strerror(errno));
	close(fd);
	return ret;
}
