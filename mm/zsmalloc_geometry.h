/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zsmalloc's pool geometry: which slot sizes exist and how many pages a
 * zspage of each has.  Pure functions of the page size, the largest
 * zspage order and the width of the obj's slot index, so that the same
 * code serves mm/zsmalloc.c, its KUnit suite (any page size, on whatever
 * the suite runs) and tools/zsim, which builds it in user space.
 */
#ifndef _MM_ZSMALLOC_GEOMETRY_H
#define _MM_ZSMALLOC_GEOMETRY_H

#include <linux/kernel.h>
#include <linux/math64.h>

#define ZS_MIN_ALLOC_SHIFT	5
#define ZS_MIN_ALLOC_FLOOR	BIT(ZS_MIN_ALLOC_SHIFT)	/* header + payload */
/* Slot sizes step by 1/2^ZS_STEP_BITS page (tools/zsim may try others) */
#ifndef ZS_STEP_BITS
#define ZS_STEP_BITS		8
#endif

/*
 * The geometry is computed for any page size and obj index width, so that
 * KUnit checks those of 16K and 64K pages and of narrow objs (32-bit LPAE:
 * 4 index bits) on whatever it runs on.
 *
 * Slot sizes run from the smallest slot in steps of 1/256 page, the last
 * one clamped to the page: min, min + step, ..., PAGE_SIZE.  The smallest
 * slot is ZS_MIN_ALLOC_FLOOR unless the obj has too few index bits for the
 * slots of even one page; a slot size's chain is then also capped so that
 * its zspage holds at most 2^index_bits slots.  Stock 6.12 instead raises
 * its smallest slot until its longest chain fits (2 KiB with 4 bits).
 */
struct zs_geometry {
	unsigned long page_size;
	unsigned int order;		/* zspages have <= 2^order pages */
	unsigned int index_bits;	/* width of the obj's slot index */
};

static inline unsigned int geo_step(const struct zs_geometry *geo)
{
	return geo->page_size >> ZS_STEP_BITS;
}

static inline unsigned int geo_min_size(const struct zs_geometry *geo)
{
	unsigned long min = max_t(unsigned long, ZS_MIN_ALLOC_FLOOR,
				  geo->page_size >> geo->index_bits);

	return round_up(min, sizeof(unsigned long));
}

static inline unsigned int geo_nr_steps(const struct zs_geometry *geo)
{
	return DIV_ROUND_UP(geo->page_size - geo_min_size(geo),
			    geo_step(geo)) + 1;
}

static inline unsigned int geo_step_size(const struct zs_geometry *geo,
					 unsigned int min, unsigned int step)
{
	return min_t(unsigned long, min + step * geo_step(geo),
		     geo->page_size);
}

/*
 * zs_best_chain - the chain length (1..max_pages) that wastes the smallest
 * fraction of itself for slots of @size; ties go to the shorter chain.
 */
static inline unsigned int zs_best_chain(unsigned int size,
					 unsigned int max_pages,
					 unsigned long page_size)
{
	u64 best_used = 0, best_span = 1;
	unsigned int k, best = 1;

	/* u64: with 64K pages the products overflow a 32-bit long */
	for (k = 1; k <= max_pages; k++) {
		unsigned long bytes = k * page_size;
		u64 span = bytes, used = bytes - bytes % size;

		if (used * best_span > best_used * span) {
			best = k;
			best_used = used;
			best_span = span;
		}
	}
	return best;
}

/*
 * The chain of slots of @size: least waste within the order, among the
 * chains of at most 2^index_bits slots, i.e. of k pages with
 * k * page_size < (2^index_bits + 1) * size.
 */
static inline unsigned int geo_chain(const struct zs_geometry *geo,
				     unsigned int size)
{
	u64 fit = div64_u64((((u64)1 << geo->index_bits) + 1) * size - 1,
			    geo->page_size);
	unsigned int max_pages = min_t(u64, 1U << geo->order, max(fit, 1ULL));

	return zs_best_chain(size, max_pages, geo->page_size);
}

/*
 * Does @step start a class?  It does unless the next larger step has the
 * same pages and objects per zspage: then the larger one serves both.
 */
static inline bool geo_class_head(const struct zs_geometry *geo,
				  unsigned int step)
{
	unsigned int min = geo_min_size(geo);
	unsigned int size = geo_step_size(geo, min, step);
	unsigned int next, k, kn;

	if (step == geo_nr_steps(geo) - 1)
		return true;
	next = geo_step_size(geo, min, step + 1);
	k = geo_chain(geo, size);
	kn = geo_chain(geo, next);
	return k != kn ||
	       k * geo->page_size / size != kn * geo->page_size / next;
}

#endif /* _MM_ZSMALLOC_GEOMETRY_H */
