/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a zsim trace (zsim-trace.c writes them): comment lines start
 * with '#', then one line per page of the corpus, its compressed length,
 * or "same" for a page zram keeps itself (one repeated word).
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
 * The second half of the workload discards page @i: the second MiB of
 * every 2 MiB (make bench's "half"), or with @every_other_page set every
 * other 4 KiB page (make bench's compaction row).
 */
static inline int discarded(long i, int every_other_page)
{
	return every_other_page ? i % 2 == 1 : (i / 256) % 2 == 1;
}

#endif
