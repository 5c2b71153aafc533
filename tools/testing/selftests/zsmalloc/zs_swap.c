// SPDX-License-Identifier: GPL-2.0
/*
 * Swap, memory cgroups and memory pressure for the zsmalloc selftests;
 * see zs_swap.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_pattern.h"
#include "zs_swap.h"

/* ------------------------------------------------------------------ */
/* Swap                                                                */
/* ------------------------------------------------------------------ */

/* The v1 swap header mkswap writes ("SWAPSPACE2"), no bad pages. */
int write_swap_header(const char *dev, unsigned long size)
{
	char *hdr = calloc(1, page_size);
	uint32_t *info = (uint32_t *)(hdr + 1024);
	int fd, ret = 0;

	if (!hdr)
		return -ENOMEM;
	info[0] = 1;				/* version */
	info[1] = size / page_size - 1;		/* last_page */
	info[2] = 0;				/* nr_badpages */
	memcpy(hdr + page_size - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY);
	if (fd < 0 || pwrite(fd, hdr, page_size, 0) != (ssize_t)page_size ||
	    fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(hdr);
	return ret;
}

int swap_enable(const char *dev, unsigned long size)
{
	int ret = write_swap_header(dev, size);

	if (ret) {
		ksft_print_msg("swap header on %s: %s\n", dev, strerror(-ret));
		return ret;
	}
	if (swapon(dev, SWAP_FLAG_PREFER | (100 & SWAP_FLAG_PRIO_MASK))) {
		ret = -errno;
		ksft_print_msg("swapon %s: %s\n", dev, strerror(errno));
	}
	return ret;
}

int swap_disable(const char *dev)
{
	if (swapoff(dev)) {
		ksft_print_msg("swapoff %s: %s\n", dev, strerror(errno));
		return -errno;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* cgroup v2                                                           */
/* ------------------------------------------------------------------ */

/* The cgroup2 mount (mounted at /sys/fs/cgroup if there is none), with
 * the memory controller enabled for children.
 */
int cgroup_root(char *buf, size_t len)
{
	char line[512], dev[128], dir[256], type[64], path[300], ctl[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %255s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2"))
			found = true;
	}
	if (f)
		fclose(f);
	if (!found) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup");
		mkdir(dir, 0755);
		if (mount("cgroup2", dir, "cgroup2", 0, NULL))
			return -errno;
	}
	snprintf(buf, len, "%s", dir);

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_file(path, ctl, sizeof(ctl)) < 0 || !strstr(ctl, "memory"))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_file(path, ctl, sizeof(ctl)) >= 0 && strstr(ctl, "memory"))
		return 0;
	return write_file(path, "+memory");
}

int cgroup_create(const char *root, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", root, name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int cgroup_write(const char *cg, const char *file, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_file(path, val);
}

long cgroup_stat(const char *cg, const char *key)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	return keyed_value(path, key);
}

void cgroup_destroy(const char *cg)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return;
		usleep(100000);
	}
	ksft_print_msg("rmdir %s: %s\n", cg, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Workload in a child                                                 */
/* ------------------------------------------------------------------ */

static int child_workload(struct workload *w, int to_parent, int from_parent)
{
	unsigned long n = w->size / page_size, i, bad = 0;
	char *mem, *scratch = malloc(page_size);
	char c = 'F';
	long off;

	write_file("/proc/self/oom_score_adj", "1000");
	if (w->cgroup && cgroup_write(w->cgroup, "cgroup.procs", "0")) {
		ksft_print_msg("cannot join %s\n", w->cgroup);
		return 2;
	}
	mem = mmap(NULL, w->size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED || !scratch) {
		ksft_print_msg("mmap %lu MiB: %s\n", w->size / MIB,
			       strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++)
		fill_page(mem + i * page_size, i, w->seed);
	if (write(to_parent, &c, 1) != 1 || read(from_parent, &c, 1) != 1)
		return 2;
	/*
	 * Newest pages first: they are the ones still resident, and reading
	 * them first keeps LRU from evicting pages just before we read them.
	 */
	for (i = n; i-- > 0;) {
		off = check_page(mem + i * page_size, i, w->seed, scratch);
		if (off >= 0 && bad++ < 4)
			report_bad_page(mem + i * page_size, i, w->seed, off,
					"anon memory");
	}
	if (bad)
		ksft_print_msg("%lu of %lu pages corrupted after swap-in\n",
			       bad, n);
	return bad ? 1 : 0;
}

/*
 * Returns KSFT_PASS if the data came back intact and at_filled passed,
 * else KSFT_FAIL (with the reason printed).
 */
int run_workload(struct workload *w)
{
	int up[2], down[2], status, ret = KSFT_PASS;
	char c;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return KSFT_FAIL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return KSFT_FAIL;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(child_workload(w, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		ksft_print_msg("workload died while filling memory\n");
		ret = KSFT_FAIL;
	} else {
		if (w->at_filled && w->at_filled(w->arg) != KSFT_PASS)
			ret = KSFT_FAIL;
		c = 'V';
		if (write(down[1], &c, 1) != 1)
			ret = KSFT_FAIL;
	}
	close(up[0]);
	close(down[1]);
	if (waitpid(pid, &status, 0) < 0)
		return KSFT_FAIL;
	if (WIFSIGNALED(status)) {
		ksft_print_msg("workload killed by signal %d%s\n",
			       WTERMSIG(status),
			       WTERMSIG(status) == SIGKILL ? " (OOM killer?)" : "");
		return KSFT_FAIL;
	}
	if (WEXITSTATUS(status)) {
		if (WEXITSTATUS(status) != 1)
			ksft_print_msg("workload failed to set up\n");
		return KSFT_FAIL;
	}
	return ret;
}
