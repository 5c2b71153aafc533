// SPDX-License-Identifier: GPL-2.0
/*
 * zram swap and compaction on zsmalloc.
 *
 * zram_swap_pressure: more anonymous memory than the VM has goes through
 * zram swap and every page reads back intact.
 *
 * zram_compact: a device is filled and every other page discarded; the
 * pool must then be fragmented, and compaction must give pages back with
 * every remaining page intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"
#include "zs_swap.h"
#include "zs_zram.h"
#include "zs_tests.h"

/* how long zram's deferred frees may take to reach the pool */
#define SETTLE_LIMIT_S		5.0

struct pressure_ctx {
	struct zram_dev *zram;
	unsigned long rd0, wr0;
};

/*
 * Swap-out is seen from zram's own I/O statistics and swap usage in
 * /proc/meminfo: /proc/vmstat's pswpout needs CONFIG_VM_EVENT_COUNTERS.
 */
static int pressure_filled(void *arg)
{
	struct pressure_ctx *c = arg;
	struct zram_mm_stat st;
	unsigned long rd, wr, used;

	if (zram_mm_stat(c->zram, &st) || zram_io_sectors(c->zram, &rd, &wr))
		return KSFT_FAIL;
	used = meminfo_kb("SwapTotal") - meminfo_kb("SwapFree");
	zram_print_mm_stat(c->zram, "with the workload swapped out");
	ksft_print_msg("swap used %lu MiB, %lu MiB written to zram%d\n",
		       used >> 10, (wr - c->wr0) >> 11, c->zram->id);
	if (!used || wr == c->wr0 || !st.orig_data_size) {
		ksft_print_msg("no swapping to zram happened\n");
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * Anonymous memory larger than what is available, swapped to zram, read
 * back.  On the 1 GiB test VM this is global pressure (reclaim, zsmalloc's
 * shrinker, and compaction migrating zspage pages); on a machine with much
 * more memory available the workload is confined to a memory cgroup
 * instead, to stay bounded in time.
 */
int test_zram_swap_pressure(void)
{
	unsigned long avail = meminfo_kb("MemAvailable") * 1024UL;
	unsigned long size, rd, wr, limit = 0;
	struct zram_dev zram = { .id = -1 };
	struct pressure_ctx ctx = { .zram = &zram };
	struct workload w = { .seed = 1, .at_filled = pressure_filled,
			      .arg = &ctx };
	char root[256], cg[300] = "", *env = getenv("ZSMALLOC_PRESSURE_MIB");
	int ret = KSFT_FAIL;

	if (!zram_available())
		return skip("zram is not available");

	if (env) {
		size = strtoul(env, NULL, 0) * MIB;
	} else if (avail && avail <= 1536 * MIB) {
		/* ~450 MiB swapped at +192 MiB took 300 s under TCG+KASAN */
		size = avail + (avail / 8 < 96 * MIB ? avail / 8 : 96 * MIB);
	} else {
		if (cgroup_root(root, sizeof(root)))
			return skip("%lu MiB available, no memory cgroup to confine the workload",
				    avail / MIB);
		if (cgroup_create(root, "zsmalloc_test_pressure", cg, sizeof(cg)))
			return KSFT_FAIL;
		limit = 128 * MIB;
		size = 384 * MIB;
		cgroup_write(cg, "memory.max", "134217728");
		w.cgroup = cg;
	}
	w.size = size;
	ksft_print_msg("MemAvailable %lu MiB, workload %lu MiB%s\n", avail / MIB,
		       size / MIB, limit ? " in a cgroup with memory.max 128 MiB" : "");

	if (zram_create(&zram, size))
		goto out;
	if (swap_enable(zram.dev, size))
		goto out_zram;

	if (zram_io_sectors(&zram, &ctx.rd0, &ctx.wr0))
		goto out_swap;
	ret = run_workload(&w);
	if (zram_io_sectors(&zram, &rd, &wr))
		ret = KSFT_FAIL;
	ksft_print_msg("%lu MiB read back from zram%d\n", (rd - ctx.rd0) >> 11,
		       zram.id);
	if (ret == KSFT_PASS && rd == ctx.rd0) {
		ksft_print_msg("nothing was swapped back in\n");
		ret = KSFT_FAIL;
	}
out_swap:
	swap_disable(zram.dev);
out_zram:
	zram_destroy(&zram);
out:
	if (*cg)
		cgroup_destroy(cg);
	return ret;
}

/*
 * Fill a device and discard every other page.  That must leave the pool
 * fragmented: the class table must show zspages that the used objects do
 * not need.  Compact: pages_compacted must grow, by no more than the
 * pages of those zspages, mem_used_total must fall, and every remaining
 * page must still hold its data.
 */
int test_zram_compact(void)
{
	const unsigned long n = 48 * MIB / page_size;
	struct zram_mm_stat st0, st1, st2;
	struct zram_dev zram = { .id = -1 };
	unsigned long long compacted;
	unsigned long i, can_free;
	int ret = KSFT_FAIL, err;
	struct zs_class_table *t = zram_class_table(&ret);

	if (!t)
		return ret;
	if (zram_create_classes(&zram, 2 * n * page_size, ZRAM_ORDER_UNSET))
		goto out;
	ret = zram_classes_readable(&zram);
	if (ret)
		goto out;
	ret = KSFT_FAIL;
	if (bdev_write_pages(zram.dev, 0, n, 2) || zram_mm_stat(&zram, &st0))
		goto out;
	zram_print_mm_stat(&zram, "after writing");
	if (st0.orig_data_size != n * page_size) {
		ksft_print_msg("orig_data_size %llu after writing %lu pages\n",
			       st0.orig_data_size, n);
		goto out;
	}

	for (i = 1; i < n; i += 2)
		if (bdev_discard(zram.dev, i, 1))
			goto out;
	/* zram may defer the frees: count the pool once they are done */
	err = zram_pool_settle(&zram, t, &st1, now() + SETTLE_LIMIT_S);
	if (err > 0)
		ksft_print_msg("%.0f s after the discards zsmalloc holds %lu objects, zram %llu\n",
			       SETTLE_LIMIT_S, t->total.obj_used,
			       zram_objects(&st1));
	if (err)
		goto out;
	zram_print_mm_stat(&zram, "after discarding every other page");
	if (st1.orig_data_size != (n / 2) * page_size) {
		ksft_print_msg("orig_data_size %llu, expected %lu after discarding half\n",
			       st1.orig_data_size, (n / 2) * page_size);
		goto out;
	}
	can_free = zs_compactable_pages(t);
	ksft_print_msg("compactable: %lu of %lu pages (class table; its freeable column: %lu)\n",
		       can_free, t->total.pages_used, t->total.freeable);
	if (!can_free) {
		ksft_print_msg("the pool is not fragmented: no zspage to compact\n");
		goto out;
	}

	if (zram_attr_write(&zram, "compact", "1") || zram_mm_stat(&zram, &st2))
		goto out;
	zram_print_mm_stat(&zram, "after compact");
	/*
	 * What compaction freed is pages_compacted; mem_used_total also
	 * moves when the free worker gives back a zspage emptied earlier.
	 */
	compacted = st2.pages_compacted - st1.pages_compacted;
	ksft_print_msg("compact: pages_compacted +%llu of %lu possible\n",
		       compacted, can_free);
	if (!compacted || st2.mem_used_total >= st1.mem_used_total) {
		ksft_print_msg("compaction freed nothing from a fragmented pool\n");
		goto out;
	}
	if (compacted > can_free) {
		ksft_print_msg("compaction freed more pages than the unneeded zspages held\n");
		goto out;
	}
	if (st2.orig_data_size != st1.orig_data_size ||
	    st2.compr_data_size != st1.compr_data_size) {
		ksft_print_msg("compaction changed the stored data size\n");
		goto out;
	}
	if (bdev_verify_pages(zram.dev, n, 2, 2))
		goto out;
	ret = KSFT_PASS;
out:
	zram_destroy(&zram);
	free(t);
	return ret;
}
