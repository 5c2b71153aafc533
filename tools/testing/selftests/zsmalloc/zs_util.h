/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zsmalloc selftests: sysfs files, zram devices and
 * their mm_stat, the zsmalloc debugfs class table, a swap header, cgroup v2
 * and the self-describing data pattern every test verifies.
 */
#ifndef ZS_UTIL_H
#define ZS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIB			(1024UL * 1024UL)
#define ZS_MAX_CLASSES		512

extern size_t page_size;

/* Skip the running test, saying why on its TAP line; returns KSFT_SKIP */
int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sysfs/procfs files holding one value */
int read_file(const char *path, char *buf, size_t len);
int write_file(const char *path, const char *val);
int read_ulong(const char *path, unsigned long *val);
int write_ulong(const char *path, unsigned long val);
unsigned long meminfo_kb(const char *key);
unsigned long vmstat_value(const char *key);
unsigned long kernel_tainted(void);
bool in_test_vm(const char **why);
const char *find_in_path(const char *prog);
int run_cmd(const char *const argv[]);
int ensure_debugfs(void);

/* zram */
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

bool zram_available(void);
int zram_create(struct zram_dev *z, unsigned long disksize);
void zram_destroy(struct zram_dev *z);
int zram_attr_write(struct zram_dev *z, const char *attr, const char *val);
int zram_mm_stat(struct zram_dev *z, struct zram_mm_stat *st);
int zram_io_sectors(struct zram_dev *z, unsigned long *rd, unsigned long *wr);
void zram_print_mm_stat(struct zram_dev *z, const char *when);
long zram_pool_stat(struct zram_dev *z, const char *key);

/* the zsmalloc debugfs table: /sys/kernel/debug/zsmalloc/<pool>/classes */
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

/* swap */
int write_swap_header(const char *dev, unsigned long size);
int swap_enable(const char *dev, unsigned long size);
int swap_disable(const char *dev);

/* cgroup v2 */
int cgroup_root(char *buf, size_t len);
int cgroup_create(const char *root, const char *name, char *path, size_t len);
int cgroup_write(const char *cg, const char *file, const char *val);
long cgroup_stat(const char *cg, const char *key);
void cgroup_destroy(const char *cg);

/* data pattern: every page says which page it is and is regenerable */
void fill_page(void *page, uint64_t index, uint64_t seed);
long check_page(const void *page, uint64_t index, uint64_t seed, void *scratch);
void report_bad_page(const void *page, uint64_t index, uint64_t seed,
		     long offset, const char *what);

/*
 * A workload in a child: fill @size bytes of anonymous memory, tell the
 * parent, wait for it, verify, exit.  The parent looks at the system
 * between the two phases through the @at_filled callback.
 */
struct workload {
	unsigned long size;
	uint64_t seed;
	const char *cgroup;			/* join it first, if set */
	int (*at_filled)(void *arg);		/* in the parent */
	void *arg;
};

int run_workload(struct workload *w);

#endif
