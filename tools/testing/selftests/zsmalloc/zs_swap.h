/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Swap and memory pressure for the zsmalloc selftests: a swap device
 * (mkswap's header, swapon, swapoff), cgroup v2 memory cgroups, and a
 * workload in a child process that fills anonymous memory, lets the
 * parent look at the system, and verifies every page.
 */
#ifndef ZS_SWAP_H
#define ZS_SWAP_H

#include <stddef.h>
#include <stdint.h>

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
