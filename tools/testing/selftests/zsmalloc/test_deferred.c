// SPDX-License-Identifier: GPL-2.0
/*
 * deferred_free_settles: a process pages out anonymous memory to a zram
 * swap device (MADV_PAGEOUT) and exits.  zram frees the swap slots with
 * zs_free_deferred(); nobody flushes or compacts, yet by itself and within
 * a bounded time the pool must hold exactly the objects zram still stores
 * (zram's own count, from mm_stat, against the Total row of zsmalloc's
 * class table), and every page it keeps must be in a zspage that holds a
 * live object.  Not every object goes: the swap layer's per-CPU slot
 * cache keeps up to 64 freed slots per CPU, and their objects, until it
 * fills or drains (stock 6.12 keeps the same), so zram may still store
 * that many.  Those can pin a zspage each; with 4K pages that is a few
 * per cent of the process's pool pages, so there at least 90 % must come
 * back.  The second round does the same while the CPU the process ran on
 * goes offline right after the exit and online again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"
#include "zs_pattern.h"
#include "zs_swap.h"
#include "zs_zram.h"
#include "zs_tests.h"

#define DEFERRED_PARAM	"/sys/module/zram/parameters/deferred_free"
#define WORKLOAD_MIB	48
#define SETTLE_LIMIT_S	10.0
#define SLOT_CACHE_SLOTS 64	/* SWAP_SLOTS_CACHE_SIZE in mm/swap_slots.c */

/* In the child: fill, page out, check a few pages came back, exit */
static int pageout_child(unsigned long size, int cpu, int ready_fd)
{
	unsigned long i, n = size / page_size;
	char *mem, *scratch = malloc(page_size);
	cpu_set_t set;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return 2;
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || !scratch)
		return 2;
	for (i = 0; i < n; i++)
		fill_page(mem + i * page_size, i, 7);
	/* no madvise() at all, or no MADV_PAGEOUT: the test cannot run */
	if (madvise(mem, size, MADV_NORMAL))
		return 4;
	if (madvise(mem, size, MADV_PAGEOUT))
		return errno == EINVAL ? 4 : 3;
	/* Swap a few pages back in (their slots are freed too) and check */
	for (i = 0; i < n; i += n / 16)
		if (check_page(mem + i * page_size, i, 7, scratch) >= 0)
			return 1;
	if (write(ready_fd, "x", 1) != 1)
		return 2;
	return 0;		/* exit: the rest of the slots are freed */
}

static int set_cpu_online(int cpu, bool online)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return write_file(path, online ? "1" : "0");
}

/*
 * What the pool keeps once settled: no more objects than the swap slot
 * caches can hold back, and no zspage without a live object (a class
 * with more zspages than objects keeps an empty one).
 */
static int kept_pages_are_pinned(const struct zs_class_table *tab,
				 unsigned long long stored)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	const struct zs_class_row *r;
	int i;

	if (stored > SLOT_CACHE_SLOTS * (unsigned long long)cpus) {
		ksft_print_msg("zram still stores %llu objects: over %d per CPU (%ld CPUs)\n",
			       stored, SLOT_CACHE_SLOTS, cpus);
		return KSFT_FAIL;
	}
	for (i = 0; i < tab->nr; i++) {
		r = &tab->rows[i];
		if (r->pages_used / r->pages_per_zspage > r->obj_used) {
			ksft_print_msg("class %lu keeps %lu zspages for %lu objects\n",
				       r->index, r->pages_used / r->pages_per_zspage,
				       r->obj_used);
			return KSFT_FAIL;
		}
	}
	return KSFT_PASS;
}

/*
 * One round: run the child, and once it has exited, time how long the
 * pool takes to fall back to @base pages.  With @offline, the child's CPU
 * goes offline as soon as it has exited.
 */
static int settle_round(struct zram_dev *z, unsigned long long base,
			int cpu, bool offline)
{
	unsigned long long peak, stored;
	struct zs_class_table *tab;
	struct zram_mm_stat st;
	int fds[2], status, ret;
	double t0, t;
	char c;
	pid_t pid;

	if (pipe(fds))
		return KSFT_FAIL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return KSFT_FAIL;
	if (pid == 0) {
		close(fds[0]);
		_exit(pageout_child(WORKLOAD_MIB * MIB, cpu, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		c = 0;
	close(fds[0]);
	if (zram_mm_stat(z, &st))
		return KSFT_FAIL;
	peak = st.mem_used_total;
	if (waitpid(pid, &status, 0) < 0)
		return KSFT_FAIL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		return skip("no madvise(MADV_PAGEOUT) (CONFIG_ADVISE_SYSCALLS)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) || c != 'x') {
		ksft_print_msg("the paging-out child failed (status %#x)\n",
			       status);
		return KSFT_FAIL;
	}
	t0 = now();
	if (offline && set_cpu_online(cpu, false)) {
		ksft_print_msg("cannot take cpu%d offline\n", cpu);
		return KSFT_FAIL;
	}
	tab = malloc(sizeof(*tab));
	if (!tab)
		return KSFT_FAIL;
	if (zram_pool_settle(z, tab, &st, t0 + SETTLE_LIMIT_S) < 0) {
		free(tab);
		return KSFT_FAIL;
	}
	t = now() - t0;
	stored = zram_objects(&st);
	if (offline && set_cpu_online(cpu, true))
		ksft_print_msg("cannot bring cpu%d back online\n", cpu);

	ksft_print_msg("%s: %llu KiB at the peak, %llu KiB %.3f s after the exit (base %llu KiB)\n",
		       offline ? "cpu offline" : "plain", peak >> 10,
		       st.mem_used_total >> 10, t, base >> 10);
	ksft_print_msg("zram stores %llu objects, zsmalloc holds %lu\n",
		       stored, tab->total.obj_used);
	ksft_print_msg("pending %ld, cpu drains %ld, timer drains %ld\n",
		       zram_pool_stat(z, "deferred_pending"),
		       zram_pool_stat(z, "deferred_cpu_drains"),
		       zram_pool_stat(z, "deferred_timer_drains"));
	if (peak <= base) {
		ksft_print_msg("nothing was swapped out to zram\n");
		return KSFT_FAIL;
	}
	if (tab->total.obj_used != stored) {
		ksft_print_msg("zsmalloc still held freed objects after %.0f s\n",
			       SETTLE_LIMIT_S);
		free(tab);
		return KSFT_FAIL;
	}
	ret = kept_pages_are_pinned(tab, stored);
	free(tab);
	if (ret != KSFT_PASS)
		return ret;
	if (page_size == 4096 && st.mem_used_total > base &&
	    (st.mem_used_total - base) * 10 > peak - base) {
		ksft_print_msg("less than 90 %% of the process's pool pages came back\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

int test_deferred_free_settles(void)
{
	struct zram_dev zram = { .id = -1 };
	unsigned long size = 2 * WORKLOAD_MIB * MIB;
	unsigned long long base;
	struct zram_mm_stat st;
	char val[8] = "";
	int cpu, ret = KSFT_FAIL;

	if (!zram_available())
		return skip("zram is not available");
	if (read_file(DEFERRED_PARAM, val, sizeof(val)) < 0)
		return skip("zram cannot defer its frees (no %s)",
			    DEFERRED_PARAM);
	if (val[0] != 'Y')
		return skip("zram.deferred_free is off");
	if (ensure_debugfs())
		return skip("no debugfs for the pool's counters");
	cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	if (zram_create_classes(&zram, size, ZRAM_ORDER_UNSET))
		return KSFT_FAIL;
	if (swap_enable(zram.dev, size))
		goto out_zram;
	if (zram_mm_stat(&zram, &st))
		goto out_swap;
	base = st.mem_used_total;

	ret = settle_round(&zram, base, cpu, false);
	if (ret == KSFT_PASS && zram_pool_stat(&zram, "deferred") <= 0) {
		ksft_print_msg("zram freed nothing through zs_free_deferred()\n");
		ret = KSFT_FAIL;
	}
	if (ret == KSFT_PASS && cpu > 0)
		ret = settle_round(&zram, base, cpu, true);
	else if (ret == KSFT_PASS)
		ksft_print_msg("one CPU: no offline round\n");
out_swap:
	swap_disable(zram.dev);
out_zram:
	zram_destroy(&zram);
	return ret;
}
