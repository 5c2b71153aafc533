// SPDX-License-Identifier: GPL-2.0
/*
 * fault_injection: pages of a zram device are rewritten one by one while
 * fail_page_alloc and failslab make a tenth of the writer's allocations
 * fail.  A write that could not allocate must fail and leave the old data
 * in place; one that succeeded must have stored the new data; after the
 * injection stops the pool must give back every page.
 */
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_faults.h"
#include "zs_zram.h"
#include "zs_tests.h"

/* Discard the whole device: the pool must end up with no page at all. */
static int pool_drains(struct zram_dev *z)
{
	struct zram_mm_stat st;
	int tries;

	/* an empty zspage may wait for the free worker a moment */
	for (tries = 0; tries < 50; tries++) {
		if (zram_mm_stat(z, &st))
			return -1;
		if (!st.mem_used_total && !st.orig_data_size)
			return 0;
		usleep(20000);
	}
	ksft_print_msg("pool still holds %llu bytes after everything was freed\n",
		       st.mem_used_total);
	return -1;
}

int test_fault_injection(void)
{
	const unsigned long n = 16 * MIB / page_size;
	struct zram_dev zram = { .id = -1 };
	unsigned char *state;
	int ret = KSFT_FAIL;
	long failed;

	if (!zram_available())
		return skip("zram is not available");
	if (!fault_injection_available())
		return skip("no fail_page_alloc, failslab or make-it-fail (%s)",
			    FAULT_CONFIGS);
	state = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (state == MAP_FAILED)
		return KSFT_FAIL;
	memset(state, PAGE_OLD, n);

	if (zram_create(&zram, 2 * n * page_size))
		goto out;
	if (bdev_write_pages(zram.dev, 0, n, 11))
		goto out_zram;
	zram_print_mm_stat(&zram, "before fault injection");

	if (fault_injection_set(FAULT_PERCENT))
		goto out_faults;
	failed = faulty_rewrite(zram.dev, n, 12, state, NULL);
	fault_injection_set(0);
	zram_print_mm_stat(&zram, "after the faulty rewrite");
	ksft_print_msg("%ld of %lu page writes failed with %d%% of allocations failing\n",
		       failed, n, FAULT_PERCENT);
	if (failed <= 0 || (unsigned long)failed == n) {
		ksft_print_msg("expected some writes to fail and some to succeed\n");
		goto out_faults;
	}
	if (verify_states(zram.dev, n, 11, 12, state))
		goto out_faults;
	/* everything allocates again, and everything can be freed */
	if (bdev_write_pages(zram.dev, 0, n, 13) ||
	    bdev_discard(zram.dev, 0, n) ||
	    pool_drains(&zram))
		goto out_faults;
	ret = KSFT_PASS;
out_faults:
	fault_injection_set(0);
out_zram:
	zram_destroy(&zram);
out:
	munmap(state, n);
	return ret;
}
