// SPDX-License-Identifier: GPL-2.0
/*
 * zsmalloc selftests: the allocator seen through its two users, zram and
 * zswap, on a running kernel.  Every test stores data whose every page is
 * regenerable from (page index, seed) and checks it byte for byte after it
 * went through zsmalloc, and checks the accounting zram and zsmalloc
 * report about that data (mm_stat, the debugfs class table).
 *
 * The tests create their own zram devices (hot_add/hot_remove), swap on
 * them, make file systems and change module parameters, so they refuse to
 * run outside the test VM (see in_test_vm()): there every case SKIPs and
 * says why.  In the test VM, which says so with ZSMALLOC_SELFTEST_VM=1,
 * everything the cases need is there: a case that would skip fails,
 * with the reason it gave.
 *
 * This file is the program: the list of cases, their selection, and one
 * TAP line per case.  The cases are in test_*.c by area (zs_tests.h), the
 * helpers they share in zs_*.c by what they wrap.
 *
 * Usage: zsmalloc_test [-l] [test...]	(no test names: all of them)
 * ZSMALLOC_TESTS=a,b selects cases too (when no names are given).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_tests.h"

static char skip_reason[256];

/* Record why a test is skipped; it goes on the test's TAP line. */
__printf(1, 2) int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	return KSFT_SKIP;
}

#define T(x) { x, #x + 5 }
static const struct zsmalloc_test {
	int (*fn)(void);
	const char *name;
} tests[] = {
	T(test_zram_swap_pressure),
	T(test_zram_compact),
	T(test_ext4_on_zram),
	T(test_zswap_cgroup),
	T(test_debugfs_classes_consistent),
	T(test_zspage_order_param),
	T(test_zram_zspage_order_attr),
	T(test_packed_pool_consistent),
	T(test_fault_injection),
	T(test_stress_all_at_once),
	T(test_deferred_free_settles),
};

#undef T

static const unsigned int nr_tests = ARRAY_SIZE(tests);

static bool selected(int argc, char **argv, const char *name)
{
	const char *env = getenv("ZSMALLOC_TESTS");
	char list[512], *tok, *save;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (!strcmp(argv[i], name))
				return true;
		return false;
	}
	if (!env || !*env)
		return true;
	snprintf(list, sizeof(list), "%s", env);
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

/* ZSMALLOC_SELFTEST_VM=1: the test VM, where no case may skip */
static bool skips_fail(void)
{
	const char *env = getenv("ZSMALLOC_SELFTEST_VM");

	return env && !strcmp(env, "1");
}

/*
 * One TAP line for a case.  A skip in the test VM is "not ok", with a
 * description that parsers do not take for a SKIP directive.
 */
static void report(const char *name, int ret, const char *why)
{
	if (ret == KSFT_SKIP && !*why)
		why = "no reason given";
	if (ret == KSFT_SKIP && skips_fail())
		ksft_test_result_code(KSFT_FAIL, name,
				      "must not skip in the test VM: %s", why);
	else if (ret == KSFT_SKIP)
		ksft_test_result_code(ret, name, "%s", why);
	else
		ksft_test_result_code(ret, name, NULL);
}

int main(int argc, char **argv)
{
	bool run[ARRAY_SIZE(tests)];
	unsigned int i, plan = 0;
	unsigned long taint;
	const char *why;
	double t0;
	bool vm;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < nr_tests; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (i = 0; i < nr_tests; i++) {
		run[i] = selected(argc, argv, tests[i].name);
		plan += run[i];
	}
	if (argc > 1 && plan != (unsigned int)argc - 1) {
		fprintf(stderr, "usage: %s [-l] [test...]; tests:\n", argv[0]);
		for (i = 0; i < nr_tests; i++)
			fprintf(stderr, "  %s\n", tests[i].name);
		return 1;
	}

	page_size = sysconf(_SC_PAGESIZE);
	vm = in_test_vm(&why);
	ksft_print_header();
	ksft_set_plan(plan);
	if (vm && geteuid())
		vm = false, why = "needs root";

	for (i = 0; i < nr_tests; i++) {
		if (!run[i])
			continue;
		if (!vm) {
			report(tests[i].name, KSFT_SKIP, why);
			continue;
		}
		skip_reason[0] = '\0';
		taint = kernel_tainted();
		t0 = now();
		ret = tests[i].fn();
		ksft_print_msg("%s took %.1f s\n", tests[i].name, now() - t0);
		if (ret != KSFT_SKIP && (kernel_tainted() & ~taint)) {
			ksft_print_msg("kernel tainted (%#lx -> %#lx): see the console log\n",
				       taint, kernel_tainted());
			ret = KSFT_FAIL;
		}
		report(tests[i].name, ret, skip_reason);
	}
	ksft_finished();
}
