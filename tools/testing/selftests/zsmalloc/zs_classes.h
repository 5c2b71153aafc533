/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zsmalloc debugfs class table, /sys/kernel/debug/zsmalloc/<pool>/classes
 * (CONFIG_ZSMALLOC_STAT): reading it and checking it against itself.
 */
#ifndef ZS_CLASSES_H
#define ZS_CLASSES_H

#define ZS_MAX_CLASSES		512

struct zs_class_row {
	unsigned long index, size;
	unsigned long groups[11];	/* zspages per fullness: 10%..99%, 100% */
	unsigned long obj_allocated, obj_used, pages_used;
	unsigned long pages_per_zspage, freeable;
};

struct zs_class_table {
	int nr;
	struct zs_class_row rows[ZS_MAX_CLASSES];
	struct zs_class_row total;	/* pages_per_zspage unused */
};

int zs_read_classes(const char *path, struct zs_class_table *t);
unsigned long max_pages_per_zspage(const struct zs_class_table *t);
int check_class_table(const struct zs_class_table *t, const char *what);
unsigned long zs_compactable_pages(const struct zs_class_table *t);
unsigned long zs_huge_threshold(const struct zs_class_table *t);

/* The table of a packed pool (one row per bin), summed over its rows */
struct zs_bin_totals {
	unsigned long bins, zspages, huge, objs, used, live, pages;
};

int zs_read_bins(const char *path, struct zs_bin_totals *b);

#endif
