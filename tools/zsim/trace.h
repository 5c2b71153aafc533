/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What zsim and zlog replay.  A trace (zsim-trace.c writes them): comment
 * lines start with '#', then one line per page of the corpus, its
 * compressed length, or "same" for a page zram keeps itself (one repeated
 * word).  Include after mm/zsmalloc_geometry.h, with PAGE_SIZE defined.
 */
#ifndef ZSIM_TRACE_H
#define ZSIM_TRACE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The trace named by the last argument ("-": stdin), or NULL, said why */
static inline FILE *trace_open(const char *prog, int argc, char **argv, int optind)
{
	FILE *f = NULL;

	if (optind == argc - 1 && !strcmp(argv[optind], "-"))
		f = stdin;
	else if (optind == argc - 1)
		f = fopen(argv[optind], "r");
	if (!f)
		fprintf(stderr, "%s: no trace (%s)\n", prog,
			optind == argc - 1 ? strerror(errno) : "give one, or - for stdin");
	return f;
}

/* The next page: 1 and its length in *len (0: a same page), 0 at the end */
static inline int trace_next(FILE *f, unsigned int *len)
{
	char line[512];

	do {
		if (!fgets(line, sizeof(line), f))
			return 0;
	} while (line[0] == '#');
	*len = strncmp(line, "same", 4) ? atoi(line) : 0;
	return 1;
}

/*
 * All of the trace, closed after: *n pages, each one's length (0: a same
 * page).
 */
static inline unsigned int *trace_load(FILE *f, long *n)
{
	unsigned int *lens = NULL, len;
	long cap = 0;

	for (*n = 0; trace_next(f, &len); (*n)++) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4096;
			lens = realloc(lens, cap * sizeof(*lens));
			if (!lens) {
				fprintf(stderr, "no memory for the trace\n");
				exit(2);
			}
		}
		lens[*n] = len;
	}
	if (f != stdin)
		fclose(f);
	return lens;
}

/* The largest slot of @geo's class table that more than one object shares */
static inline unsigned int geo_max_shared(const struct zs_geometry *geo)
{
	unsigned int s, size, max_shared = 0;

	for (s = 0; s < geo_nr_steps(geo); s++) {
		if (!geo_class_head(geo, s))
			continue;
		size = geo_step_size(geo, geo_min_size(geo), s);
		if (geo_chain(geo, size) * PAGE_SIZE / size > 1)
			max_shared = size;
	}
	return max_shared;
}

/*
 * zs_huge_class_size() of a class table whose largest shared slot is
 * @max_shared: zram stores a page that compresses to this many bytes or
 * more uncompressed, as PAGE_SIZE (a slot holds an 8-byte handle header
 * too).
 */
static inline unsigned int zram_huge_len(unsigned int max_shared)
{
	return max_shared - 8 + 1;
}

/*
 * The second half of the workload discards page @i: the second MiB of
 * every 2 MiB (make bench's "half"), or with @every_other_page set every
 * other 4 KiB page (make bench's compaction row).
 */
static inline int discarded(long i, int every_other_page)
{
	return every_other_page ? i % 2 == 1 : (i / 256) % 2 == 1;
}

#endif
