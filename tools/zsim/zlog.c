// SPDX-License-Identifier: GPL-2.0
/*
 * zlog: the same trace and workload as zsim, through a placement with no
 * size classes at all, to weigh that design against zsmalloc's classes
 * (issue 16: density 0.985 at fill is out of reach of any per-class rule
 * zsim has tried).
 *
 *   zlog [-o ORDER] [-H BYTES] [-A ALIGN] [-c FRAC] [-p] TRACE|-
 *
 * A zspage is 2^ORDER pages (the kernel's chains are at most that), one
 * byte area.  An object takes its length plus a -H BYTES header (default
 * 8: the handle word compaction needs; a design that walks a zspage also
 * needs each object's length, -H 10) rounded up to -A ALIGN (default 8)
 * bytes, anywhere in the area: objects straddle pages as they do today.
 * An object goes into the zspage whose free tail fits it most tightly
 * (best fit), else into a new zspage; freed bytes become a hole that only
 * compaction gets back.  Lengths of zs_huge_class_size() (the kernel's,
 * from mm/zsmalloc_geometry.h) or more take a page each, as today.
 * Compaction moves the objects of every zspage whose live bytes are below
 * -c FRAC (default 1: every one with a hole) of it, sparsest first, by
 * the same rule into the other zspages, and frees the zspages it empties.
 * The workload: fill, then the second MiB of every 2 MiB discarded and
 * the pool compacted, as in zsim and make bench ("half"); -p: every other
 * page discarded instead ("alt").
 *
 * Prints pages used, density (compr_data_size / mem_used_total) and where
 * the rest goes: alignment, headers, holes and free tails, in % of memory;
 * and how many bytes compaction copied.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/kernel.h>

#define PAGE_SIZE	4096UL
#define INDEX_BITS	15	/* ZS_SLOT_INDEX_BITS on x86_64 */

#include "../../mm/zsmalloc_geometry.h"
#include "trace.h"

struct zspage {
	long used;		/* bytes taken from the start: the tail is free */
	long live;		/* bytes of objects still stored */
	bool huge, gone;
	bool source;		/* compaction empties it: nothing goes in */
};

struct obj {
	int zspage;		/* -1: not in zsmalloc */
	unsigned int len, size;	/* zram's length; bytes taken, header included */
};

static struct zspage *zs;
static int nr_zs, cap_zs;
static long cap_bytes, pages_used;
static unsigned int hdr = 8, align = 8;
static double moved;		/* bytes compaction copied */

static int new_zspage(bool huge)
{
	if (nr_zs == cap_zs) {
		cap_zs = cap_zs ? 2 * cap_zs : 1024;
		zs = realloc(zs, cap_zs * sizeof(*zs));
	}
	zs[nr_zs] = (struct zspage){ .huge = huge };
	pages_used += huge ? 1 : cap_bytes / PAGE_SIZE;
	return nr_zs++;
}

/* The zspage with the smallest free tail that fits @size, or a new one */
static int place(unsigned int size)
{
	long best_tail = -1;
	int i, best = -1;

	for (i = 0; i < nr_zs; i++) {
		long tail = cap_bytes - zs[i].used;

		if (zs[i].gone || zs[i].huge || zs[i].source || tail < size)
			continue;
		if (best < 0 || tail < best_tail) {
			best = i;
			best_tail = tail;
		}
	}
	return best >= 0 ? best : new_zspage(false);
}

static void store(struct obj *o, unsigned int huge)
{
	if (o->len >= huge) {
		o->len = PAGE_SIZE;
		o->size = PAGE_SIZE;
		o->zspage = new_zspage(true);
	} else {
		o->size = ALIGN(o->len + hdr, align);
		o->zspage = place(o->size);
	}
	zs[o->zspage].used += o->size;
	zs[o->zspage].live += o->size;
}

static void release(struct obj *o)
{
	struct zspage *z = &zs[o->zspage];

	z->live -= o->size;
	if (!z->live) {
		z->gone = true;
		pages_used -= z->huge ? 1 : cap_bytes / PAGE_SIZE;
	}
	o->zspage = -1;
}

static int by_live(const void *a, const void *b)
{
	long la = zs[*(const int *)a].live, lb = zs[*(const int *)b].live;

	return la < lb ? -1 : la > lb;
}

/*
 * Evacuate the sparse zspages, sparsest first, into the free tails of the
 * others and into new zspages, as a log cleaner does.
 */
static void compact(struct obj *objs, long n, double frac)
{
	int nr0 = nr_zs, nr = 0, k, z, dst;	/* zspages made here are not sources */
	int *order = malloc(nr0 * sizeof(*order));
	int **members = calloc(nr0, sizeof(*members)), *cnt = calloc(nr0, sizeof(int));
	long i;

	for (i = 0; i < n; i++) {
		z = objs[i].zspage;
		if (z < 0 || zs[z].huge)
			continue;
		members[z] = realloc(members[z], (cnt[z] + 1) * sizeof(int));
		members[z][cnt[z]++] = i;
	}
	for (z = 0; z < nr0; z++)
		if (!zs[z].gone && !zs[z].huge && zs[z].live < frac * zs[z].used) {
			order[nr++] = z;
			zs[z].source = true;
		}
	qsort(order, nr, sizeof(*order), by_live);
	for (k = 0; k < nr; k++) {
		z = order[k];
		if (zs[z].gone)
			continue;
		for (i = 0; i < cnt[z]; i++) {
			struct obj *o = &objs[members[z][i]];

			if (o->zspage != z)
				continue;
			dst = place(o->size);
			zs[dst].used += o->size;
			zs[dst].live += o->size;
			zs[z].live -= o->size;
			o->zspage = dst;
			moved += o->size;
		}
		zs[z].gone = true;
		pages_used -= cap_bytes / PAGE_SIZE;
	}
	for (z = 0; z < nr0; z++)
		free(members[z]);
	free(members);
	free(cnt);
	free(order);
}

static void report(const char *phase, struct obj *objs, long n)
{
	double mem = pages_used * (double)PAGE_SIZE, compr = 0, round = 0;
	double head = 0, holes = 0, tails = 0;
	long i, nr_huge = 0;
	int z;

	for (i = 0; i < n; i++) {
		if (objs[i].zspage < 0)
			continue;
		compr += objs[i].len;
		if (zs[objs[i].zspage].huge)
			continue;
		head += hdr;
		round += objs[i].size - hdr - objs[i].len;
	}
	for (z = 0; z < nr_zs; z++) {
		if (zs[z].gone)
			continue;
		if (zs[z].huge) {
			nr_huge++;
			continue;
		}
		holes += zs[z].used - zs[z].live;
		tails += cap_bytes - zs[z].used;
	}
	printf("%-5s pages %7ld (huge %ld)  density %.4f  waste %%: alignment %.2f header %.2f",
	       phase, pages_used, nr_huge, compr / mem, 100 * round / mem, 100 * head / mem);
	printf(" holes %.2f tail %.2f\n", 100 * holes / mem, 100 * tails / mem);
}

int main(int argc, char **argv)
{
	unsigned int order = 3, huge, *lens;
	struct zs_geometry geo;
	struct obj *objs;
	long n, i;
	double frac = 1.0;
	int opt, every_other = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "o:H:A:c:p")) != -1) {
		switch (opt) {
		case 'o':
			order = atoi(optarg);
			break;
		case 'H':
			hdr = atoi(optarg);
			break;
		case 'A':
			align = atoi(optarg);
			break;
		case 'c':
			frac = atof(optarg);
			break;
		case 'p':
			every_other = 1;
			break;
		default:
			fprintf(stderr,
				"usage: zlog [-o ORDER] [-H BYTES] [-A ALIGN] [-c FRAC] [-p] TRACE|-\n");
			return 2;
		}
	}
	f = trace_open("zlog", argc, argv, optind);
	if (!f)
		return 2;
	cap_bytes = PAGE_SIZE << order;
	/* the kernel's huge threshold at this order: the same huge pages */
	geo = (struct zs_geometry){ PAGE_SIZE, order, INDEX_BITS };
	huge = zram_huge_len(geo_max_shared(&geo));
	lens = trace_load(f, &n);
	objs = calloc(n, sizeof(*objs));
	for (i = 0; i < n; i++) {
		objs[i].zspage = -1;
		objs[i].len = lens[i];
		if (lens[i])
			store(&objs[i], huge);
	}
	free(lens);
	printf("order %u, header %u, align %u, compact below %g, %ld pages of trace\n",
	       order, hdr, align, frac, n);
	report("fill", objs, n);
	for (i = 0; i < n; i++)
		if (discarded(i, every_other) && objs[i].zspage >= 0)
			release(&objs[i]);
	compact(objs, n, frac);
	report(every_other ? "alt" : "half", objs, n);
	printf("compaction moved %.0f KiB\n", moved / 1024);
	free(objs);
	free(zs);
	return 0;
}
