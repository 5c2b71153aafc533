// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc selftests: the allocator seen through its two users, zram and
 * zswap, on a running kernel.  Every test stores data whose every page is
 * regenerable from (page index, seed) and checks it byte for byte after it
 * went through zsmalloc, and checks the accounting zram and zsmalloc
 * report about that data (mm_stat, the debugfs class table).
 *
 * The tests create their own zram devices (hot_add/hot_remove), swap on
 * them, make file systems and change module parameters, so they refuse to
 * run outside the test VM (see in_test_vm()).
 *
 * Usage: zsmalloc_test [-l] [test...]	(no test names: all of them)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"
#include "zs_pattern.h"
#include "zs_swap.h"
#include "zs_zram.h"
#include "zs_faults.h"
#include "zs_deferred.h"

#define ZSPAGE_ORDER_PARAM	"/sys/module/zsmalloc/parameters/zspage_order"
#define ZSWAP_PARAM(x)		"/sys/module/zswap/parameters/" x

static char skip_reason[256];

/* Record why a test is skipped; it goes on the test's TAP line. */
__printf(1, 2) int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	return KSFT_SKIP;
}

/* ------------------------------------------------------------------ */
/* 1. zram swap under memory pressure                                  */
/* ------------------------------------------------------------------ */

struct pressure_ctx {
	struct zram_dev *zram;
	unsigned long rd0, wr0;
};

/*
 * Swap-out is seen from zram's own I/O statistics and swap usage in
 * /proc/meminfo: /proc/vmstat's pswpout needs CONFIG_VM_EVENT_COUNTERS.
 */
static int pressure_filled(void *arg)
{
	struct pressure_ctx *c = arg;
	struct zram_mm_stat st;
	unsigned long rd, wr, used;

	if (zram_mm_stat(c->zram, &st) || zram_io_sectors(c->zram, &rd, &wr))
		return KSFT_FAIL;
	used = meminfo_kb("SwapTotal") - meminfo_kb("SwapFree");
	zram_print_mm_stat(c->zram, "with the workload swapped out");
	ksft_print_msg("swap used %lu MiB, %lu MiB written to zram%d\n",
		       used >> 10, (wr - c->wr0) >> 11, c->zram->id);
	if (!used || wr == c->wr0 || !st.orig_data_size) {
		ksft_print_msg("no swapping to zram happened\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * Anonymous memory larger than what is available, swapped to zram, read
 * back.  On the 1 GiB test VM this is global pressure (reclaim, zsmalloc's
 * shrinker, and compaction migrating zspage pages); on a machine with much
 * more memory available the workload is confined to a memory cgroup
 * instead, to stay bounded in time.
 */
static int test_zram_swap_pressure(void)
{
	unsigned long avail = meminfo_kb("MemAvailable") * 1024UL;
	unsigned long size, rd, wr, limit = 0;
	struct zram_dev zram = { .id = -1 };
	struct pressure_ctx ctx = { .zram = &zram };
	struct workload w = { .seed = 1, .at_filled = pressure_filled,
			      .arg = &ctx };
	char root[256], cg[300] = "", *env = getenv("ZSMALLOC_PRESSURE_MIB");
	int ret = KSFT_FAIL;

	if (!zram_available())
		return skip("zram is not available");

	if (env) {
		size = strtoul(env, NULL, 0) * MIB;
	} else if (avail && avail <= 1536 * MIB) {
		/* ~450 MiB swapped at +192 MiB took 300 s under TCG+KASAN */
		size = avail + (avail / 8 < 96 * MIB ? avail / 8 : 96 * MIB);
	} else {
		if (cgroup_root(root, sizeof(root)))
			return skip("%lu MiB available and no memory cgroup to confine the workload",
				    avail / MIB);
		if (cgroup_create(root, "zsmalloc_test_pressure", cg, sizeof(cg)))
			return KSFT_FAIL;
		limit = 128 * MIB;
		size = 384 * MIB;
		cgroup_write(cg, "memory.max", "134217728");
		w.cgroup = cg;
	}
	w.size = size;
	ksft_print_msg("MemAvailable %lu MiB, workload %lu MiB%s\n", avail / MIB,
		       size / MIB, limit ? " in a cgroup with memory.max 128 MiB" : "");

	if (zram_create(&zram, size))
		goto out;
	if (swap_enable(zram.dev, size))
		goto out_zram;

	if (zram_io_sectors(&zram, &ctx.rd0, &ctx.wr0))
		goto out_swap;
	ret = run_workload(&w);
	if (zram_io_sectors(&zram, &rd, &wr))
		ret = KSFT_FAIL;
	ksft_print_msg("%lu MiB read back from zram%d\n", (rd - ctx.rd0) >> 11,
		       zram.id);
	if (ret == KSFT_PASS && rd == ctx.rd0) {
		ksft_print_msg("nothing was swapped back in\n");
		ret = KSFT_FAIL;
	}
out_swap:
	swap_disable(zram.dev);
out_zram:
	zram_destroy(&zram);
out:
	if (*cg)
		cgroup_destroy(cg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 2. zram compaction                                                  */
/* ------------------------------------------------------------------ */

/*
 * Fill a device, discard every other page so that every zspage is half
 * empty, compact: the pool must shrink, report the pages it compacted,
 * and every surviving object must still hold its data.
 */
static int test_zram_compact(void)
{
	const unsigned long n = 48 * MIB / page_size;
	struct zram_mm_stat st0, st1, st2;
	struct zram_dev zram = { .id = -1 };
	int ret = KSFT_FAIL;
	unsigned long i;

	if (!zram_available())
		return skip("zram is not available");
	if (zram_create(&zram, 2 * n * page_size))
		return KSFT_FAIL;
	if (bdev_write_pages(zram.dev, 0, n, 2) || zram_mm_stat(&zram, &st0))
		goto out;
	zram_print_mm_stat(&zram, "after writing");
	if (st0.orig_data_size != n * page_size) {
		ksft_print_msg("orig_data_size %llu after writing %lu pages\n",
			       st0.orig_data_size, n);
		goto out;
	}

	for (i = 1; i < n; i += 2)
		if (bdev_discard(zram.dev, i, 1))
			goto out;
	if (zram_mm_stat(&zram, &st1))
		goto out;
	zram_print_mm_stat(&zram, "after discarding every other page");
	if (st1.orig_data_size != (n / 2) * page_size) {
		ksft_print_msg("orig_data_size %llu, expected %lu after discarding half\n",
			       st1.orig_data_size, (n / 2) * page_size);
		goto out;
	}

	if (zram_attr_write(&zram, "compact", "1") || zram_mm_stat(&zram, &st2))
		goto out;
	zram_print_mm_stat(&zram, "after compact");
	ksft_print_msg("compaction: mem_used_total %llu -> %llu KiB (%lld%%), pages_compacted +%llu\n",
		       st1.mem_used_total >> 10, st2.mem_used_total >> 10,
		       st1.mem_used_total ? (long long)(100 * st2.mem_used_total /
							st1.mem_used_total) - 100 : 0,
		       st2.pages_compacted - st1.pages_compacted);

	if (st2.pages_compacted <= st1.pages_compacted ||
	    st2.mem_used_total >= st1.mem_used_total) {
		/* the shrinker may have compacted before we asked */
		if (st1.pages_compacted > st0.pages_compacted &&
		    st2.mem_used_total < st0.mem_used_total) {
			ksft_print_msg("the pool was already compacted (shrinker) before the request\n");
		} else {
			ksft_print_msg("compact freed nothing from a half-empty pool\n");
			goto out;
		}
	}
	if (st2.orig_data_size != st1.orig_data_size ||
	    st2.compr_data_size != st1.compr_data_size) {
		ksft_print_msg("compaction changed the stored data size\n");
		goto out;
	}
	if (bdev_verify_pages(zram.dev, n, 2, 2))
		goto out;
	ret = KSFT_PASS;
out:
	zram_destroy(&zram);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 3. ext4 on zram                                                     */
/* ------------------------------------------------------------------ */

#define EXT4_FILES	48

static unsigned long ext4_file_size(int k)
{
	/* 256 KiB .. 1.75 MiB, most not page aligned */
	return (k % 7 + 1) * 256 * 1024UL + (k % 5) * 1000;
}

static int ext4_write_file(const char *dir, int k)
{
	unsigned long size = ext4_file_size(k), i;
	char path[512], *page = malloc(page_size);
	size_t len;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/f%02d", dir, k);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || !page) {
		ksft_print_msg("create %s: %s\n", path, strerror(errno));
		free(page);
		return -1;
	}
	for (i = 0; i * page_size < size; i++) {
		len = size - i * page_size < page_size ? size - i * page_size
						       : page_size;
		fill_page(page, i, 100 + k);
		if (write(fd, page, len) != (ssize_t)len) {
			ksft_print_msg("write %s: %s\n", path, strerror(errno));
			ret = -1;
			break;
		}
	}
	if (fsync(fd))
		ret = -1;
	close(fd);
	free(page);
	return ret;
}

static int ext4_verify_file(const char *dir, int k)
{
	unsigned long size = ext4_file_size(k), i;
	char path[512], *page = malloc(page_size), *exp = malloc(page_size);
	size_t len;
	ssize_t got;
	int fd, ret = 0;
	struct stat stt;

	snprintf(path, sizeof(path), "%s/f%02d", dir, k);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !page || !exp) {
		ksft_print_msg("open %s: %s\n", path, strerror(errno));
		ret = -1;
		goto out;
	}
	if (fstat(fd, &stt) || (unsigned long)stt.st_size != size) {
		ksft_print_msg("%s: size %lld, expected %lu\n", path,
			       (long long)stt.st_size, size);
		ret = -1;
		goto out;
	}
	for (i = 0; i * page_size < size; i++) {
		len = size - i * page_size < page_size ? size - i * page_size
						       : page_size;
		got = read(fd, page, len);
		fill_page(exp, i, 100 + k);
		if (got != (ssize_t)len || memcmp(page, exp, len)) {
			size_t off = 0;

			while (got > 0 && off < (size_t)got && page[off] == exp[off])
				off++;
			ksft_print_msg("%s: page %lu differs at offset %zu (read %zd of %zu)\n",
				       path, i, off, got, len);
			ret = -1;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(page);
	free(exp);
	return ret;
}

static int ext4_verify_all(const char *dir, int step, const char *when)
{
	int k, bad = 0;

	for (k = step == 2 ? 1 : 0; k < EXT4_FILES; k += step)
		bad += !!ext4_verify_file(dir, k);
	if (bad)
		ksft_print_msg("%d files corrupted %s\n", bad, when);
	return bad;
}

static int drop_page_cache(void)
{
	sync();
	return write_file("/proc/sys/vm/drop_caches", "3");
}

/*
 * A file system on zram: data written, dropped from the page cache and
 * read back from zram; again after a remount; then half the files are
 * deleted and trimmed (freeing their objects), the pool compacted and the
 * rest read back again.
 */
static int test_ext4_on_zram(void)
{
	const char *mkfs = find_in_path("mkfs.ext4");
	struct zram_dev zram = { .id = -1 };
	char dir[] = "/tmp/zsmalloc_ext4.XXXXXX";
	struct fstrim_range trim = { .len = ~0ULL };
	const char *argv[] = { NULL, "-q", "-F", "-b", "4096", NULL, NULL };
	bool mounted = false;
	int ret = KSFT_FAIL, k, fd;

	if (!zram_available())
		return skip("zram is not available");
	if (!mkfs)
		return skip("mkfs.ext4 not found in PATH");
	if (zram_create(&zram, 256 * MIB))
		return KSFT_FAIL;
	argv[0] = mkfs;
	argv[5] = zram.dev;
	if (run_cmd(argv)) {
		ksft_print_msg("mkfs.ext4 %s failed\n", zram.dev);
		goto out;
	}
	if (!mkdtemp(dir)) {
		ksft_print_msg("mkdtemp: %s\n", strerror(errno));
		goto out;
	}
	if (mount(zram.dev, dir, "ext4", 0, NULL)) {
		ksft_print_msg("mount %s: %s\n", zram.dev, strerror(errno));
		goto out_dir;
	}
	mounted = true;

	for (k = 0; k < EXT4_FILES; k++)
		if (ext4_write_file(dir, k))
			goto out_umount;
	if (drop_page_cache())
		goto out_umount;
	zram_print_mm_stat(&zram, "after writing the files");
	if (ext4_verify_all(dir, 1, "after drop_caches"))
		goto out_umount;

	if (umount(dir)) {
		ksft_print_msg("umount: %s\n", strerror(errno));
		goto out_umount;
	}
	mounted = false;
	if (mount(zram.dev, dir, "ext4", 0, NULL)) {
		ksft_print_msg("remount %s: %s\n", zram.dev, strerror(errno));
		goto out_dir;
	}
	mounted = true;
	if (ext4_verify_all(dir, 1, "after remount"))
		goto out_umount;

	for (k = 0; k < EXT4_FILES; k += 2) {
		char path[512];

		snprintf(path, sizeof(path), "%s/f%02d", dir, k);
		unlink(path);
	}
	sync();
	fd = open(dir, O_RDONLY);
	if (fd < 0 || ioctl(fd, FITRIM, &trim))
		ksft_print_msg("FITRIM: %s (continuing)\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	zram_attr_write(&zram, "compact", "1");
	zram_print_mm_stat(&zram, "after deleting half, FITRIM and compact");
	if (drop_page_cache() || ext4_verify_all(dir, 2, "after delete+trim+compact"))
		goto out_umount;
	ret = KSFT_PASS;
out_umount:
	if (mounted && umount(dir)) {
		ksft_print_msg("umount %s: %s\n", dir, strerror(errno));
		ret = KSFT_FAIL;
	}
out_dir:
	rmdir(dir);
out:
	zram_destroy(&zram);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 4. zswap on zsmalloc, in a memory cgroup                            */
/* ------------------------------------------------------------------ */

struct zswap_ctx {
	const char *cg;
};

/* Objects in the zsmalloc pools zswap created (Total obj_used), or -1. */
static long zswap_pool_objects(void)
{
	struct zs_class_table *t = malloc(sizeof(*t));
	char path[512];
	struct dirent *d;
	long objs = -1;
	DIR *dir = opendir("/sys/kernel/debug/zsmalloc");

	while (dir && t && (d = readdir(dir))) {
		if (strncmp(d->d_name, "zswap", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/zsmalloc/%s/classes",
			 d->d_name);
		if (zs_read_classes(path, t))
			continue;
		objs = (objs < 0 ? 0 : objs) + t->total.obj_used;
	}
	if (dir)
		closedir(dir);
	free(t);
	return objs;
}

static int zswap_filled(void *arg)
{
	struct zswap_ctx *c = arg;
	long zswpout = cgroup_stat(c->cg, "zswpout");
	long zswapped = cgroup_stat(c->cg, "zswapped");
	long objs = zswap_pool_objects();
	unsigned long stored = 0;
	int ret = KSFT_PASS;

	read_ulong("/sys/kernel/debug/zswap/stored_pages", &stored);
	ksft_print_msg("cgroup zswpout %ld zswapped %ld KiB, zswap stored_pages %lu, zsmalloc zswap pool objects %ld\n",
		       zswpout, zswapped >> 10, stored, objs);
	if (zswpout <= 0 || zswapped <= 0) {
		ksft_print_msg("nothing went to zswap from the cgroup\n");
		ret = KSFT_FAIL;
	}
	if (!access("/sys/kernel/debug/zswap/stored_pages", R_OK) && !stored) {
		ksft_print_msg("zswap stored_pages is 0\n");
		ret = KSFT_FAIL;
	}
	if (!access("/sys/kernel/debug/zsmalloc", F_OK) && objs == 0) {
		ksft_print_msg("zswap's zsmalloc pool holds no objects\n");
		ret = KSFT_FAIL;
	}
	return ret;
}

static int test_zswap_cgroup(void)
{
	char root[256], cg[300] = "", enabled[16] = "N", zpool[64] = "";
	struct zram_dev zram = { .id = -1 };
	struct zswap_ctx ctx = { .cg = cg };
	struct workload w = { .size = 96 * MIB, .seed = 4,
			      .at_filled = zswap_filled, .arg = &ctx };
	int ret = KSFT_FAIL, err;

	if (access("/sys/module/zswap", F_OK))
		return skip("zswap is not built in");
	if (!zram_available())
		return skip("zram is not available (backing swap)");
	if (cgroup_root(root, sizeof(root)))
		return skip("no cgroup v2 memory controller");
	ensure_debugfs();

	read_file(ZSWAP_PARAM("enabled"), enabled, sizeof(enabled));
	read_file(ZSWAP_PARAM("zpool"), zpool, sizeof(zpool));
	enabled[strcspn(enabled, "\n")] = '\0';
	zpool[strcspn(zpool, "\n")] = '\0';
	if (strcmp(zpool, "zsmalloc")) {
		err = write_file(ZSWAP_PARAM("zpool"), "zsmalloc");
		if (err)
			return skip("zswap refuses zpool=zsmalloc: %s",
				    strerror(-err));
	}

	if (zram_create(&zram, 512 * MIB))
		goto out_param;
	if (swap_enable(zram.dev, 512 * MIB))
		goto out_zram;
	err = write_file(ZSWAP_PARAM("enabled"), "Y");
	if (err) {
		ret = skip("cannot enable zswap: %s", strerror(-err));
		goto out_swap;
	}
	if (cgroup_create(root, "zsmalloc_test_zswap", cg, sizeof(cg)) ||
	    cgroup_write(cg, "memory.max", "67108864")) {
		ksft_print_msg("cannot set up cgroup %s\n", cg);
		goto out_zswap;
	}
	w.cgroup = cg;
	ksft_print_msg("workload %lu MiB in %s with memory.max 64 MiB\n",
		       w.size / MIB, cg);
	ret = run_workload(&w);
	cgroup_destroy(cg);
out_zswap:
	write_file(ZSWAP_PARAM("enabled"), "N");
out_swap:
	swap_disable(zram.dev);
out_zram:
	zram_destroy(&zram);
out_param:
	if (*zpool && strcmp(zpool, "zsmalloc"))
		write_file(ZSWAP_PARAM("zpool"), zpool);
	if (strcmp(enabled, "N"))
		write_file(ZSWAP_PARAM("enabled"), enabled);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 5. The debugfs class table agrees with itself and with zram          */
/* ------------------------------------------------------------------ */

static int test_debugfs_classes_consistent(void)
{
	const unsigned long n = 32 * MIB / page_size, zeros = 256;
	struct zs_class_table *t = malloc(sizeof(*t));
	struct zram_mm_stat st, st2;
	struct zram_dev zram = { .id = -1 };
	const char *what = "classes";
	unsigned long long sized = 0, objects;
	int ret = KSFT_FAIL, bad = 0, i, try;

	if (!t)
		return KSFT_FAIL;
	if (!zram_available()) {
		free(t);
		return skip("zram is not available");
	}
	ensure_debugfs();
	if (zram_create(&zram, 64 * MIB))
		goto out;
	if (access(zram.classes, R_OK)) {
		ret = skip("no %s (CONFIG_ZSMALLOC_STAT off?)", zram.classes);
		goto out;
	}
	/* pattern pages, then zero pages zram keeps out of zsmalloc */
	if (bdev_write_pages(zram.dev, 0, n, 5) ||
	    bdev_write_zero_pages(zram.dev, n, zeros))
		goto out;

	/* mm_stat, table, mm_stat: retry if anything moved in between */
	for (try = 0; try < 5; try++) {
		if (zram_mm_stat(&zram, &st) || zs_read_classes(zram.classes, t) ||
		    zram_mm_stat(&zram, &st2))
			goto out;
		if (!memcmp(&st, &st2, sizeof(st)))
			break;
		usleep(200000);
	}
	zram_print_mm_stat(&zram, "for the table");
	ksft_print_msg("%d classes, Total obj_allocated %lu obj_used %lu pages_used %lu, max pages_per_zspage %lu\n",
		       t->nr, t->total.obj_allocated, t->total.obj_used,
		       t->total.pages_used, max_pages_per_zspage(t));

	bad = check_class_table(t, zram.classes);
	objects = st.orig_data_size / page_size - st.same_pages;
	CHECK(st.same_pages == zeros, "mm_stat same_pages %llu, wrote %lu zero pages",
	      st.same_pages, zeros);
	CHECK(st.orig_data_size == (n + zeros) * page_size,
	      "mm_stat orig_data_size %llu, wrote %lu pages",
	      st.orig_data_size, n + zeros);
	CHECK(t->total.pages_used == st.mem_used_total / page_size,
	      "Total pages_used %lu, mm_stat mem_used_total %llu = %llu pages",
	      t->total.pages_used, st.mem_used_total,
	      st.mem_used_total / page_size);
	CHECK(t->total.obj_used == objects,
	      "Total obj_used %lu, zram stores %llu objects (orig pages - same pages)",
	      t->total.obj_used, objects);
	for (i = 0; i < t->nr; i++)
		sized += (unsigned long long)t->rows[i].obj_used * t->rows[i].size;
	CHECK(st.compr_data_size <= sized,
	      "compr_data_size %llu exceeds the sum of obj_used * size %llu",
	      st.compr_data_size, sized);
	CHECK(sized <= st.mem_used_total,
	      "objects take %llu bytes, more than mem_used_total %llu",
	      sized, st.mem_used_total);
	if (bad)
		ksft_print_msg("%d inconsistencies\n", bad);
	else if (!bdev_verify_pages(zram.dev, n, 5, 0))
		ret = KSFT_PASS;
out:
	zram_destroy(&zram);
	free(t);
	return ret;
}

/* ------------------------------------------------------------------ */
/* 6. The zspage_order parameter                                       */
/* ------------------------------------------------------------------ */

struct order_dev {
	unsigned long order, max_ppz;
	struct zram_dev zram;
};

static int order_dev_check(struct order_dev *o, struct zs_class_table *t,
			   const char *when)
{
	const char *what = o->zram.classes;
	unsigned long max;
	int bad = 0;

	if (zs_read_classes(o->zram.classes, t))
		return 1;
	max = max_pages_per_zspage(t);
	ksft_print_msg("order %lu, %s: %d classes, max pages_per_zspage %lu\n",
		       o->order, when, t->nr, max);
	CHECK(max <= 1UL << o->order,
	      "pool of order %lu has a zspage of %lu pages", o->order, max);
	if (o->order == 4)
		CHECK(max > 8, "order 4 but no class longer than 8 pages (max %lu)",
		      max);
	if (o->max_ppz)
		CHECK(max == o->max_ppz,
		      "max pages_per_zspage changed from %lu to %lu after a parameter change",
		      o->max_ppz, max);
	o->max_ppz = max;
	bad += check_class_table(t, what);
	return bad;
}

static int test_zspage_order_param(void)
{
	static const char *const invalid[] = { "5", "16", "-1", "abc" };
	struct zs_class_table *t = malloc(sizeof(*t));
	struct order_dev devs[3];
	unsigned long def, val, orders[3];
	int nr = 0, i, j, err, bad = 0, ret = KSFT_FAIL;
	const char *what = ZSPAGE_ORDER_PARAM;
	const unsigned long n = 8 * MIB / page_size;

	memset(devs, 0, sizeof(devs));
	for (i = 0; i < 3; i++)
		devs[i].zram.id = -1;
	if (!t)
		return KSFT_FAIL;
	if (read_ulong(ZSPAGE_ORDER_PARAM, &def)) {
		free(t);
		return skip("no %s (stock zsmalloc?)",
			    ZSPAGE_ORDER_PARAM);
	}
	if (!zram_available()) {
		free(t);
		return skip("zram is not available");
	}
	ensure_debugfs();
	ksft_print_msg("default zspage_order %lu\n", def);

	for (i = 0; i < (int)ARRAY_SIZE(invalid); i++) {
		err = write_file(ZSPAGE_ORDER_PARAM, invalid[i]);
		CHECK(err, "writing \"%s\" succeeded", invalid[i]);
		CHECK(!read_ulong(ZSPAGE_ORDER_PARAM, &val) && val == def,
		      "after writing \"%s\" it reads %lu, was %lu", invalid[i],
		      val, def);
	}

	orders[nr++] = 0;
	if (def != 0 && def != 4)
		orders[nr++] = def;
	orders[nr++] = 4;
	for (i = 0; i < nr; i++) {
		struct order_dev *o = &devs[i];
		char buf[8];

		o->order = orders[i];
		snprintf(buf, sizeof(buf), "%lu", o->order);
		err = write_file(ZSPAGE_ORDER_PARAM, buf);
		if (err || read_ulong(ZSPAGE_ORDER_PARAM, &val) || val != o->order) {
			ksft_print_msg("setting zspage_order %lu: %s\n", o->order,
				       err ? strerror(-err) : "value not taken");
			goto out;
		}
		if (zram_create(&o->zram, 4 * n * page_size))
			goto out;
		if (access(o->zram.classes, R_OK)) {
			ret = skip("no %s (CONFIG_ZSMALLOC_STAT off?)",
				   o->zram.classes);
			goto out;
		}
		if (bdev_write_pages(o->zram.dev, 0, n, 60 + i) ||
		    bdev_verify_pages(o->zram.dev, n, 60 + i, 0))
			goto out;
		zram_print_mm_stat(&o->zram, "");
		bad += order_dev_check(o, t, "new pool");
	}

	/*
	 * Pools keep the order they were created with: write more to every
	 * device now that the parameter says 4, and check again.
	 */
	for (i = 0; i < nr; i++) {
		struct order_dev *o = &devs[i];

		for (j = 0; j < 2; j++)
			if (bdev_write_pages(o->zram.dev, (j + 1) * n, n, 60 + i))
				goto out;
		if (bdev_verify_pages(o->zram.dev, 3 * n, 60 + i, 0))
			goto out;
		bad += order_dev_check(o, t, "after more data");
	}
	if (!bad)
		ret = KSFT_PASS;
out:
	for (i = 0; i < 3; i++)
		zram_destroy(&devs[i].zram);
	if (write_ulong(ZSPAGE_ORDER_PARAM, def)) {
		ksft_print_msg("cannot restore zspage_order %lu\n", def);
		ret = KSFT_FAIL;
	}
	free(t);
	return ret;
}

/* ------------------------------------------------------------------ */

#define T(x) { x, #x + 5 }
static const struct zsmalloc_test {
	int (*fn)(void);
	const char *name;
} tests[] = {
	T(test_zram_swap_pressure),
	T(test_zram_compact),
	T(test_ext4_on_zram),
	T(test_zswap_cgroup),
	T(test_debugfs_classes_consistent),
	T(test_zspage_order_param),
	T(test_fault_injection),
	T(test_stress_all_at_once),
	T(test_deferred_free_settles),
};

#undef T

static bool selected(int argc, char **argv, const char *name)
{
	const char *env = getenv("ZSMALLOC_TESTS");
	char list[512], *tok, *save;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (!strcmp(argv[i], name))
				return true;
		return false;
	}
	if (!env || !*env)
		return true;
	snprintf(list, sizeof(list), "%s", env);
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	bool run[ARRAY_SIZE(tests)];
	unsigned int i, plan = 0;
	unsigned long taint;
	const char *why;
	double t0;
	bool vm;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < ARRAY_SIZE(tests); i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		run[i] = selected(argc, argv, tests[i].name);
		plan += run[i];
	}
	if (argc > 1 && plan != (unsigned int)argc - 1) {
		fprintf(stderr, "usage: %s [-l] [test...]; tests:\n", argv[0]);
		for (i = 0; i < ARRAY_SIZE(tests); i++)
			fprintf(stderr, "  %s\n", tests[i].name);
		return 1;
	}

	page_size = sysconf(_SC_PAGESIZE);
	vm = in_test_vm(&why);
	ksft_print_header();
	ksft_set_plan(plan);
	if (vm && geteuid())
		vm = false, why = "needs root";

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!run[i])
			continue;
		if (!vm) {
			ksft_test_result_code(KSFT_SKIP, tests[i].name, "%s", why);
			continue;
		}
		skip_reason[0] = '\0';
		taint = kernel_tainted();
		t0 = now();
		ret = tests[i].fn();
		ksft_print_msg("%s took %.1f s\n", tests[i].name, now() - t0);
		if (ret != KSFT_SKIP && (kernel_tainted() & ~taint)) {
			ksft_print_msg("the kernel became tainted (%#lx -> %#lx): see the console log\n",
				       taint, kernel_tainted());
			ret = KSFT_FAIL;
		}
		if (ret == KSFT_SKIP)
			ksft_test_result_code(ret, tests[i].name, "%s", skip_reason);
		else
			ksft_test_result_code(ret, tests[i].name, NULL);
	}
	ksft_finished();
}
