// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the zsmalloc selftests; see zs_faults.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_pattern.h"
#include "zs_faults.h"

#define FAIL_PAGE_ALLOC		"/sys/kernel/debug/fail_page_alloc"
#define FAILSLAB		"/sys/kernel/debug/failslab"

static const char *const fault_dirs[] = { FAIL_PAGE_ALLOC, FAILSLAB };

bool fault_injection_available(void)
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
int fault_injection_set(int percent)
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
long faulty_rewrite(const char *dev, unsigned long n, uint64_t seed,
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
int verify_states(const char *dev, unsigned long n, uint64_t old_seed,
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
