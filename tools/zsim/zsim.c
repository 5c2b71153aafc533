// SPDX-License-Identifier: GPL-2.0
/*
 * zsim: replay a zram object-size trace through zsmalloc's geometry and
 * placement rules in user space, in a fraction of a second, to weigh a
 * density idea before building a kernel for it.
 *
 *   zsim [-o ORDER] [-b STEPS] [-B BYTES] [-g 1|2] [-a FRAC] [-p] TRACE|-
 *
 * The class table comes from mm/zsmalloc_geometry.h itself (4 KiB pages,
 * the obj index width of x86_64).  The workload is make bench's density
 * run: every page of the trace written to zram in order (a page of one
 * repeated word is kept by zram and never reaches zsmalloc; a length of
 * zs_huge_class_size() or more is stored uncompressed, as PAGE_SIZE),
 * then the second MiB of every 2 MiB discarded and the pool compacted
 * ("half"), or with -p every other page discarded ("alt", make bench's
 * compaction row).
 * Placement follows mm/zsmalloc.c: a class starts closed, and its objects
 * go to the nearest open class at most -B BYTES larger (default 128, the
 * kernel's zsmalloc.borrow_steps=8) until the bytes that costs reach -a
 * FRAC (default 0.5) of one of its zspages, or at once if none is near;
 * then it opens.  In a class, an object goes to the fullest zspage with
 * room, else to a new zspage of the class's chain.  -B 0: classes open
 * from the start (borrow_steps=0, and stock 6.12's placement).
 * Ideas the kernel does not have (yet), to weigh them:
 *   -b STEPS  before opening a zspage, use one with room in the next
 *	STEPS classes up, nearest first, at most -B BYTES larger;
 *   -g 1|2  a class's new zspage gets the least-waste chain of at most
 *	1 + (its live zspages) pages (1), or 2^(its live zspages) (2):
 *	classes holding little keep short zspages;
 *   building with -DZS_STEP_BITS=9 gives 1/512-page (8-byte) steps.
 * Compaction drains each class's emptiest zspage into its fullest ones,
 * from the largest class down.  The model keeps exact fill counts where
 * the kernel keeps deciles; pages used can differ from a real run by the
 * zspages that tie, and no more.
 *
 * Prints, after the fill and after discard + compaction: pages used,
 * density (zram's compr_data_size / mem_used_total) and where the memory
 * that is not payload goes (rounding up to the slot, the handle header,
 * free slots, the unused tail of each zspage), in % of memory used; and
 * how many bytes compaction copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/kernel.h>

#define PAGE_SIZE	4096UL
#define ZS_HANDLE_SIZE	8
#define INDEX_BITS	15	/* ZS_SLOT_INDEX_BITS on x86_64 */

#include "../../mm/zsmalloc_geometry.h"
#include "trace.h"

struct zspage {
	int inuse;
	int live;
	int pages, objs;	/* of this zspage: -g varies them in a class */
};

struct class {
	unsigned int size, pages, objs;
	bool huge;
	struct zspage *zs;
	int nr_zs, cap_zs;
	long objs_used;
	bool open;		/* -a: has zspages of its own */
	double debt;		/* -a: bytes its objects lost in others */
};

struct obj {
	int class, zspage;	/* class -1: not in zsmalloc */
	unsigned int len;	/* what zram counts in compr_data_size */
};

static struct class *classes;
static int nr_classes;
static unsigned int min_size, max_shared;
static int *step_class;
static int borrow_steps, grow_policy;
static double open_frac = 0.5;
/* mm/zsmalloc.c's defaults: borrow_steps 8, a class opens at half a zspage */
static unsigned int borrow_bytes = 8 * (PAGE_SIZE >> ZS_STEP_BITS);
static long pages_used;
static double moved;		/* bytes compaction copied */

static void build(unsigned int order)
{
	struct zs_geometry geo = { PAGE_SIZE, order, INDEX_BITS };
	unsigned int s, nr = geo_nr_steps(&geo);

	min_size = geo_min_size(&geo);
	step_class = calloc(nr, sizeof(*step_class));
	classes = calloc(nr, sizeof(*classes));
	for (s = 0; s < nr; s++) {
		step_class[s] = nr_classes;
		if (!geo_class_head(&geo, s))
			continue;
		struct class *c = &classes[nr_classes++];

		c->size = geo_step_size(&geo, min_size, s);
		c->pages = geo_chain(&geo, c->size);
		c->objs = c->pages * PAGE_SIZE / c->size;
		c->huge = c->objs == 1;
	}
	max_shared = geo_max_shared(&geo);
}

static int obj_class(unsigned int len)
{
	unsigned int slot = len + ZS_HANDLE_SIZE, step = 0;

	if (slot > max_shared)
		return nr_classes - 1;
	if (slot > min_size)
		step = DIV_ROUND_UP(slot - min_size, PAGE_SIZE >> ZS_STEP_BITS);
	return step_class[step];
}

/* The fullest live zspage of @c with room, or -1 */
static int fullest(struct class *c, int skip)
{
	int i, best = -1;

	for (i = 0; i < c->nr_zs; i++)
		if (c->zs[i].live && i != skip && c->zs[i].inuse < c->zs[i].objs &&
		    (best < 0 || c->zs[i].inuse > c->zs[best].inuse))
			best = i;
	return best;
}

static int emptiest(struct class *c)
{
	int i, best = -1;

	for (i = 0; i < c->nr_zs; i++)
		if (c->zs[i].live && c->zs[i].inuse < c->zs[i].objs &&
		    (best < 0 || c->zs[i].inuse < c->zs[best].inuse))
			best = i;
	return best;
}

static int new_zspage(struct class *c)
{
	int k = c->pages, live = 0, kmax, i;

	if (c->nr_zs == c->cap_zs) {
		c->cap_zs = c->cap_zs ? 2 * c->cap_zs : 16;
		c->zs = realloc(c->zs, c->cap_zs * sizeof(*c->zs));
	}
	if (grow_policy && !c->huge) {
		for (i = 0; i < c->nr_zs; i++)
			live += c->zs[i].live;
		kmax = grow_policy == 1 ? 1 + live : 1 << min(live, 16);
		if (kmax < k)
			k = zs_best_chain(c->size, kmax, PAGE_SIZE);
	}
	c->zs[c->nr_zs] = (struct zspage){ 0, 1, k, k * PAGE_SIZE / c->size };
	pages_used += k;
	return c->nr_zs++;
}

/* mm/zsmalloc.c's host_class(): the class that stores an object of @ci */
static int host_class(int ci)
{
	struct class *c = &classes[ci], *h;
	int j;

	if (open_frac < 0 || c->open || c->huge)
		return ci;
	for (j = ci + 1; j < nr_classes; j++) {
		h = &classes[j];
		if (h->huge || h->size - c->size > borrow_bytes)
			break;
		if (!h->open)
			continue;
		c->debt += h->size - c->size;
		c->open = c->debt >= open_frac * c->pages * PAGE_SIZE;
		return j;
	}
	c->open = true;
	return ci;
}

static void store(struct obj *o, unsigned int len)
{
	int ci = host_class(obj_class(len)), j, z;

	z = fullest(&classes[ci], -1);
	for (j = 1; z < 0 && j <= borrow_steps && ci + j < nr_classes; j++) {
		struct class *b = &classes[ci + j];

		if (b->huge || b->size - classes[ci].size > borrow_bytes)
			break;
		z = fullest(b, -1);
		if (z >= 0)
			ci += j;
	}
	if (z < 0)
		z = new_zspage(&classes[ci]);
	classes[ci].zs[z].inuse++;
	classes[ci].objs_used++;
	o->class = ci;
	o->zspage = z;
}

static void release(struct obj *o)
{
	struct class *c = &classes[o->class];
	struct zspage *zs = &c->zs[o->zspage];

	c->objs_used--;
	if (!--zs->inuse) {
		zs->live = 0;
		pages_used -= zs->pages;
	}
	o->class = -1;
}

/* Compaction: move objects (their records) from src to the fullest */
static void compact(struct obj *objs, long n)
{
	int ci, src, dst;
	long i;

	for (ci = nr_classes - 1; ci >= 0; ci--) {
		struct class *c = &classes[ci];

		if (c->huge)
			continue;
		for (;;) {
			long slots = 0;

			for (i = 0; i < c->nr_zs; i++)
				if (c->zs[i].live)
					slots += c->zs[i].objs;
			if (slots - c->objs_used < c->objs)
				break;
			src = emptiest(c);
			if (src < 0 || fullest(c, src) < 0)
				break;
			for (i = 0; i < n && c->zs[src].inuse; i++) {
				if (objs[i].class != ci || objs[i].zspage != src)
					continue;
				dst = fullest(c, src);
				if (dst < 0)
					break;
				c->zs[src].inuse--;
				c->zs[dst].inuse++;
				moved += c->size;
				objs[i].zspage = dst;
			}
			if (c->zs[src].inuse)
				break;
			c->zs[src].live = 0;
			pages_used -= c->zs[src].pages;
		}
	}
}

static void report(const char *phase, struct obj *objs, long n)
{
	double mem = pages_used * (double)PAGE_SIZE, compr = 0, round = 0;
	double hdr = 0, freeslots = 0, tail = 0;
	long i;
	int ci;

	for (i = 0; i < n; i++) {
		struct class *c;

		if (objs[i].class < 0)
			continue;
		c = &classes[objs[i].class];
		compr += objs[i].len;
		if (c->huge)
			continue;
		hdr += ZS_HANDLE_SIZE;
		round += c->size - ZS_HANDLE_SIZE - objs[i].len;
	}
	for (ci = 0; ci < nr_classes; ci++) {
		struct class *c = &classes[ci];
		long slots = 0;

		for (i = 0; i < c->nr_zs; i++)
			if (c->zs[i].live) {
				slots += c->zs[i].objs;
				tail += (double)c->zs[i].pages * PAGE_SIZE -
					c->zs[i].objs * c->size;
			}
		freeslots += (double)(slots - c->objs_used) * c->size;
	}
	printf("%-5s pages %7ld  density %.4f  waste %%: rounding %.2f header %.2f",
	       phase, pages_used, compr / mem, 100 * round / mem, 100 * hdr / mem);
	printf(" free_slots %.2f tail %.2f\n", 100 * freeslots / mem, 100 * tail / mem);
}

int main(int argc, char **argv)
{
	unsigned int order = 3, huge, *lens;
	struct obj *objs;
	long n, i;
	int opt, every_other = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "o:b:B:g:a:p")) != -1) {
		switch (opt) {
		case 'o':
			order = atoi(optarg);
			break;
		case 'b':
			borrow_steps = atoi(optarg);
			break;
		case 'B':
			borrow_bytes = atoi(optarg);
			break;
		case 'g':
			grow_policy = atoi(optarg);
			break;
		case 'a':
			open_frac = atof(optarg);
			break;
		case 'p':
			every_other = 1;
			break;
		default:
			fprintf(stderr,
				"usage: zsim [-o ORDER] [-b STEPS] [-B BYTES] [-g 1|2] [-a FRAC] [-p] TRACE|-\n");
			return 2;
		}
	}
	f = trace_open("zsim", argc, argv, optind);
	if (!f)
		return 2;
	build(order);
	huge = zram_huge_len(max_shared);
	lens = trace_load(f, &n);
	objs = calloc(n, sizeof(*objs));
	for (i = 0; i < n; i++) {
		objs[i].class = -1;
		if (lens[i]) {
			objs[i].len = lens[i] >= huge ? PAGE_SIZE : lens[i];
			store(&objs[i], objs[i].len);
		}
	}
	free(lens);
	printf("order %u, step %lu, %d classes, %ld pages of trace, ",
	       order, PAGE_SIZE >> ZS_STEP_BITS, nr_classes, n);
	printf("borrow %d steps / %u bytes, grow %d, open at %g\n",
	       borrow_steps, borrow_bytes, grow_policy, open_frac);
	report("fill", objs, n);
	for (i = 0; i < n; i++)
		if (discarded(i, every_other) && objs[i].class >= 0)
			release(&objs[i]);
	compact(objs, n);
	report(every_other ? "alt" : "half", objs, n);
	printf("compaction moved %.0f KiB\n", moved / 1024);
	free(objs);
	return 0;
}
