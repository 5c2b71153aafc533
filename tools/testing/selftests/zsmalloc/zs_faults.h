/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the zsmalloc selftests: fail_page_alloc and
 * failslab fail a share of the allocations of the tasks that opted in,
 * and a writer in such a task rewrites a zram device, recording each
 * page's fate so that the data can be verified after.
 */
#ifndef ZS_FAULTS_H
#define ZS_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#define FAULT_PERCENT		10
#define FAULT_CONFIGS \
	"CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAILSLAB"

/* Page states recorded by the writer, shared with the parent */
enum { PAGE_OLD, PAGE_NEW, PAGE_FAILED };

bool fault_injection_available(void);
int fault_injection_set(int percent);
long faulty_rewrite(const char *dev, unsigned long n, uint64_t seed,
		    unsigned char *state, const int *stop);
int verify_states(const char *dev, unsigned long n, uint64_t old_seed,
		  uint64_t new_seed, const unsigned char *state);

#endif
