/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zsmalloc: an allocator for compressed pages
 *
 * zsmalloc stores many small, variably sized objects (compressed pages)
 * densely in "zspages": chains of 1 to 2^order discontiguous order-0
 * pages.  Callers never see a pointer: they hold an opaque handle, and map
 * it for a short atomic section to reach the data, or read and write it
 * with zs_obj_read_begin()/zs_obj_read_end() and zs_obj_write(), which
 * leave preemption alone.  See
 * Documentation/mm/zsmalloc.rst for the design and for how to read the
 * statistics.
 *
 * Boot/module parameter:
 *
 *   zsmalloc.zspage_order=N
 *	Longest zspage chain for pools created from now on, as an order:
 *	a zspage has at most 2^N pages.  N is 0..ZS_MAX_ZSPAGE_ORDER;
 *	out-of-range values are refused.  The default follows
 *	CONFIG_ZSMALLOC_CHAIN_SIZE (8 pages, order 3).
 *
 *   zsmalloc.deferred_batch=N
 *	Handles per per-CPU batch of zs_free_deferred() in pools created
 *	from now on, 0..4096; 0 makes zs_free_deferred() free at once.
 *	Each pool reserves two batches per possible CPU and, for a backlog,
 *	grows up to 1/64 of its own memory.  Default: a 4 KiB batch (509).
 *
 *   zsmalloc.zpool_deferred_free=Y|N
 *	Whether frees through the zpool driver (zswap) are deferred.
 *	Default N.
 */

#ifndef _ZS_MALLOC_H_
#define _ZS_MALLOC_H_

#include <linux/types.h>

/*
 * zsmalloc mapping modes
 *
 * These only change what happens to an object that straddles two pages,
 * which is copied through a per-CPU buffer: RO skips the copy back at
 * unmap, WO skips the copy in at map.  WO is for filling a freshly
 * allocated object; partial writes to stored data need RW.
 */
enum zs_mapmode {
	ZS_MM_RW, /* normal read-write mapping */
	ZS_MM_RO, /* read-only (no copy-out at unmap time) */
	ZS_MM_WO /* write-only (no copy-in at map time) */
};

/* Largest zspage order a pool can be created with: 16 pages per zspage */
#define ZS_MAX_ZSPAGE_ORDER	4

struct zs_pool_stats {
	/* How many pages were migrated (freed) */
	atomic_long_t pages_compacted;
};

struct zs_pool;

struct zs_pool *zs_create_pool(const char *name);
struct zs_pool *zs_create_pool_order(const char *name, unsigned int order);
void zs_destroy_pool(struct zs_pool *pool);
unsigned int zs_pool_order(struct zs_pool *pool);

unsigned long zs_malloc(struct zs_pool *pool, size_t size, gfp_t flags);
void zs_free(struct zs_pool *pool, unsigned long obj);
void zs_free_deferred(struct zs_pool *pool, unsigned long handle);
void zs_free_deferred_flush(struct zs_pool *pool);

size_t zs_huge_class_size(struct zs_pool *pool);

void *zs_map_object(struct zs_pool *pool, unsigned long handle,
			enum zs_mapmode mm);
void zs_unmap_object(struct zs_pool *pool, unsigned long handle);

/* Object access without an atomic section; mainline's API */
void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			size_t mem_len, void *local_copy);
void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     size_t mem_len, void *handle_mem);
void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  void *handle_mem, size_t mem_len);

unsigned long zs_get_total_pages(struct zs_pool *pool);
unsigned long zs_compact(struct zs_pool *pool);

unsigned int zs_lookup_class_index(struct zs_pool *pool, unsigned int size);

void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Introspection for the KUnit suite (lib/test_zsmalloc.c) only: these are
 * exported in the EXPORTED_FOR_KUNIT_TESTING namespace and are not an API.
 */
struct zs_class_geometry {
	unsigned int index;		/* column "class" of debugfs */
	unsigned int size;		/* slot size, header included */
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	bool huge;			/* one object per page, no header */
};

struct zs_obj_location {
	unsigned int class_id;		/* 0 .. zs_pool_nr_classes() - 1 */
	unsigned int obj_idx;		/* slot within its zspage */
	unsigned int page_idx;		/* page of the zspage the slot starts in */
	struct page *page;		/* that page */
};

unsigned int zs_slot_index_bits(void);
unsigned int zs_pool_min_alloc_size(struct zs_pool *pool);
unsigned int zs_pool_nr_classes(struct zs_pool *pool);
int zs_pool_class_geometry(struct zs_pool *pool, unsigned int class_id,
			   struct zs_class_geometry *geo);
int zs_size_to_class_id(struct zs_pool *pool, size_t size);
void zs_pool_set_borrow_steps(struct zs_pool *pool, unsigned int steps);
int zs_geometry_step(unsigned long page_size, unsigned int order,
		     unsigned int index_bits, unsigned int step,
		     unsigned int *size, unsigned int *pages);
unsigned int zs_chain_for_page_size(unsigned int size, unsigned int max_pages,
				    unsigned long page_size);
int zs_obj_location(struct zs_pool *pool, unsigned long handle,
		    struct zs_obj_location *loc);
struct zs_pool *zs_create_packed_pool(const char *name, unsigned int order);
struct zs_pool *zs_create_class_pool(const char *name, unsigned int order);
bool zs_pool_is_packed(struct zs_pool *pool);
unsigned long zs_class_objs_used(struct zs_pool *pool, unsigned int class_id);
unsigned long zs_class_zspages(struct zs_pool *pool, unsigned int class_id);
struct shrinker *zs_pool_shrinker(struct zs_pool *pool);
void zs_pool_flush_free(struct zs_pool *pool);
long zs_pool_counter_by_name(struct zs_pool *pool, const char *name);
void zs_pool_hold_deferred(struct zs_pool *pool, bool hold);
unsigned int zs_pool_deferred_batch(struct zs_pool *pool);
#endif

#endif
