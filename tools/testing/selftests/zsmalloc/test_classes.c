// SPDX-License-Identifier: GPL-2.0
/*
 * The zsmalloc class table in debugfs and the parameter that shapes it.
 *
 * debugfs_classes_consistent: the class table's Total row is the sum of
 * its rows, each row is consistent, and the table agrees with zram's
 * mm_stat.
 *
 * zspage_order_param: zsmalloc.zspage_order at 0, the default and 4
 * shapes new pools, pools keep the order they were created with, and
 * out-of-range or malformed values are refused.
 *
 * zram_zspage_order_attr: /sys/block/zramN/zspage_order picks the order
 * of one device's pool (set before disksize, read back, refused after),
 * and each device stores uncompressed what its own pool would give a page
 * of its own: a page that compresses between the huge thresholds of an
 * order-2 and an order-3 device is huge on the first, not on the second.
 *
 * packed_pool_consistent: a packed pool (zsmalloc.packed=1) agrees with
 * zram's mm_stat, takes no more than a pool of classes for the same data
 * and gives pages back when compacted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"
#include "zs_pattern.h"
#include "zs_zram.h"
#include "zs_tests.h"

#define ZSPAGE_ORDER_PARAM	"/sys/module/zsmalloc/parameters/zspage_order"

/*
 * Write page 0 of @dev: @random incompressible bytes, then zeros (lzo
 * compresses it to a little over @random bytes).
 */
static int write_sized_page(const char *dev, unsigned long random)
{
	uint64_t seed = 88172645463325252ULL;
	char *p;
	int fd, ret = 0;

	if (posix_memalign((void **)&p, page_size, page_size))
		return -ENOMEM;
	memset(p, 0, page_size);
	fill_random(p, random, &seed);
	fd = open(dev, O_WRONLY | O_DIRECT);
	if (fd < 0 || pwrite(fd, p, page_size, 0) != (ssize_t)page_size)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(p);
	return ret;
}

int test_debugfs_classes_consistent(void)
{
	const unsigned long n = 32 * MIB / page_size, zeros = 256;
	struct zram_mm_stat st, st2;
	struct zram_dev zram = { .id = -1 };
	const char *what = "classes";
	unsigned long long sized = 0, objects;
	int ret = KSFT_FAIL, bad = 0, i, try;
	struct zs_class_table *t = zram_class_table(&ret);

	if (!t)
		return ret;
	if (zram_create_classes(&zram, 64 * MIB, ZRAM_ORDER_UNSET))
		goto out;
	ret = zram_classes_readable(&zram);
	if (ret)
		goto out;
	ret = KSFT_FAIL;
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
	ksft_print_msg("%d classes, max pages_per_zspage %lu\n", t->nr,
		       max_pages_per_zspage(t));
	ksft_print_msg("Total obj_allocated %lu obj_used %lu pages_used %lu\n",
		       t->total.obj_allocated, t->total.obj_used,
		       t->total.pages_used);

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

int test_zspage_order_param(void)
{
	static const char *const invalid[] = { "5", "16", "-1", "abc" };
	struct zs_class_table *t;
	struct order_dev devs[3];
	unsigned long def, val, orders[3];
	int nr = 0, i, j, err, bad = 0, ret = KSFT_FAIL;
	const char *what = ZSPAGE_ORDER_PARAM;
	const unsigned long n = 8 * MIB / page_size;

	memset(devs, 0, sizeof(devs));
	for (i = 0; i < 3; i++)
		devs[i].zram.id = -1;
	if (read_ulong(ZSPAGE_ORDER_PARAM, &def))
		return skip("no %s (stock zsmalloc?)", ZSPAGE_ORDER_PARAM);
	t = zram_class_table(&ret);
	if (!t)
		return ret;
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
		if (zram_create_classes(&o->zram, 4 * n * page_size,
					ZRAM_ORDER_UNSET))
			goto out;
		ret = zram_classes_readable(&o->zram);
		if (ret)
			goto out;
		ret = KSFT_FAIL;
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

int test_zram_zspage_order_attr(void)
{
	struct zram_dev big = { .id = -1 }, small = { .id = -1 };
	unsigned long order, thr_big, thr_small, len;
	struct zram_mm_stat st_big, st_small;
	const char *what = "zspage_order";
	char path[96];
	int bad = 0, ret = KSFT_FAIL, err;
	struct zs_class_table *t = zram_class_table(&ret);

	if (!t)
		return ret;
	/* the order-3 device first: its threshold is the larger one */
	err = zram_create_classes(&big, 16 * MIB, 3);
	if (err == -ENOENT) {
		ret = skip("no /sys/block/zramN/zspage_order (series/0007 not applied?)");
		goto out;
	}
	if (err || zram_create_classes(&small, 16 * MIB, 2))
		goto out;

	snprintf(path, sizeof(path), "%s/zspage_order", big.sys);
	CHECK(!read_ulong(path, &order) && order == 3, "zram%d reads %lu, set 3",
	      big.id, order);
	snprintf(path, sizeof(path), "%s/zspage_order", small.sys);
	CHECK(!read_ulong(path, &order) && order == 2, "zram%d reads %lu, set 2",
	      small.id, order);
	err = zram_attr_write(&small, "zspage_order", "4");
	CHECK(err == -EBUSY, "writing it after disksize: %s, not EBUSY",
	      err ? strerror(-err) : "accepted");
	CHECK(zram_attr_write(&small, "reset", "1") == 0 &&
	      zram_attr_write(&small, "zspage_order", "5") == -EINVAL &&
	      zram_attr_write(&small, "zspage_order", "-2") == -EINVAL,
	      "out-of-range orders are not refused with EINVAL");
	zram_destroy(&small);
	if (zram_create_classes(&small, 16 * MIB, 2))
		goto out;

	ret = zram_classes_readable(&big);
	if (ret)
		goto out;
	ret = KSFT_FAIL;
	if (zs_read_classes(small.classes, t))
		goto out;
	CHECK(max_pages_per_zspage(t) <= 4, "order-2 pool has a %lu-page zspage",
	      max_pages_per_zspage(t));
	thr_small = zs_huge_threshold(t);
	if (zs_read_classes(big.classes, t))
		goto out;
	CHECK(max_pages_per_zspage(t) > 4, "order-3 pool has no zspage over 4 pages");
	thr_big = zs_huge_threshold(t);
	ksft_print_msg("huge from %lu bytes at order 2, %lu at order 3\n",
		       thr_small, thr_big);
	if (thr_small >= thr_big) {
		ksft_print_msg("order 2's threshold is not below order 3's\n");
		goto out;
	}

	/* the same page on both: its compressed length L between them */
	if (write_sized_page(big.dev, (thr_small + thr_big) / 2 - 32) ||
	    write_sized_page(small.dev, (thr_small + thr_big) / 2 - 32) ||
	    zram_mm_stat(&big, &st_big) || zram_mm_stat(&small, &st_small))
		goto out;
	len = st_big.compr_data_size;
	ksft_print_msg("the page compresses to %lu bytes; huge pages: %llu at order 3, ",
		       len, st_big.huge_pages);
	ksft_print_msg("%llu at order 2\n", st_small.huge_pages);
	if (len < thr_small || len >= thr_big) {
		ksft_print_msg("%lu bytes is not between the thresholds\n", len);
		goto out;
	}
	CHECK(st_big.huge_pages == 0, "order 3 stored a %lu-byte page uncompressed",
	      len);
	CHECK(st_small.huge_pages == 1,
	      "order 2 stored a %lu-byte page compressed in a page of its own", len);
	if (!bad)
		ret = KSFT_PASS;
out:
	zram_destroy(&small);
	zram_destroy(&big);
	free(t);
	return ret;
}

/*
 * The bins table of @z's packed pool against zram's mm_stat (waiting up
 * to 5 s for deferred frees to land): the same pages and objects, huge
 * objects as mm_stat's huge_pages, record bytes of 8 + the object's
 * length rounded up to 8 each, records below the zspages' tops.
 * Returns the inconsistencies found, or -1 if nothing could be read.
 */
static int check_bins(struct zram_dev *z, const char *what,
		      unsigned long order, struct zram_mm_stat *st)
{
	unsigned long long k, compr;
	struct zs_bin_totals b;
	int bad = 0, try;

	for (try = 0; try < 25; try++) {
		if (zram_mm_stat(z, st) || zs_read_bins(z->classes, &b))
			return -1;
		if (b.objs == zram_objects(st) &&
		    b.pages == st->mem_used_total / page_size)
			break;
		usleep(200000);
	}
	ksft_print_msg("%s: %lu bins, %lu zspages + %lu huge, %lu objects\n",
		       what, b.bins, b.zspages, b.huge, b.objs);
	ksft_print_msg("%s: %lu record bytes of %lu used, %lu pages\n", what,
		       b.live, b.used, b.pages);
	CHECK(b.pages == st->mem_used_total / page_size,
	      "bins hold %lu pages, mm_stat mem_used_total %llu pages",
	      b.pages, st->mem_used_total / page_size);
	CHECK(b.objs == zram_objects(st),
	      "bins hold %lu objects, zram stores %llu", b.objs,
	      zram_objects(st));
	CHECK(b.huge == st->huge_pages, "bins hold %lu huge objects, mm_stat %llu",
	      b.huge, st->huge_pages);
	CHECK(b.pages == (b.zspages << order) + b.huge,
	      "%lu pages are not %lu zspages of order %lu and %lu huge",
	      b.pages, b.zspages, order, b.huge);
	k = b.objs - b.huge;
	compr = st->compr_data_size - (unsigned long long)b.huge * page_size;
	CHECK(b.live >= compr + 8 * k && b.live <= compr + 15 * k,
	      "%lu record bytes for %llu objects of %llu bytes: not header + length rounded to 8",
	      b.live, k, compr);
	CHECK(b.live <= b.used &&
	      b.used <= (b.zspages << order) * page_size,
	      "%lu record bytes, %lu below the tops of %lu zspages", b.live,
	      b.used, b.zspages);
	return bad;
}

/*
 * packed_pool_consistent: with zsmalloc.packed=1 a new zram device gets
 * a packed pool (64-bit kernels).  Its bins table agrees with mm_stat
 * (check_bins()); it takes no more memory than a pool of classes given
 * the same data; every other page discarded and written again, the data
 * takes no more than when first written (allocation reuses the holes,
 * give or take 1/64 and an open zspage per bin) and reads back; after every other
 * page is discarded again, compaction gives pages back, the table still
 * agrees and every page reads back.
 */
int test_packed_pool_consistent(void)
{
	const unsigned long n = 32 * MIB / page_size;
	struct zram_dev packed = { .id = -1 }, classes = { .id = -1 };
	const char *what = "packed_pool_consistent";
	unsigned long long full, slack;
	struct zram_mm_stat st, sc;
	unsigned long order, i;
	struct zs_bin_totals b;
	int ret = KSFT_FAIL, bad = 0, r;

	if (access(ZS_PACKED_PARAM, F_OK))
		return skip("no %s", ZS_PACKED_PARAM);
	if (read_ulong(ZSPAGE_ORDER_PARAM, &order))
		return KSFT_FAIL;
	if (zram_create_kind(&classes, 64 * MIB, ZRAM_ORDER_UNSET, false) ||
	    zram_create_kind(&packed, 64 * MIB, ZRAM_ORDER_UNSET, true))
		goto out;
	ret = zram_classes_readable(&packed);
	if (ret)
		goto out;
	ret = KSFT_FAIL;
	if (zs_read_bins(packed.classes, &b)) {
		ret = skip("new pools keep classes here: no room for packed objs");
		goto out;
	}
	if (bdev_write_pages(packed.dev, 0, n, 9) ||
	    bdev_write_pages(classes.dev, 0, n, 9))
		goto out;
	r = check_bins(&packed, "fill", order, &st);
	if (r < 0 || zram_mm_stat(&classes, &sc))
		goto out;
	bad += r;
	ksft_print_msg("same data: packed %llu bytes (density %.4f), classes %llu (%.4f)\n",
		       st.mem_used_total,
		       (double)st.compr_data_size / st.mem_used_total,
		       sc.mem_used_total,
		       (double)sc.compr_data_size / sc.mem_used_total);
	CHECK(st.compr_data_size == sc.compr_data_size,
	      "compr_data_size %llu packed, %llu classes", st.compr_data_size,
	      sc.compr_data_size);
	CHECK(st.mem_used_total <= sc.mem_used_total,
	      "packed pool takes %llu bytes, a pool of classes %llu",
	      st.mem_used_total, sc.mem_used_total);

	full = st.mem_used_total;
	for (i = 1; i < n; i += 2)
		if (bdev_discard(packed.dev, i, 1))
			goto out;
	r = check_bins(&packed, "holed", order, &st);
	if (r < 0)
		goto out;
	bad += r;
	for (i = 1; i < n; i += 2)
		if (bdev_write_pages(packed.dev, i, 1, 9))
			goto out;
	r = check_bins(&packed, "churn", order, &st);
	if (r < 0)
		goto out;
	bad += r;
	slack = full / 64 + ((unsigned long long)b.bins << order) * page_size;
	CHECK(st.mem_used_total <= full + slack,
	      "written again over its holes the data takes %llu bytes, %llu when first written",
	      st.mem_used_total, full);
	CHECK(!bdev_verify_pages(packed.dev, n, 9, 0),
	      "a page reads back wrong after the churn");

	for (i = 1; i < n; i += 2)
		if (bdev_discard(packed.dev, i, 1))
			goto out;
	if (zram_attr_write(&packed, "compact", "1"))
		goto out;
	r = check_bins(&packed, "half", order, &st);
	if (r < 0)
		goto out;
	bad += r;
	CHECK(st.pages_compacted > 0, "compaction gave no page back");
	CHECK(st.mem_used_total < sc.mem_used_total * 3 / 4,
	      "half the data discarded and compacted still takes %llu bytes of %llu",
	      st.mem_used_total, sc.mem_used_total);
	if (!bad && !bdev_verify_pages(packed.dev, n, 9, 2))
		ret = KSFT_PASS;
out:
	zram_destroy(&packed);
	zram_destroy(&classes);
	return ret;
}
