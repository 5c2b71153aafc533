// SPDX-License-Identifier: GPL-2.0
/*
 * zswap_cgroup: zswap with zpool=zsmalloc stores the pages of a memory
 * cgroup over its memory.max and gives them back intact.
 */
#include <dirent.h>
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

#define ZSWAP_PARAM(x)		"/sys/module/zswap/parameters/" x

struct zswap_ctx {
	const char *cg;
};

/*
 * Objects in the zsmalloc pools zswap created (their tables' obj_used:
 * a packed pool's bins, or a pool of classes' Total), or -1.
 */
static long zswap_pool_objects(void)
{
	struct zs_class_table *t = malloc(sizeof(*t));
	struct zs_bin_totals b;
	char path[512];
	struct dirent *d;
	long objs = -1;
	DIR *dir = opendir("/sys/kernel/debug/zsmalloc");

	while (dir && t && (d = readdir(dir))) {
		if (strncmp(d->d_name, "zswap", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/zsmalloc/%s/classes",
			 d->d_name);
		if (!zs_read_bins(path, &b))
			objs = (objs < 0 ? 0 : objs) + b.objs;
		else if (!zs_read_classes(path, t))
			objs = (objs < 0 ? 0 : objs) + t->total.obj_used;
	}
	if (dir)
		closedir(dir);
	free(t);
	return objs;
}

static int zswap_filled(void *arg)
{
	struct zswap_ctx *c = arg;
	long zswpout = cgroup_stat(c->cg, "zswpout");
	long zswapped = cgroup_stat(c->cg, "zswapped");
	long objs = zswap_pool_objects();
	unsigned long stored = 0;
	int ret = KSFT_PASS;

	read_ulong("/sys/kernel/debug/zswap/stored_pages", &stored);
	ksft_print_msg("cgroup zswpout %ld zswapped %ld KiB\n", zswpout,
		       zswapped >> 10);
	ksft_print_msg("zswap stored_pages %lu, zsmalloc zswap pool objects %ld\n",
		       stored, objs);
	if (zswpout <= 0 || zswapped <= 0) {
		ksft_print_msg("nothing went to zswap from the cgroup\n");
		ret = KSFT_FAIL;
	}
	if (!access("/sys/kernel/debug/zswap/stored_pages", R_OK) && !stored) {
		ksft_print_msg("zswap stored_pages is 0\n");
		ret = KSFT_FAIL;
	}
	if (!access("/sys/kernel/debug/zsmalloc", F_OK) && objs == 0) {
		ksft_print_msg("zswap's zsmalloc pool holds no objects\n");
		ret = KSFT_FAIL;
	}
	return ret;
}

int test_zswap_cgroup(void)
{
	char root[256], cg[300] = "", enabled[16] = "N", zpool[64] = "";
	struct zram_dev zram = { .id = -1 };
	struct zswap_ctx ctx = { .cg = cg };
	struct workload w = { .size = 96 * MIB, .seed = 4,
			      .at_filled = zswap_filled, .arg = &ctx };
	int ret = KSFT_FAIL, err;

	if (access("/sys/module/zswap", F_OK))
		return skip("zswap is not built in");
	if (!zram_available())
		return skip("zram is not available (backing swap)");
	if (cgroup_root(root, sizeof(root)))
		return skip("no cgroup v2 memory controller");
	ensure_debugfs();

	read_file(ZSWAP_PARAM("enabled"), enabled, sizeof(enabled));
	read_file(ZSWAP_PARAM("zpool"), zpool, sizeof(zpool));
	enabled[strcspn(enabled, "\n")] = '\0';
	zpool[strcspn(zpool, "\n")] = '\0';
	if (strcmp(zpool, "zsmalloc")) {
		err = write_file(ZSWAP_PARAM("zpool"), "zsmalloc");
		if (err)
			return skip("zswap refuses zpool=zsmalloc: %s",
				    strerror(-err));
	}

	if (zram_create(&zram, 512 * MIB))
		goto out_param;
	if (swap_enable(zram.dev, 512 * MIB))
		goto out_zram;
	err = write_file(ZSWAP_PARAM("enabled"), "Y");
	if (err) {
		ret = skip("cannot enable zswap: %s", strerror(-err));
		goto out_swap;
	}
	if (cgroup_create(root, "zsmalloc_test_zswap", cg, sizeof(cg)) ||
	    cgroup_write(cg, "memory.max", "67108864")) {
		ksft_print_msg("cannot set up cgroup %s\n", cg);
		goto out_zswap;
	}
	w.cgroup = cg;
	ksft_print_msg("workload %lu MiB in %s with memory.max 64 MiB\n",
		       w.size / MIB, cg);
	ret = run_workload(&w);
	cgroup_destroy(cg);
out_zswap:
	write_file(ZSWAP_PARAM("enabled"), "N");
out_swap:
	swap_disable(zram.dev);
out_zram:
	zram_destroy(&zram);
out_param:
	if (*zpool && strcmp(zpool, "zsmalloc"))
		write_file(ZSWAP_PARAM("zpool"), zpool);
	if (strcmp(enabled, "N"))
		write_file(ZSWAP_PARAM("enabled"), enabled);
	return ret;
}
