/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data every zsmalloc selftest stores and verifies: each page says
 * which page it is and is regenerable from (index, seed), and the pages
 * compress to sizes spread over many size classes.
 */
#ifndef ZS_PATTERN_H
#define ZS_PATTERN_H

#include <stdint.h>

void fill_page(void *page, uint64_t index, uint64_t seed);
/* @len incompressible bytes from the xorshift state *@s */
void fill_random(char *p, size_t len, uint64_t *s);
long check_page(const void *page, uint64_t index, uint64_t seed, void *scratch);
void report_bad_page(const void *page, uint64_t index, uint64_t seed,
		     long offset, const char *what);

#endif
