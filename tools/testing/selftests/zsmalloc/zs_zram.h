/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zram devices for the zsmalloc selftests: a device of our own per test
 * (hot_add, hot_remove), its mm_stat and I/O statistics, its pool's
 * debugfs files, and block I/O with O_DIRECT so that every byte written
 * or read goes through zram and zsmalloc.
 */
#ifndef ZS_ZRAM_H
#define ZS_ZRAM_H

#include <stdbool.h>
#include <stdint.h>

struct zs_class_table;

struct zram_dev {
	int id;
	char dev[32];		/* /dev/zramN */
	char sys[64];		/* /sys/block/zramN */
	char classes[96];	/* debugfs class table of its pool */
	char stats[96];		/* debugfs event counters of its pool */
};

/* columns of /sys/block/zramN/mm_stat (first five in bytes, then pages) */
struct zram_mm_stat {
	unsigned long long orig_data_size;
	unsigned long long compr_data_size;
	unsigned long long mem_used_total;
	unsigned long long mem_limit;
	unsigned long long mem_used_max;
	unsigned long long same_pages;
	unsigned long long pages_compacted;
	unsigned long long huge_pages;
	unsigned long long huge_pages_since;
};

/* zsmalloc.packed: new pools without size classes (default on 64-bit) */
#define ZS_PACKED_PARAM		"/sys/module/zsmalloc/parameters/packed"

/* zram_create_order(): leave the device's zspage_order attribute alone */
#define ZRAM_ORDER_UNSET	(-2)

bool zram_available(void);
struct zs_class_table *zram_class_table(int *ret);
int zram_classes_readable(struct zram_dev *z);
int zram_create(struct zram_dev *z, unsigned long disksize);
int zram_create_order(struct zram_dev *z, unsigned long disksize, int order);
int zram_create_kind(struct zram_dev *z, unsigned long disksize, int order,
		     bool packed);
int zram_create_classes(struct zram_dev *z, unsigned long disksize, int order);
void zram_destroy(struct zram_dev *z);
int zram_attr_write(struct zram_dev *z, const char *attr, const char *val);
int zram_mm_stat(struct zram_dev *z, struct zram_mm_stat *st);
int zram_io_sectors(struct zram_dev *z, unsigned long *rd, unsigned long *wr);
void zram_print_mm_stat(struct zram_dev *z, const char *when);
long zram_pool_stat(struct zram_dev *z, const char *key);
unsigned long long zram_objects(const struct zram_mm_stat *st);
int zram_pool_settle(struct zram_dev *z, struct zs_class_table *t,
		     struct zram_mm_stat *st, double deadline);

/* pages of the data pattern (zs_pattern.h) on a block device */
int bdev_write_pages(const char *dev, unsigned long first, unsigned long n,
		     uint64_t seed);
int bdev_write_zero_pages(const char *dev, unsigned long first,
			  unsigned long n);
int bdev_verify_pages(const char *dev, unsigned long n, uint64_t seed,
		      unsigned long hole_mod);
int bdev_discard(const char *dev, unsigned long first, unsigned long n);

#endif
