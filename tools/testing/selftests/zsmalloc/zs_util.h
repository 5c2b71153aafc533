/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zsmalloc selftests: sysfs, procfs and debugfs
 * files, running a command, telling the test VM.  What the tests drive
 * has a header each: zs_zram.h (zram devices and block I/O), zs_classes.h
 * (the debugfs class table), zs_swap.h (swap, cgroups, memory pressure),
 * zs_pattern.h (the data every test verifies), zs_faults.h (fault
 * injection).
 */
#ifndef ZS_UTIL_H
#define ZS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kselftest.h"

#define MIB			(1024UL * 1024UL)

extern size_t page_size;

/* Skip the running test, saying why on its TAP line; returns KSFT_SKIP */
__printf(1, 2) int skip(const char *fmt, ...);

/*
 * CHECK(cond, fmt, ...): if @cond is false, print "<what>: <message>" and
 * count it in @bad; both are locals of the caller.
 */
#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		ksft_print_msg("%s: " fmt "\n", what, ##__VA_ARGS__);	\
		bad++;							\
	}								\
} while (0)

/* sysfs/procfs/debugfs files holding one value */
int read_file(const char *path, char *buf, size_t len);
int write_file(const char *path, const char *val);
int read_ulong(const char *path, unsigned long *val);
int write_ulong(const char *path, unsigned long val);
/* "key value" files: /proc/meminfo, /proc/vmstat, memory.stat, ... */
long keyed_value(const char *path, const char *key);
unsigned long meminfo_kb(const char *key);
unsigned long vmstat_value(const char *key);
unsigned long kernel_tainted(void);
int ensure_debugfs(void);

double now(void);	/* CLOCK_MONOTONIC, in seconds */
bool in_test_vm(const char **why);
const char *find_in_path(const char *prog);
int run_cmd(const char *const argv[]);

#endif
