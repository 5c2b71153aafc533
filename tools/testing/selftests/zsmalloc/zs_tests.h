/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cases of zsmalloc_test, by file.  Each returns KSFT_PASS, KSFT_FAIL
 * or, through skip(), KSFT_SKIP with the reason.
 */
#ifndef ZS_TESTS_H
#define ZS_TESTS_H

/* test_zram.c: zram swap and compaction */
int test_zram_swap_pressure(void);
int test_zram_compact(void);

/* test_ext4.c: a file system on zram */
int test_ext4_on_zram(void);

/* test_zswap_cgroup.c: zswap on zsmalloc in a memory cgroup */
int test_zswap_cgroup(void);

/* test_classes.c: the debugfs class table and zsmalloc.zspage_order */
int test_debugfs_classes_consistent(void);
int test_zspage_order_param(void);
int test_zram_zspage_order_attr(void);
int test_packed_pool_consistent(void);

/* test_faults.c: allocation failures */
int test_fault_injection(void);

/* test_stress.c: everything at once */
int test_stress_all_at_once(void);

/* test_deferred.c: deferred free seen from zram swap */
int test_deferred_free_settles(void);

#endif
