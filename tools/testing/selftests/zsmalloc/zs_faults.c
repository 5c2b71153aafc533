// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc under fault injection and under everything at once.
 *
 * fault_injection: pages of a zram device are rewritten one by one while
 * fail_page_alloc and failslab make a tenth of the writer's allocations
 * fail.  A write that could not allocate must fail and leave the old data
 * in place; one that succeeded must have stored the new data; after the
 * injection stops the pool must give back every page.
 *
 * stress_all_at_once: swap to zram under memory pressure while the VM
 * compacts memory (migrating zspage pages), zram compacts its pool, and a
 * writer rewrites another zram device under fault injection, on all CPUs
 * for a bounded time; every page of every workload is verified, and the
 * swap pool's debugfs "stats" must show that pages of it were migrated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_pattern.h"
#include "zs_swap.h"
#include "zs_zram.h"
#include "zs_faults.h"

#define FAIL_PAGE_ALLOC		"/sys/kernel/debug/fail_page_alloc"
#define FAILSLAB		"/sys/kernel/debug/failslab"
#define FAULT_PERCENT		10

static const char *const fault_dirs[] = { FAIL_PAGE_ALLOC, FAILSLAB };

/* Page states recorded by the writer, shared with the parent */
enum { PAGE_OLD, PAGE_NEW, PAGE_FAILED };

static bool fault_injection_available(void)
{
	unsigned int i;

	if (ensure_debugfs())
		return false;
	for (i = 0; i < ARRAY_SIZE(fault_dirs); i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/probability", fault_dirs[i]);
		if (access(path, W_OK))
			return false;
	}
	return access("/proc/self/make-it-fail", W_OK) == 0;
}

/*
 * Fail @percent % of the allocations of tasks that opted in through
 * /proc/<pid>/make-it-fail, sleeping allocations and highmem included.
 */
static int fault_injection_set(int percent)
{
	unsigned int i;
	char path[128];

	for (i = 0; i < ARRAY_SIZE(fault_dirs); i++) {
		static const char *const knobs[][2] = {
			{ "task-filter", "Y" }, { "ignore-gfp-wait", "N" },
			{ "interval", "1" }, { "times", "-1" },
			{ "space", "0" }, { "verbose", "0" },
		};
		unsigned int k;

		for (k = 0; k < ARRAY_SIZE(knobs); k++) {
			snprintf(path, sizeof(path), "%s/%s", fault_dirs[i],
				 knobs[k][0]);
			if (write_file(path, knobs[k][1]))
				return -1;
		}
		if (i == 0) {
			write_file(FAIL_PAGE_ALLOC "/ignore-gfp-highmem", "N");
			write_file(FAIL_PAGE_ALLOC "/min-order", "0");
		}
		snprintf(path, sizeof(path), "%s/probability", fault_dirs[i]);
		if (write_ulong(path, percent))
			return -1;
	}
	return 0;
}

static int open_direct(const char *dev)
{
	int fd = open(dev, O_RDWR | O_DIRECT);

	if (fd < 0)
		ksft_print_msg("open %s: %s\n", dev, strerror(errno));
	return fd;
}

/*
 * Rewrite pages [0, n) of @dev with @seed, in a child whose allocations
 * fail at random: one pass, or passes until *@stop when @stop is given.
 * Each page's fate goes to @state.  Returns the number of failed writes,
 * or -1.
 */
static long faulty_rewrite(const char *dev, unsigned long n, uint64_t seed,
			   unsigned char *state, const int *stop)
{
	int status;
	pid_t pid;
	long failed = 0;
	unsigned long i;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		void *buf;
		int fd = open_direct(dev);

		if (fd < 0 || posix_memalign(&buf, page_size, page_size))
			_exit(2);
		memset(buf, 0, page_size);	/* fault it in before failing */
		if (write_file("/proc/self/make-it-fail", "1"))
			_exit(2);
		do {
			for (i = 0; i < n; i++) {
				fill_page(buf, i, seed);
				if (pwrite(fd, buf, page_size, i * page_size) ==
				    (ssize_t)page_size)
					state[i] = PAGE_NEW;
				else if (state[i] != PAGE_NEW)
					state[i] = PAGE_FAILED;
			}
		} while (stop && !__atomic_load_n(stop, __ATOMIC_RELAXED));
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_print_msg("faulty writer did not finish cleanly\n");
		return -1;
	}
	for (i = 0; i < n; i++)
		failed += state[i] == PAGE_FAILED;
	return failed;
}

/*
 * A page whose every write failed still holds @old_seed; one written
 * once holds @new_seed.
 */
static int verify_states(const char *dev, unsigned long n, uint64_t old_seed,
			 uint64_t new_seed, const unsigned char *state)
{
	void *buf, *scratch = malloc(page_size);
	unsigned long i, bad = 0;
	int fd = open_direct(dev);

	if (fd < 0 || !scratch || posix_memalign(&buf, page_size, page_size))
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t seed = state[i] == PAGE_NEW ? new_seed : old_seed;
		long off;

		if (pread(fd, buf, page_size, i * page_size) != (ssize_t)page_size) {
			ksft_print_msg("read page %lu: %s\n", i, strerror(errno));
			bad++;
			continue;
		}
		off = check_page(buf, i, seed, scratch);
		if (off >= 0 && bad++ < 5)
			report_bad_page(buf, i, seed, off,
					state[i] == PAGE_NEW ? "written page" :
					"page whose rewrite failed");
	}
	free(buf);
	free(scratch);
	close(fd);
	if (bad)
		ksft_print_msg("%lu of %lu pages hold wrong data\n", bad, n);
	return bad ? -1 : 0;
}

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
		return skip("no fail_page_alloc, failslab or make-it-fail (CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAILSLAB)");
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

/* ------------------------------------------------------------------ */
/* Everything at once                                                  */
/* ------------------------------------------------------------------ */

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
	ksft_print_msg("%lu MiB through zram swap, meanwhile compact_memory + zram compact in a loop and a writer under fault injection\n",
		       w.size / MIB);

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
	ksft_print_msg("%lu compaction rounds, pgmigrate_success +%lu, %ld of %lu data pages never rewritten\n",
		       sh->compactions, vmstat_value("pgmigrate_success") - migrated0,
		       failed, nb);
	zram_print_mm_stat(&swapdev, "swap device after the run");
	zs_migrated = zram_pool_stat(&swapdev, "pages_migrated") - zs_migrated0;
	zs_refused = zram_pool_stat(&swapdev, "migrations_refused");
	ksft_print_msg("swap pool: %ld zspage pages migrated, %ld migrations refused (mapped or dying zspage), %ld empty zspages freed by the worker\n",
		       zs_migrated, zs_refused,
		       zram_pool_stat(&swapdev, "zspages_freed_async"));
	if (!sh->compactions)
		ret = KSFT_FAIL;
	if (zs_migrated <= 0) {
		ksft_print_msg("compact_memory migrated no page of the swap pool\n");
		ret = KSFT_FAIL;
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
