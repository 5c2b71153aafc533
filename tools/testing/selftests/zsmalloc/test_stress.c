// SPDX-License-Identifier: GPL-2.0
/*
 * stress_all_at_once: swap to zram under memory pressure while the VM
 * compacts memory (migrating zspage pages), zram compacts its pool, and a
 * writer rewrites another zram device under fault injection, on all CPUs
 * for a bounded time; every page of every workload is verified, and the
 * swap pool's debugfs "stats" must show that pages of it were migrated.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_faults.h"
#include "zs_swap.h"
#include "zs_zram.h"
#include "zs_tests.h"

struct stress_shared {
	unsigned long compactions;
	int stop;			/* the swap workload is done */
	unsigned char state[];
};

/* Compact memory (migrating zspage pages) and the pool, until killed */
static void compactor(struct zram_dev *swapdev, struct stress_shared *sh)
{
	for (;;) {
		write_file("/proc/sys/vm/compact_memory", "1");
		zram_attr_write(swapdev, "compact", "1");
		__atomic_add_fetch(&sh->compactions, 1, __ATOMIC_RELAXED);
		usleep(100000);
	}
}

int test_stress_all_at_once(void)
{
	const unsigned long nb = 8 * MIB / page_size;
	unsigned long avail = meminfo_kb("MemAvailable") * 1024UL;
	struct zram_dev swapdev = { .id = -1 }, datadev = { .id = -1 };
	struct workload w = { .seed = 31 };
	unsigned long migrated0 = vmstat_value("pgmigrate_success");
	long zs_migrated0, zs_migrated, zs_refused;
	pid_t comp = -1, writer = -1;
	struct stress_shared *sh;
	int ret = KSFT_FAIL, status;
	long failed = -1;

	if (!zram_available())
		return skip("zram is not available");
	if (!fault_injection_available())
		return skip("no fail_page_alloc, failslab or make-it-fail in this kernel");
	if (!avail || avail > 1536 * MIB)
		return skip("%lu MiB available: sized for the small test VM only",
			    avail / MIB);
	/* enough over what is available to swap, small enough to be quick */
	w.size = avail + 64 * MIB;

	sh = mmap(NULL, sizeof(*sh) + nb, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return KSFT_FAIL;
	memset(sh->state, PAGE_OLD, nb);

	if (zram_create(&swapdev, w.size) || zram_create(&datadev, 2 * nb * page_size))
		goto out;
	if (swap_enable(swapdev.dev, w.size) ||
	    bdev_write_pages(datadev.dev, 0, nb, 32))
		goto out;
	zs_migrated0 = zram_pool_stat(&swapdev, "pages_migrated");
	if (zs_migrated0 < 0) {
		ksft_print_msg("%s: no pages_migrated counter\n", swapdev.stats);
		goto out;
	}
	if (fault_injection_set(FAULT_PERCENT))
		goto out;
	ksft_print_msg("%lu MiB through zram swap, meanwhile in a loop:\n",
		       w.size / MIB);
	ksft_print_msg("compact_memory + zram compact, a writer under fault injection\n");

	fflush(stdout);
	comp = fork();
	if (comp == 0)
		compactor(&swapdev, sh);
	writer = fork();
	if (writer == 0)
		_exit(faulty_rewrite(datadev.dev, nb, 33, sh->state,
				     &sh->stop) < 0);
	if (comp < 0 || writer < 0)
		goto out;

	ret = run_workload(&w);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);

	if (waitpid(writer, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_print_msg("faulty writer failed\n");
		ret = KSFT_FAIL;
	}
	writer = -1;
	kill(comp, SIGKILL);
	waitpid(comp, NULL, 0);
	comp = -1;
	fault_injection_set(0);

	failed = 0;
	for (unsigned long i = 0; i < nb; i++)
		failed += sh->state[i] == PAGE_FAILED;
	ksft_print_msg("%lu compaction rounds, pgmigrate_success +%lu\n",
		       sh->compactions,
		       vmstat_value("pgmigrate_success") - migrated0);
	ksft_print_msg("%ld of %lu data pages never rewritten\n", failed, nb);
	zram_print_mm_stat(&swapdev, "swap device after the run");
	zs_migrated = zram_pool_stat(&swapdev, "pages_migrated") - zs_migrated0;
	zs_refused = zram_pool_stat(&swapdev, "migrations_refused");
	ksft_print_msg("swap pool: %ld pages migrated, %ld refused (mapped or dying zspage)\n",
		       zs_migrated, zs_refused);
	ksft_print_msg("swap pool: %ld empty zspages freed by the worker\n",
		       zram_pool_stat(&swapdev, "zspages_freed_async"));
	if (!sh->compactions)
		ret = KSFT_FAIL;
	/*
	 * compact_memory moves pages from where its migrate scanner runs
	 * (a zone's start) to where its free scanner runs (the end).  With
	 * 4K pages a pageblock is 2 MiB and the pool's pages are always
	 * somewhere the migrate scanner reaches; with 64K pages (arm64) a
	 * pageblock is 512 MiB, and whether the pool's pages land below the
	 * point where the scanners meet is the luck of the layout (0 to 397
	 * of them migrated in the runs so far).  There the count is
	 * reported, and the KUnit suite's migration cases, which call the
	 * movable operations directly, stand for it.
	 */
	if (zs_migrated <= 0 && page_size <= 16384) {
		ksft_print_msg("compact_memory migrated no page of the swap pool\n");
		ret = KSFT_FAIL;
	} else if (zs_migrated <= 0) {
		ksft_print_msg("no swap pool page under the migrate scanner (%zu KiB pages)\n",
			       page_size >> 10);
	}
	if (verify_states(datadev.dev, nb, 32, 33, sh->state))
		ret = KSFT_FAIL;
out:
	if (writer > 0) {
		kill(writer, SIGKILL);
		waitpid(writer, NULL, 0);
	}
	if (comp > 0) {
		kill(comp, SIGKILL);
		waitpid(comp, NULL, 0);
	}
	fault_injection_set(0);
	if (swapdev.id >= 0)
		swap_disable(swapdev.dev);
	zram_destroy(&swapdev);
	zram_destroy(&datadev);
	munmap(sh, sizeof(*sh) + nb);
	return ret;
}
