// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zsmalloc: dense storage for compressed pages
 *
 * Overview
 * ========
 *
 * A pool serves objects of 1..PAGE_SIZE bytes.  Sizes are rounded up to a
 * "step" of PAGE_SIZE / 256 bytes (16 on 4K pages) starting at the pool's
 * minimum allocation size; every step maps to a size class.  A class owns
 * zspages: chains of 1..2^order discontiguous order-0 pages, treated as
 * one linear area cut into equal slots, so a slot may straddle two pages.
 * The chain length of each class is the one that wastes the smallest
 * fraction of the chain; steps whose (pages, objects) geometry is equal
 * share one class, the largest of them.  All of this is computed once,
 * at pool creation, from the pool's order: the number of classes, their
 * array and the step-to-class table are sized at run time.  Slots big
 * enough that only one fits a page form the "huge" class: one object per
 * page, with no header.
 *
 * Every other slot starts with a one-word header: for a stored object the
 * handle with ZS_SLOT_USED set, for a free slot the index of the next free
 * slot.  Slots past zspage->fresh were never used and need no header, so
 * a new zspage is not written to until it is used.
 *
 * That is a pool of size classes.  A packed pool (zsmalloc.packed, 64-bit
 * only; see "Packed pools" below) has none: its objects are records of
 * any length laid one after the other in zspages of 2^order pages, with
 * the same header, handles, mapping, migration and deferred free.
 *
 * Handles and objects
 * -------------------
 * A handle is the address of a word from the pool's handle cache.  That
 * word, the "obj", says where the object lives:
 *
 *	[ class id | PFN of the page the slot starts in | slot index ]
 *
 * The class id is there where the word has room (ZS_OBJ_CLASS_BITS: 64-bit
 * with MAX_PHYSMEM_BITS).  An object never changes class, so zs_free() and
 * zs_map_object() find and lock the class straight from the handle, with
 * no pool-wide lock.  Where the word is too narrow (32-bit, UML), a pool
 * rwlock (relocate_lock) is read-held to follow PFN -> zspage -> class,
 * and write-held by the two places that move objects: compaction and page
 * migration.
 *
 * Mapping
 * -------
 * zs_map_object() pins the object's zspage (zspage->mapped) so that
 * nothing moves it (compaction, migration, a packed pool's slide), then
 * returns a kmap_local address for an object inside one page, or a
 * per-CPU buffer for one that straddles two pages (copied in unless
 * ZS_MM_WO, copied back at unmap unless ZS_MM_RO).  Preemption stays off
 * until zs_unmap_object().  zs_obj_read_begin() and zs_obj_write() pin
 * the zspage the same way but use kmap_local_page() or the caller's
 * buffer and leave preemption on.  A pinned zspage is never waited for:
 * compaction and the slide pass it by, and migration of its pages fails
 * with -EAGAIN until it is unpinned.
 *
 * Compaction, migration and freeing
 * ---------------------------------
 * zspages sit on per-class lists by how full they are (deciles, as in the
 * debugfs table).  Allocation takes the fullest non-full zspage; zs_compact()
 * moves the objects of the emptiest zspage into the fullest ones and frees
 * the zspages it empties; a shrinker runs it under memory pressure.  Every
 * zspage page is movable: the VM may migrate it, and the handles of the
 * objects that start in it are rewritten.  An empty zspage is freed at
 * once when all its pages can be trylocked, else by a worker that waits
 * for the page locks (zs_destroy_pool() waits for that worker).
 *
 * Deferred free
 * -------------
 * zs_free_deferred() does not free: it appends the handle to a batch owned
 * by the current CPU, under a per-CPU lock that only a drain ever takes
 * from elsewhere, and returns.  A full batch is swapped for an empty one
 * and handed to the pool's worker, which sorts it by class (a counting
 * sort on the class id), takes each class lock once per run of handles,
 * frees the handle words with kmem_cache_free_bulk() and releases the
 * zspages it emptied outside every class lock.  Each pool keeps two
 * batches per possible CPU and grows more, within 1/64 of its own memory,
 * while a backlog lasts; when no batch can be had the call frees at once.
 * A batch that stops filling is collected by a delayed work item
 * armed when the batch receives its first handle, so pending frees drain
 * within ZS_DEFER_DELAY_MS (plus the worker's run) without any flush.
 * zs_free_deferred_flush() frees everything deferred before it; compaction,
 * the shrinker and zs_destroy_pool() flush first.  zs_malloc() about to
 * grow a class first frees this CPU's pending handles of that class, and
 * a CPU that goes offline has its batch handed to the worker.
 *
 * Locking
 * =======
 *
 *	page lock (held by the VM around isolate/migrate)
 *	  pool->relocate_lock	(32-bit only)
 *	    class->lock		slot state, fullness lists, zspage->pages[],
 *				page->private of zspage pages, handle words
 *	      zs_map_area.lock	(per-CPU; taken after class->lock is dropped)
 *	pool->free_lock		list of zspages waiting for the free worker;
 *				taken alone
 *
 *	zs_defer_cpu.lock	a CPU's batch being filled (per CPU)
 *	  pool->defer_lock	lists of empty and full batches
 *	  pool->relocate_lock	(32-bit only; zs_malloc's early drain)
 *	    class->lock
 *
 * A zspage's mapped count is raised under class->lock; compaction and
 * migration test it under class->lock and never wait for it to drop.
 */

#define pr_fmt(fmt) "zsmalloc: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/list_sort.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/string.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/local_lock.h>
#include <linux/jump_label.h>
#include <linux/cpuhotplug.h>
#include <linux/vmstat.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/migrate.h>
#include <linux/pagemap.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <linux/zpool.h>
#include <linux/zsmalloc.h>
#include <kunit/visibility.h>

#include "zsmalloc_geometry.h"

/* ------------------------------------------------------------------ */
/* Constants and the obj encoding                                      */
/* ------------------------------------------------------------------ */

#define ZS_HANDLE_SIZE		sizeof(unsigned long)
#define ZS_SLOT_USED		BIT(0)	/* header of a slot holding an object */
#define ZS_NO_SLOT		U16_MAX	/* end of a zspage's free list */
#define ZS_SIZE_STEP		(PAGE_SIZE >> ZS_STEP_BITS)
/* See host_class(): 8 steps, 128 bytes with 4K pages (tools/zsim -B) */
#define ZS_BORROW_STEPS_DEFAULT	8
#define ZS_BORROW_STEPS_MAX	32

#ifdef MAX_POSSIBLE_PHYSMEM_BITS
#define ZS_PFN_BITS		(MAX_POSSIBLE_PHYSMEM_BITS - PAGE_SHIFT)
#elif defined(MAX_PHYSMEM_BITS)
#define ZS_PFN_BITS		(MAX_PHYSMEM_BITS - PAGE_SHIFT)
#else
#define ZS_PFN_BITS		(BITS_PER_LONG - PAGE_SHIFT)
#endif

/*
 * The class id (at most 256 steps: 8 bits) goes into the obj where that
 * still leaves enough index bits for the smallest slots of the longest
 * chain.  A 32-bit word never has room; neither has a 64-bit one without
 * MAX_PHYSMEM_BITS (UML: 52 PFN bits).  Those pools find the class
 * through the relocate_lock instead.
 */
#define ZS_FULL_INDEX_BITS	(PAGE_SHIFT + ZS_MAX_ZSPAGE_ORDER - \
				 ZS_MIN_ALLOC_SHIFT)
#if BITS_PER_LONG == 64 && \
	BITS_PER_LONG - ZS_PFN_BITS - ZS_STEP_BITS >= ZS_FULL_INDEX_BITS
#define ZS_OBJ_CLASS_BITS	ZS_STEP_BITS
#else
#define ZS_OBJ_CLASS_BITS	0
#endif

#define ZS_OBJ_INDEX_BITS	(BITS_PER_LONG - ZS_OBJ_CLASS_BITS - ZS_PFN_BITS)
#define ZS_OBJ_INDEX_MASK	((1UL << ZS_OBJ_INDEX_BITS) - 1)
/* slot indices used: a zspage's slot counts are u16 (ZS_NO_SLOT ends) */
#define ZS_SLOT_INDEX_BITS	MIN(ZS_OBJ_INDEX_BITS, 15)
#define ZS_OBJ_PFN_MASK		((1UL << ZS_PFN_BITS) - 1)

/*
 * The obj of a packed pool (see "Packed pools") says where a record of
 * variable length is, and how long its payload is, in 8-byte units:
 *
 *	[ bin | PFN of the page the record starts in | offset / 8 | len / 8 - 1 ]
 *
 * The bin (lock domain) is there too, so free and map lock it straight
 * from the handle.  Only a 64-bit word with MAX_PHYSMEM_BITS has room for
 * it all (x86_64: 6 bits to spare, arm64 with 64K pages: 2); elsewhere
 * pools use size classes whatever zsmalloc.packed says.
 */
#define ZS_PK_OFF_BITS		(PAGE_SHIFT - 3)
#define ZS_PK_LEN_BITS		(PAGE_SHIFT - 3)
#define ZS_PK_SPARE_BITS	(BITS_PER_LONG - ZS_PFN_BITS - ZS_PK_OFF_BITS - \
				 ZS_PK_LEN_BITS)
#if BITS_PER_LONG == 64 && ZS_PK_SPARE_BITS >= 1
#define ZS_PK_BIN_BITS		(ZS_PK_SPARE_BITS > 3 ? 3 : ZS_PK_SPARE_BITS)
#else
#define ZS_PK_BIN_BITS		0
#endif
#define ZS_PK_MAX_BINS		BIT(ZS_PK_BIN_BITS)
/* Free tails are listed in 64 steps of PAGE_SIZE / 64, and one of more */
#define ZS_PK_NR_TAILS		65
#define ZS_PK_TAIL_UNIT		(PAGE_SIZE / 64)
/* zspage->group of a packed zspage not on a tail list */
#define ZS_PK_HUGE		(ZS_PK_NR_TAILS)
#define ZS_PK_SOURCE		(ZS_PK_NR_TAILS + 1)
#define ZS_PK_HOLEY		(ZS_PK_NR_TAILS + 2)

/*
 * With CONFIG_DEBUG_VM, the word of a free handle holds this: no obj has
 * all bits set (no pool has 256 classes, no PFN is all ones).
 */
#define ZS_HANDLE_FREED		(~0UL)

/* Fullness groups: the columns of the debugfs class table */
enum zs_group {
	ZS_GROUP_EMPTY,			/* being freed, on no list */
	ZS_GROUP_10,			/* 1 .. 9 % of slots used */
	ZS_GROUP_99 = 10,		/* 90 .. 99 % */
	ZS_GROUP_FULL,
	ZS_NR_GROUPS,
};

/* ------------------------------------------------------------------ */
/* Data structures                                                     */
/* ------------------------------------------------------------------ */

/*
 * struct size_class - all zspages of one slot size
 *
 * Geometry fields are set at pool creation and never change.  Everything
 * below @lock is protected by it.
 */
struct size_class {
	struct zs_pool *pool;
	unsigned int id;		/* position in pool->classes */
	unsigned int index;		/* largest step served ("class" column) */
	unsigned int size;		/* slot size, header included */
	unsigned int pages_per_zspage;
	unsigned int objs_per_zspage;
	bool huge;

	bool open;			/* has zspages of its own (see host_class()) */
	atomic_long_t lent;		/* closed: bytes its objects lost elsewhere */

	spinlock_t lock;		/* protects all below */
	struct list_head groups[ZS_NR_GROUPS];
	unsigned long nr_in_group[ZS_NR_GROUPS];
	unsigned long nr_zspages;
	unsigned long objs_used;
} ____cacheline_aligned_in_smp;

/*
 * struct zs_bin - the zspages of a packed pool filled from some CPUs
 *
 * A packed pool stores records of any length, one after the other, in
 * zspages of 2^order pages; each CPU allocates from its bin (CPU modulo
 * the number of bins), a free locks the bin named by the obj.  A zspage
 * is on the list of its free tail's size (ZS_PK_TAIL_UNIT steps, the
 * last for tails of a page or more), on @holey once its holes are more
 * than its tail and an eighth of its records' span (pk_relist()), on
 * @huge (one object of a page), or on @sources while compaction empties
 * it.  Everything below @lock is protected by it.
 */
struct zs_bin {
	struct zs_pool *pool;
	unsigned int id;

	spinlock_t lock;		/* protects all below */
	DECLARE_BITMAP(tailed, ZS_PK_NR_TAILS);	/* non-empty tail lists */
	struct list_head tails[ZS_PK_NR_TAILS];
	struct list_head huge;
	struct list_head sources;
	struct list_head holey;
	unsigned long nr_zspages;	/* packed zspages, huge ones apart */
	unsigned long nr_huge;
	unsigned long objs;		/* objects stored, huge ones too */
	unsigned long used;		/* bytes below the tops of zspages */
	unsigned long live;		/* bytes of the records stored there */
} ____cacheline_aligned_in_smp;

/*
 * struct zspage - one chain of pages of a class or of a bin
 *
 * Slot state (@inuse, @fresh, @freelist, @group), record state (@top,
 * @live, @group), @pages and @list are protected by the class or bin
 * lock.  @mapped counts live mappings of objects in this zspage: while it
 * is non-zero no object here moves.
 */
struct zspage {
	struct list_head list;
	struct size_class *class;	/* NULL in a packed pool */
	struct zs_bin *bin;		/* NULL in a pool of classes */
	u16 inuse;
	u16 fresh;			/* slots >= fresh never held an object */
	u16 freelist;			/* first recycled slot, or ZS_NO_SLOT */
	u8 group;			/* fullness group, or packed: tail list */
	u8 nr_pages;
	bool dying;			/* empty, unlinked, pages being freed */
	bool huge;			/* packed: one object of a page, no header */
	atomic_t mapped;
	unsigned int top;		/* packed: records end here, tail is free */
	unsigned int live;		/* packed: bytes of records stored */
	unsigned long huge_handle;	/* the single object's handle, if huge */
	struct page *pages[];
};

/*
 * struct zs_pool_events - what happened to a pool (debugfs "stats")
 * @borrowed: objects stored in a larger class while theirs was closed
 * @zspages_slid: packed pool: zspages whose records an allocation slid
 *	down over their holes
 * @pages_migrated: zspage pages moved by the VM's page migration
 * @migrations_refused: migrations refused (-EAGAIN): the zspage was mapped
 *	or being freed
 * @zspages_freed_async: empty zspages handed to the free worker because a
 *	page lock was held
 * @double_frees: zs_free() of a handle already freed (CONFIG_DEBUG_VM)
 * @deferred_batches: batches of deferred frees freed by the worker
 * @deferred_drained: handles the worker freed
 * @deferred_early: pending handles zs_malloc() freed before growing a class
 * @deferred_timer_drains: runs of the delay timer that found a partly
 *	filled batch to collect
 * @deferred_cpu_drains: batches handed to the worker by a CPU going offline
 * @deferred_grown: batches allocated beyond the reserve for a backlog
 */
struct zs_pool_events {
	atomic_long_t borrowed;
	atomic_long_t zspages_slid;
	atomic_long_t pages_migrated;
	atomic_long_t migrations_refused;
	atomic_long_t zspages_freed_async;
	atomic_long_t double_frees;
	atomic_long_t deferred_batches;
	atomic_long_t deferred_drained;
	atomic_long_t deferred_early;
	atomic_long_t deferred_timer_drains;
	atomic_long_t deferred_cpu_drains;
	atomic_long_t deferred_grown;
};

/*
 * struct zs_defer_batch - handles waiting to be freed
 *
 * Owned by one CPU while it fills it (zs_defer_cpu.cur), then by the lists
 * under pool->defer_lock, then by the worker.
 */
struct zs_defer_batch {
	struct list_head list;
	unsigned int nr;
	unsigned long handles[];
};

/* struct zs_defer_cpu - a CPU's side of deferred free (one per pool) */
struct zs_defer_cpu {
	spinlock_t lock;		/* this CPU, or a drain: protects all below */
	struct zs_defer_batch *cur;	/* batch being filled, or NULL */
	unsigned long deferred;		/* handles deferred on this CPU */
	unsigned long sync;		/* frees done at once: no empty batch */
};

/*
 * struct zs_pool - a pool of size classes
 *
 * The geometry (first block) is computed at creation and read-only after.
 */
struct zs_pool {
	const char *name;		/* debugfs directory, shrinker name */
	unsigned int order;		/* zspages have <= 2^order pages */
	unsigned int min_size;		/* smallest slot, header included */
	unsigned int nr_steps;		/* size steps, min_size .. PAGE_SIZE */
	unsigned int nr_classes;	/* after merging equal geometries */
	unsigned int max_shared_size;	/* largest slot sharing its pages */
	unsigned int borrow_steps;	/* closed classes borrow this far up */
	u8 *step_class;			/* step -> index in classes[] */
	struct size_class *classes;	/* nr_classes, ascending size */
	unsigned int nr_bins;		/* packed pool: bins; else 0 */
	struct zs_bin *bins;		/* packed pool: objects live here */
	bool class_key;			/* counted in zs_class_pools */

	atomic_long_t pages_allocated;	/* zspage pages, not yet released */
	struct zs_pool_stats stats;
	struct zs_pool_events events;
	atomic_t compacting;		/* one zs_compact() at a time */
	struct shrinker *shrinker;

	spinlock_t free_lock;		/* protects free_list */
	struct list_head free_list;	/* empty zspages for free_work */
	struct work_struct free_work;
#if ZS_OBJ_CLASS_BITS == 0
	rwlock_t relocate_lock;		/* see "Handles and objects" */
#endif

	/* Deferred free: all zero when the pool has it off */
	unsigned int defer_batch;	/* handles per batch */
	struct zs_defer_cpu __percpu *defer_cpu;
	unsigned int defer_reserve;	/* batches kept: two per possible CPU */
	spinlock_t defer_lock;		/* protects the lists and counts below */
	unsigned int defer_nr_batches;	/* allocated, reserve included */
	struct list_head defer_empty;
	struct list_head defer_full;	/* for the worker, oldest first */
	unsigned long defer_queued;	/* handles in full or worked batches */
	struct work_struct defer_work;
	struct delayed_work defer_timer;
	struct hlist_node defer_cpuhp;
	unsigned long *defer_sorted;	/* worker only: a batch, by class */
	unsigned int *defer_pos;	/* worker only: nr_classes + 1 */
	bool defer_held;		/* KUnit: the worker leaves batches be */
#ifdef CONFIG_ZSMALLOC_STAT
	struct dentry *stat_dentry;
#endif
};

/*
 * The caller's bytes of a slot or record (after its header, if any): they
 * start at byte @poff of page @pidx of the zspage; @first of their @len
 * bytes are in that page and the rest, if any, at the start of the next
 * one.  A slot or record size is a multiple of the word, so its header
 * never crosses a page.
 */
struct payload {
	unsigned int pidx, poff, first, len;
};

/* Per-CPU state of the one object a CPU may have mapped */
struct zs_map_area {
	local_lock_t lock;
	char *buf;			/* PAGE_SIZE bounce buffer */
	void *kaddr;			/* kmap_local address, or NULL */
	enum zs_mapmode mode;
	struct zspage *zspage;		/* the mapped object's, pinned */
};

static DEFINE_PER_CPU(struct zs_map_area, zs_map_area) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

static const struct movable_operations zs_mops;
static bool defer_free_early(struct zs_pool *pool, struct size_class *class);
static void defer_flush(struct zs_pool *pool);

/* Handle words of all pools: one word each, so one cache serves them all */
static struct kmem_cache *zs_handle_cache;

/* ------------------------------------------------------------------ */
/* Pool geometry                                                       */
/* ------------------------------------------------------------------ */

/*
 * Set the unsigned int parameter behind @kp from @val if it is 0..@max;
 * anything else is refused with a message and leaves it as it was.
 */
static int zs_param_set_max(const char *val, const struct kernel_param *kp,
			    unsigned int max)
{
	unsigned int *param = kp->arg, v;

	if (kstrtouint(val, 0, &v) || v > max) {
		pr_err("%s=%s refused: must be 0..%u, keeping %u\n",
		       kp->name, val, max, *param);
		return -EINVAL;
	}
	WRITE_ONCE(*param, v);
	return 0;
}

static void pool_geometry(struct zs_pool *pool, struct zs_geometry *geo)
{
	geo->page_size = PAGE_SIZE;
	geo->order = pool->order;
	geo->index_bits = ZS_SLOT_INDEX_BITS;
}

static unsigned int step_size(struct zs_pool *pool, unsigned int step)
{
	struct zs_geometry geo;

	pool_geometry(pool, &geo);
	return geo_step_size(&geo, pool->min_size, step);
}

/*
 * Start @class closed if @pool's classes borrow (host_class()); a huge
 * class is always open: nothing larger may take its objects.
 */
static void class_start(struct zs_pool *pool, struct size_class *class)
{
	class->open = class->huge || !pool->borrow_steps;
	atomic_long_set(&class->lent, 0);
}

static void init_class(struct zs_pool *pool, struct size_class *class,
		       unsigned int id, unsigned int step, unsigned int pages)
{
	int g;

	class->pool = pool;
	class->id = id;
	class->index = step;
	class->size = step_size(pool, step);
	class->pages_per_zspage = pages;
	class->objs_per_zspage = pages * PAGE_SIZE / class->size;
	class->huge = class->objs_per_zspage == 1;
	class_start(pool, class);
	spin_lock_init(&class->lock);
	for (g = 0; g < ZS_NR_GROUPS; g++)
		INIT_LIST_HEAD(&class->groups[g]);
}

/* Build the class table of @pool for its order. */
static int zs_build_classes(struct zs_pool *pool)
{
	struct zs_geometry geo;
	unsigned int step, id, nr = 0;

	pool_geometry(pool, &geo);
	pool->min_size = geo_min_size(&geo);
	pool->nr_steps = geo_nr_steps(&geo);

	for (step = 0; step < pool->nr_steps; step++)
		nr += geo_class_head(&geo, step);
	pool->step_class = kmalloc_array(pool->nr_steps, sizeof(u8), GFP_KERNEL);
	pool->classes = kvcalloc(nr, sizeof(*pool->classes), GFP_KERNEL);
	if (!pool->step_class || !pool->classes)
		return -ENOMEM;
	pool->nr_classes = nr;

	id = 0;
	for (step = 0; step < pool->nr_steps; step++) {
		pool->step_class[step] = id;
		if (!geo_class_head(&geo, step))
			continue;
		init_class(pool, &pool->classes[id], id, step,
			   geo_chain(&geo, step_size(pool, step)));
		if (!pool->classes[id].huge)
			pool->max_shared_size = pool->classes[id].size;
		id++;
	}
	return 0;
}

/* The class for a slot of @size bytes (header included, <= PAGE_SIZE) */
static struct size_class *slot_class(struct zs_pool *pool, unsigned int size)
{
	unsigned int step = 0;

	if (size > pool->min_size)
		step = DIV_ROUND_UP(size - pool->min_size, ZS_SIZE_STEP);
	return &pool->classes[pool->step_class[step]];
}

/* The class that stores a caller's object of @size bytes */
static struct size_class *obj_class(struct zs_pool *pool, size_t size)
{
	if (size + ZS_HANDLE_SIZE > pool->max_shared_size)
		return &pool->classes[pool->nr_classes - 1];
	return slot_class(pool, size + ZS_HANDLE_SIZE);
}

/*
 * Closed classes.  Each class that holds objects keeps one zspage partly
 * used, about half a zspage of free slots: on a pool of tens of MiB with
 * a hundred classes that is the largest waste there is (tools/zsim).  So
 * a class starts closed: its objects take the slot of the nearest open
 * class at most pool->borrow_steps steps larger, and the class opens
 * (gets zspages of its own) once the bytes they lose that way reach half
 * of one of its zspages, or at once if no open class is that near.  A
 * class never closes again.  An object is where its zspage's class says:
 * free, compaction and migration do not care which class it was for.
 */
static struct size_class *host_class(struct zs_pool *pool,
				     struct size_class *class)
{
	struct size_class *host;
	unsigned int limit;
	long lent;

	/* races only open a class a little early or late */
	if (likely(READ_ONCE(class->open)))
		return class;
	limit = class->size + pool->borrow_steps * ZS_SIZE_STEP;
	for (host = class + 1; host < pool->classes + pool->nr_classes; host++) {
		if (host->huge || host->size > limit)
			break;
		if (!READ_ONCE(host->open))
			continue;
		lent = atomic_long_add_return(host->size - class->size,
					      &class->lent);
		if (lent >= class->pages_per_zspage * PAGE_SIZE / 2)
			WRITE_ONCE(class->open, true);
		atomic_long_inc(&pool->events.borrowed);
		return host;
	}
	WRITE_ONCE(class->open, true);
	return class;
}

/* ------------------------------------------------------------------ */
/* Objects, handles and slots                                          */
/* ------------------------------------------------------------------ */

static unsigned long handle_to_obj(unsigned long handle)
{
	return READ_ONCE(*(unsigned long *)handle);
}

static void set_handle_obj(unsigned long handle, unsigned long obj)
{
	WRITE_ONCE(*(unsigned long *)handle, obj);
}

static unsigned long alloc_handle(gfp_t gfp)
{
	return (unsigned long)kmem_cache_alloc(zs_handle_cache, gfp);
}

/* With CONFIG_DEBUG_VM, a freed handle's word says so (handle_is_freed()) */
static void mark_handle_freed(unsigned long handle)
{
	if (IS_ENABLED(CONFIG_DEBUG_VM))
		set_handle_obj(handle, ZS_HANDLE_FREED);
}

static void free_handle(unsigned long handle)
{
	mark_handle_freed(handle);
	kmem_cache_free(zs_handle_cache, (void *)handle);
}

/*
 * With CONFIG_DEBUG_VM, catch a zs_free() of a handle that was freed and
 * not handed out again.  The handle cache then has a constructor, so
 * neither SLUB nor KASAN keeps metadata in a free handle and its word
 * still reads ZS_HANDLE_FREED.  The read skips KASAN's check: this is the
 * report, with a defined outcome (the pool is left alone).
 */
static bool handle_is_freed(struct zs_pool *pool, unsigned long handle,
			    unsigned long caller)
{
	if (!IS_ENABLED(CONFIG_DEBUG_VM) ||
	    READ_ONCE_NOCHECK(*(unsigned long *)handle) != ZS_HANDLE_FREED)
		return false;
	atomic_long_inc(&pool->events.double_frees);
	pr_err_ratelimited("pool %s: double free of handle %p by %pS\n",
			   pool->name, (void *)handle, (void *)caller);
	return true;
}

static void zs_handle_ctor(void *handle)
{
	set_handle_obj((unsigned long)handle, ZS_HANDLE_FREED);
}

static unsigned long slot_to_obj(struct size_class *class, struct page *page,
				 unsigned int idx)
{
	unsigned long obj = (page_to_pfn(page) << ZS_OBJ_INDEX_BITS) | idx;

#if ZS_OBJ_CLASS_BITS
	obj |= (unsigned long)class->id << (BITS_PER_LONG - ZS_OBJ_CLASS_BITS);
#endif
	return obj;
}

static struct zspage *obj_to_zspage(unsigned long obj)
{
	struct page *page = pfn_to_page((obj >> ZS_OBJ_INDEX_BITS) &
					ZS_OBJ_PFN_MASK);

	return (struct zspage *)page_private(page);
}

static unsigned int obj_to_idx(unsigned long obj)
{
	return obj & ZS_OBJ_INDEX_MASK;
}

/* Byte offset of slot @idx from the start of its zspage */
static unsigned long slot_offset(struct size_class *class, unsigned int idx)
{
	return (unsigned long)idx * class->size;
}

/* The @len bytes at byte @off of a zspage */
static __always_inline struct payload payload_at(unsigned long off,
						 unsigned int len)
{
	struct payload p = {
		.pidx = off >> PAGE_SHIFT,
		.poff = offset_in_page(off),
		.len = len,
	};

	p.first = min_t(unsigned int, p.len, PAGE_SIZE - p.poff);
	return p;
}

/*
 * How many of the first @len bytes of @p lie in its second page.  No
 * object is over a page, so that is at most PAGE_SIZE - p->first; saying
 * so lets the compiler copy them inline (rep movsq) instead of calling
 * memcpy(), which under -icount costs a straddling object's read 3 times
 * as many instructions per byte.
 */
static __always_inline size_t payload_rest(const struct payload *p,
					   size_t len)
{
	return min_t(size_t, len - p->first, PAGE_SIZE - p->first);
}

/* Where the caller's bytes of slot @idx start (*@off); how many there are */
static __always_inline unsigned int slot_span(struct size_class *class,
					      unsigned int idx,
					      unsigned long *off)
{
	unsigned int hdr = class->huge ? 0 : ZS_HANDLE_SIZE;

	*off = slot_offset(class, idx) + hdr;
	return class->size - hdr;
}

static struct page *slot_page(struct size_class *class, struct zspage *zspage,
			      unsigned int idx)
{
	return zspage->pages[slot_offset(class, idx) >> PAGE_SHIFT];
}

/* First slot that starts in page @pidx of a zspage */
static unsigned int first_slot_in_page(struct size_class *class,
				       unsigned int pidx)
{
	return DIV_ROUND_UP(pidx * PAGE_SIZE, class->size);
}

/* The word at byte @off of @zspage: word aligned, so inside one page */
static unsigned long zspage_read_word(struct zspage *zspage, unsigned long off)
{
	void *addr = kmap_local_page(zspage->pages[off >> PAGE_SHIFT]);
	unsigned long val = *(unsigned long *)(addr + offset_in_page(off));

	kunmap_local(addr);
	return val;
}

static void zspage_write_word(struct zspage *zspage, unsigned long off,
			      unsigned long val)
{
	void *addr = kmap_local_page(zspage->pages[off >> PAGE_SHIFT]);

	*(unsigned long *)(addr + offset_in_page(off)) = val;
	kunmap_local(addr);
}

/*
 * Copy @len bytes between two zspages, page piece by page piece.  @dst may
 * be @src with @doff below @soff: the pieces go in ascending order, with
 * memmove() then, so bytes slide down within a zspage too.
 */
static void zspage_copy(struct zspage *dst, unsigned long doff,
			struct zspage *src, unsigned long soff,
			unsigned int len)
{
	while (len) {
		unsigned int n = min3(len,
				      (unsigned int)(PAGE_SIZE - offset_in_page(doff)),
				      (unsigned int)(PAGE_SIZE - offset_in_page(soff)));
		void *s = kmap_local_page(src->pages[soff >> PAGE_SHIFT]);
		void *d = kmap_local_page(dst->pages[doff >> PAGE_SHIFT]);

		if (dst == src)
			memmove(d + offset_in_page(doff),
				s + offset_in_page(soff), n);
		else
			memcpy(d + offset_in_page(doff),
			       s + offset_in_page(soff), n);
		kunmap_local(d);
		kunmap_local(s);
		doff += n;
		soff += n;
		len -= n;
	}
}

/* Slot headers are word aligned and so never straddle a page. */
static unsigned long read_slot_header(struct size_class *class,
				      struct zspage *zspage, unsigned int idx)
{
	return zspage_read_word(zspage, slot_offset(class, idx));
}

static void write_slot_header(struct size_class *class, struct zspage *zspage,
			      unsigned int idx, unsigned long val)
{
	zspage_write_word(zspage, slot_offset(class, idx), val);
}

/* Handle of the object in slot @idx, or 0 if the slot is free */
static unsigned long slot_handle(struct size_class *class,
				 struct zspage *zspage, unsigned int idx)
{
	unsigned long header;

	if (class->huge)
		return zspage->huge_handle;
	if (idx >= zspage->fresh)
		return 0;
	header = read_slot_header(class, zspage, idx);
	return header & ZS_SLOT_USED ? header & ~ZS_SLOT_USED : 0;
}

/* Take a free slot of @zspage for @handle.  Called with class->lock. */
static unsigned int zspage_take_slot(struct size_class *class,
				     struct zspage *zspage, unsigned long handle)
{
	unsigned int idx;

	if (zspage->freelist != ZS_NO_SLOT) {
		idx = zspage->freelist;
		zspage->freelist = read_slot_header(class, zspage, idx) >> 1;
	} else {
		idx = zspage->fresh++;
	}
	zspage->inuse++;
	if (class->huge)
		zspage->huge_handle = handle;
	else
		write_slot_header(class, zspage, idx, handle | ZS_SLOT_USED);
	return idx;
}

/* Give slot @idx of @zspage back.  Called with class->lock. */
static void zspage_put_slot(struct size_class *class, struct zspage *zspage,
			    unsigned int idx)
{
	if (class->huge) {
		zspage->huge_handle = 0;
		zspage->fresh = 0;
	} else {
		write_slot_header(class, zspage, idx,
				  (unsigned long)zspage->freelist << 1);
		zspage->freelist = idx;
	}
	zspage->inuse--;
}

/* Copy an object's slot, header included, between two zspages of one class */
static void copy_slot(struct size_class *class, struct zspage *dst,
		      unsigned int didx, struct zspage *src, unsigned int sidx)
{
	zspage_copy(dst, slot_offset(class, didx), src, slot_offset(class, sidx),
		    class->size);
}

/* ------------------------------------------------------------------ */
/* Finding an object's class                                           */
/* ------------------------------------------------------------------ */

static struct size_class *zspage_class(struct zspage *zspage)
{
	return zspage->class;
}

#if ZS_OBJ_CLASS_BITS
/* The class of @handle: the obj names it, and an object never changes class */
static struct size_class *handle_class(struct zs_pool *pool,
				       unsigned long handle)
{
	return &pool->classes[handle_to_obj(handle) >>
			      (BITS_PER_LONG - ZS_OBJ_CLASS_BITS)];
}

static void relocate_read_lock(struct zs_pool *pool) { }
static void relocate_read_unlock(struct zs_pool *pool) { }
static void relocate_lock(struct zs_pool *pool) { }
static void relocate_unlock(struct zs_pool *pool) { }
#else
/*
 * The class of @handle, following its page; called with the relocate lock
 * read-held, so that the page is the object's.
 */
static struct size_class *handle_class(struct zs_pool *pool,
				       unsigned long handle)
{
	return zspage_class(obj_to_zspage(handle_to_obj(handle)));
}

static void relocate_read_lock(struct zs_pool *pool)
	__acquires(&pool->relocate_lock)
{
	read_lock(&pool->relocate_lock);
}

static void relocate_read_unlock(struct zs_pool *pool)
	__releases(&pool->relocate_lock)
{
	read_unlock(&pool->relocate_lock);
}

static void relocate_lock(struct zs_pool *pool)
	__acquires(&pool->relocate_lock)
{
	write_lock(&pool->relocate_lock);
}

static void relocate_unlock(struct zs_pool *pool)
	__releases(&pool->relocate_lock)
{
	write_unlock(&pool->relocate_lock);
}
#endif

/* Lock and return the class of @handle */
static struct size_class *lock_handle_class(struct zs_pool *pool,
					    unsigned long handle)
	__acquires(class_lock)
{
	struct size_class *class;

	relocate_read_lock(pool);
	class = handle_class(pool, handle);
	spin_lock(&class->lock);
	relocate_read_unlock(pool);
	return class;
}

/* ------------------------------------------------------------------ */
/* Fullness groups                                                     */
/* ------------------------------------------------------------------ */

static enum zs_group zspage_group(struct size_class *class,
				  struct zspage *zspage)
{
	if (!zspage->inuse)
		return ZS_GROUP_EMPTY;
	if (zspage->inuse == class->objs_per_zspage)
		return ZS_GROUP_FULL;
	return ZS_GROUP_10 + zspage->inuse * 10 / class->objs_per_zspage;
}

/* Put @zspage on the list its fill level says.  Called with class->lock. */
static void zspage_regroup(struct size_class *class, struct zspage *zspage)
{
	enum zs_group group = zspage_group(class, zspage);

	if (group == zspage->group)
		return;
	class->nr_in_group[zspage->group]--;
	class->nr_in_group[group]++;
	zspage->group = group;
	list_move(&zspage->list, &class->groups[group]);
}

/* The fullest zspage with a free slot, other than @skip */
static struct zspage *fullest_zspage(struct size_class *class,
				     struct zspage *skip)
{
	struct zspage *zspage;
	int g;

	for (g = ZS_GROUP_99; g >= ZS_GROUP_10; g--)
		list_for_each_entry(zspage, &class->groups[g], list)
			if (zspage != skip)
				return zspage;
	return NULL;
}

/* The emptiest zspage whose objects may move (none mapped) */
static struct zspage *emptiest_movable_zspage(struct size_class *class)
{
	struct zspage *zspage;
	int g;

	for (g = ZS_GROUP_10; g <= ZS_GROUP_99; g++)
		list_for_each_entry(zspage, &class->groups[g], list)
			/* pairs with the release in zs_unmap_object() */
			if (!atomic_read_acquire(&zspage->mapped))
				return zspage;
	return NULL;
}

/* Pages that compaction could give back in @class (racy read) */
static unsigned long class_freeable_pages(struct size_class *class)
{
	unsigned long slots = READ_ONCE(class->nr_zspages) * class->objs_per_zspage;
	unsigned long used = READ_ONCE(class->objs_used);

	if (class->huge || used >= slots)
		return 0;
	return (slots - used) / class->objs_per_zspage * class->pages_per_zspage;
}

/* ------------------------------------------------------------------ */
/* zspage life cycle                                                   */
/* ------------------------------------------------------------------ */

/* @page becomes page @pidx of @zspage: page->index says which */
static void zspage_page_init(struct zspage *zspage, struct page *page,
			     unsigned int pidx)
{
	__SetPageZsmalloc(page);
	set_page_private(page, (unsigned long)zspage);
	page->index = pidx;
	inc_zone_page_state(page, NR_ZSPAGES);
}

static void zspage_page_make_movable(struct page *page)
{
	/*
	 * A fresh page is locked only by the VM, and only once movable; if
	 * not, the page stays unmovable, which offlining must hear about.
	 */
	if (WARN_ON_ONCE(!trylock_page(page)))
		return;
	__SetPageMovable(page, &zs_mops);
	unlock_page(page);
}

/* Undo zspage_page_init() and drop our reference.  Page is locked. */
static void zspage_page_release(struct page *page)
{
	dec_zone_page_state(page, NR_ZSPAGES);
	if (PageMovable(page))
		__ClearPageMovable(page);
	set_page_private(page, 0);
	page->index = 0;
	__ClearPageZsmalloc(page);
	unlock_page(page);
	put_page(page);
}

/* A zspage of @nr pages, on no list, of no class or bin yet */
static struct zspage *alloc_zspage(struct zs_pool *pool, unsigned int nr,
				   gfp_t gfp)
{
	struct zspage *zspage;
	unsigned int i;

	zspage = kzalloc(struct_size(zspage, pages, nr),
			 gfp & ~(__GFP_HIGHMEM | __GFP_MOVABLE));
	if (!zspage)
		return NULL;

	for (i = 0; i < nr; i++) {
		zspage->pages[i] = alloc_page(gfp);
		if (!zspage->pages[i])
			goto fail;
	}

	zspage->nr_pages = nr;
	zspage->freelist = ZS_NO_SLOT;
	zspage->group = ZS_GROUP_EMPTY;
	INIT_LIST_HEAD(&zspage->list);
	for (i = 0; i < nr; i++)
		zspage_page_init(zspage, zspage->pages[i], i);
	for (i = 0; i < nr; i++)
		zspage_page_make_movable(zspage->pages[i]);
	atomic_long_add(nr, &pool->pages_allocated);
	return zspage;

fail:
	while (i--)
		__free_page(zspage->pages[i]);
	kfree(zspage);
	return NULL;
}

/* Add a new zspage to @class.  Called with class->lock. */
static void class_add_zspage(struct size_class *class, struct zspage *zspage)
{
	class->nr_zspages++;
	class->nr_in_group[ZS_GROUP_EMPTY]++;
	list_add(&zspage->list, &class->groups[ZS_GROUP_EMPTY]);
}

/* Take an empty zspage out of @class.  Called with class->lock. */
static void class_remove_zspage(struct size_class *class,
				struct zspage *zspage)
{
	class->nr_in_group[zspage->group]--;
	class->nr_zspages--;
	list_del_init(&zspage->list);
	zspage->dying = true;
}

static void release_zspage(struct zs_pool *pool, struct zspage *zspage)
{
	unsigned int i, nr = zspage->nr_pages;

	for (i = 0; i < nr; i++)
		zspage_page_release(zspage->pages[i]);
	atomic_long_sub(nr, &pool->pages_allocated);
	kfree(zspage);
}

static void zs_free_worker(struct work_struct *work)
{
	struct zs_pool *pool = container_of(work, struct zs_pool, free_work);
	struct zspage *zspage, *tmp;
	LIST_HEAD(list);
	unsigned int i;

	spin_lock(&pool->free_lock);
	list_splice_init(&pool->free_list, &list);
	spin_unlock(&pool->free_lock);

	list_for_each_entry_safe(zspage, tmp, &list, list) {
		list_del(&zspage->list);
		for (i = 0; i < zspage->nr_pages; i++)
			lock_page(zspage->pages[i]);
		release_zspage(pool, zspage);
		cond_resched();
	}
}

/*
 * Free the pages of an unlinked empty zspage.  The page locks keep the VM
 * from migrating them meanwhile; if one is held (the VM is migrating that
 * page right now), the free worker waits for it instead.
 */
static void free_zspage(struct zs_pool *pool, struct zspage *zspage)
{
	unsigned int i;

	for (i = 0; i < zspage->nr_pages; i++) {
		if (!trylock_page(zspage->pages[i])) {
			while (i--)
				unlock_page(zspage->pages[i]);
			spin_lock(&pool->free_lock);
			list_add_tail(&zspage->list, &pool->free_list);
			spin_unlock(&pool->free_lock);
			atomic_long_inc(&pool->events.zspages_freed_async);
			schedule_work(&pool->free_work);
			return;
		}
	}
	release_zspage(pool, zspage);
}

/* Free the zspages on @empty, taken out of their classes already */
static void free_zspages(struct zs_pool *pool, struct list_head *empty)
{
	struct zspage *zspage, *tmp;

	list_for_each_entry_safe(zspage, tmp, empty, list) {
		list_del_init(&zspage->list);
		free_zspage(pool, zspage);
	}
}

/* ------------------------------------------------------------------ */
/* Packed pools                                                        */
/* ------------------------------------------------------------------ */

/*
 * A packed pool has no size classes.  An object takes a record: a header
 * word (its handle with ZS_SLOT_USED set) and its bytes rounded up to 8,
 * right after the last record of the zspage of its CPU's bin whose free
 * tail fits it most tightly, or of a new zspage.  A freed record leaves a
 * hole whose header holds its size << 1; the last record of a zspage
 * gives its bytes back to the tail instead.  Holes come back two ways:
 * when no tail fits a new record, the allocation first slides the
 * records of a holey zspage of its bin, or else of another bin, down
 * over its holes (pk_find_holey()); compaction moves the records of
 * sparse zspages into the tails of others, as a log cleaner does.
 * Objects of zs_huge_class_size() or more take a page each, with no
 * header, as in a pool of classes.  No slot is ever rounded to a class or
 * left free in a partly used zspage: on the bench corpus this stores 0.99
 * of the memory as data where classes store 0.96 (tools/zsim/zlog
 * simulates it; zsmalloc.rst has the figures).
 */
#if ZS_PK_BIN_BITS
#define ZS_PK_BIN_SHIFT		(ZS_PFN_BITS + ZS_PK_OFF_BITS + ZS_PK_LEN_BITS)
#else
#define ZS_PK_BIN_SHIFT		0	/* no packed pools: never used */
#endif
#define ZS_PK_LEN_MASK		((1UL << ZS_PK_LEN_BITS) - 1)
#define ZS_PK_OFF_MASK		((1UL << ZS_PK_OFF_BITS) - 1)
/* Compaction empties zspages whose records fill less than 7/8 of them */
#define ZS_PK_SPARSE_EIGHTHS	7

/*
 * On while a pool of size classes exists where packed pools are possible
 * (64-bit): until then every pool is packed, and the fast paths need not
 * look at the pool to know (-icount: 3 instructions per test).
 */
static DEFINE_STATIC_KEY_FALSE(zs_class_pools);

static __always_inline bool zs_pool_packed(struct zs_pool *pool)
{
	if (!ZS_PK_BIN_BITS)
		return false;
	if (!static_branch_unlikely(&zs_class_pools))
		return true;
	return pool->nr_bins;
}

/* The obj of a record at byte @off of @zspage with a payload of @len */
static unsigned long pk_obj(struct zspage *zspage, unsigned long off,
			    unsigned int len)
{
	unsigned long pfn = page_to_pfn(zspage->pages[off >> PAGE_SHIFT]);

	return (unsigned long)zspage->bin->id << ZS_PK_BIN_SHIFT |
	       pfn << (ZS_PK_OFF_BITS + ZS_PK_LEN_BITS) |
	       offset_in_page(off) >> 3 << ZS_PK_LEN_BITS | ((len >> 3) - 1);
}

static struct zs_bin *pk_obj_bin(struct zs_pool *pool, unsigned long obj)
{
	return &pool->bins[obj >> ZS_PK_BIN_SHIFT];
}

static __always_inline struct page *pk_obj_page(unsigned long obj)
{
	return pfn_to_page(obj >> (ZS_PK_OFF_BITS + ZS_PK_LEN_BITS) &
			   ZS_OBJ_PFN_MASK);
}

/* Byte offset in its zspage of the record of @obj, which starts in @page */
static __always_inline unsigned long pk_page_off(struct page *page,
						 unsigned long obj)
{
	return page->index << PAGE_SHIFT |
	       (obj >> ZS_PK_LEN_BITS & ZS_PK_OFF_MASK) << 3;
}

/* Payload bytes of the record of @obj: the object's size rounded up to 8 */
static unsigned int pk_obj_len(unsigned long obj)
{
	return ((obj & ZS_PK_LEN_MASK) + 1) << 3;
}

/* slot_span() of the record of @obj; its zspage in *@zspage */
static __always_inline unsigned int pk_span(unsigned long obj,
					    struct zspage **zspage,
					    unsigned long *off)
{
	struct page *page = pk_obj_page(obj);

	*zspage = (struct zspage *)page_private(page);
	*off = pk_page_off(page, obj) + ((*zspage)->huge ? 0 : ZS_HANDLE_SIZE);
	return pk_obj_len(obj);
}

/* The size of the record at @off of @zspage; *@handle: its object, or 0 */
static unsigned int pk_record(struct zspage *zspage, unsigned long off,
			      unsigned long *handle)
{
	unsigned long header = zspage_read_word(zspage, off);

	if (!(header & ZS_SLOT_USED)) {
		*handle = 0;
		return header >> 1;
	}
	*handle = header & ~ZS_SLOT_USED;
	return ZS_HANDLE_SIZE + pk_obj_len(handle_to_obj(*handle));
}

static unsigned long pk_tail(struct zspage *zspage)
{
	return ((unsigned long)zspage->nr_pages << PAGE_SHIFT) - zspage->top;
}

/* Take @zspage off its list.  Called with bin->lock, as all below. */
static void pk_unlist(struct zs_bin *bin, struct zspage *zspage)
{
	list_del_init(&zspage->list);
	if (zspage->group < ZS_PK_NR_TAILS &&
	    list_empty(&bin->tails[zspage->group]))
		__clear_bit(zspage->group, bin->tailed);
}

/* The list of @bin that zspages of @group are on */
static struct list_head *pk_list(struct zs_bin *bin, unsigned int group)
{
	switch (group) {
	case ZS_PK_HUGE:
		return &bin->huge;
	case ZS_PK_SOURCE:
		return &bin->sources;
	case ZS_PK_HOLEY:
		return &bin->holey;
	default:
		return &bin->tails[group];
	}
}

/*
 * Put @zspage on the list of its free tail's size or, if its holes are
 * more than that tail and an eighth of its records' span (it is sparse,
 * as compaction says), at the end of the holey list: pk_malloc() slides
 * the records of those down over their holes before it grows the bin.
 */
static void pk_relist(struct zs_bin *bin, struct zspage *zspage)
{
	unsigned int holes = zspage->top - zspage->live;
	unsigned int t;

	if (holes > pk_tail(zspage) && holes * 8UL > zspage->top)
		t = ZS_PK_HOLEY;
	else
		t = min_t(unsigned long, pk_tail(zspage) / ZS_PK_TAIL_UNIT,
			  ZS_PK_NR_TAILS - 1);
	if (t == zspage->group && !list_empty(&zspage->list))
		return;
	pk_unlist(bin, zspage);
	zspage->group = t;
	if (t == ZS_PK_HOLEY) {
		list_add_tail(&zspage->list, &bin->holey);
	} else {
		list_add(&zspage->list, &bin->tails[t]);
		__set_bit(t, bin->tailed);
	}
}

/*
 * The zspage whose free tail fits @size bytes most tightly, or NULL: the
 * first of list t (tails of t..t + 1 units) if it fits, else the first
 * of the next list that has any.  Only the first of list t is tried, so
 * that tails a little too short for the sizes that come most do not
 * pile up in the way.
 */
static struct zspage *pk_find(struct zs_bin *bin, unsigned int size)
{
	unsigned int t = size / ZS_PK_TAIL_UNIT;
	struct zspage *zspage;

	zspage = list_first_entry_or_null(&bin->tails[t], struct zspage, list);
	if (zspage && pk_tail(zspage) >= size)
		return zspage;
	t = find_next_bit(bin->tailed, ZS_PK_NR_TAILS, t + 1);
	if (t >= ZS_PK_NR_TAILS)
		return NULL;
	return list_first_entry(&bin->tails[t], struct zspage, list);
}

static void pk_add_zspage(struct zs_bin *bin, struct zspage *zspage,
			  bool huge)
{
	zspage->bin = bin;
	zspage->huge = huge;
	if (huge) {
		bin->nr_huge++;
		zspage->group = ZS_PK_HUGE;
		list_add(&zspage->list, &bin->huge);
	} else {
		bin->nr_zspages++;
	}
}

/* Take an empty zspage out of @bin */
static void pk_remove_zspage(struct zs_bin *bin, struct zspage *zspage)
{
	pk_unlist(bin, zspage);
	if (zspage->huge) {
		bin->nr_huge--;
	} else {
		bin->nr_zspages--;
		bin->used -= zspage->top;
	}
	zspage->dying = true;
}

/* Store the record of @handle, @len payload bytes, at the top of @zspage */
static void pk_place(struct zs_bin *bin, struct zspage *zspage,
		     unsigned long handle, unsigned int len)
{
	unsigned long off = zspage->top;
	unsigned int size = len;

	if (zspage->huge) {
		zspage->huge_handle = handle;
	} else {
		size += ZS_HANDLE_SIZE;
		zspage_write_word(zspage, off, handle | ZS_SLOT_USED);
		bin->used += size;
		bin->live += size;
	}
	set_handle_obj(handle, pk_obj(zspage, off, len));
	zspage->top += size;
	zspage->live += size;
	bin->objs++;
	if (!zspage->huge)
		pk_relist(bin, zspage);
}

/*
 * Slide the records of @zspage down over its holes, so that they become
 * its free tail, and repoint their handles.  @zspage has no mapped object.
 */
static void pk_slide(struct zs_bin *bin, struct zspage *zspage)
{
	unsigned long off, to = 0, handle;
	unsigned int size;

	for (off = 0; off < zspage->top; off += size) {
		size = pk_record(zspage, off, &handle);
		if (!handle)
			continue;
		if (to != off) {
			zspage_copy(zspage, to, zspage, off, size);
			set_handle_obj(handle, pk_obj(zspage, to,
						      size - ZS_HANDLE_SIZE));
		}
		to += size;
	}
	bin->used -= zspage->top - to;
	zspage->top = to;
	pk_relist(bin, zspage);
	atomic_long_inc(&bin->pool->events.zspages_slid);
}

/*
 * No tail of @bin fits @size: before the bin grows, slide the first holey
 * zspages that have no mapped object (a few at most) until one's tail
 * fits.  Returns that zspage, or NULL.
 */
static struct zspage *pk_find_holey(struct zs_bin *bin, unsigned int size)
{
	struct zspage *zspage;
	unsigned int tries;

	for (tries = 0; tries < 4; tries++) {
		zspage = list_first_entry_or_null(&bin->holey, struct zspage,
						  list);
		if (!zspage)
			break;
		/* pairs with the release in unpin_zspage() */
		if (atomic_read_acquire(&zspage->mapped)) {
			list_move_tail(&zspage->list, &bin->holey);
			continue;
		}
		pk_slide(bin, zspage);
		if (pk_tail(zspage) >= size)
			return zspage;
	}
	return NULL;
}

/*
 * Store the record of @handle, @len payload bytes, in a tail of @bin that
 * fits it or else in a holey zspage slid for it.  False if neither fits.
 */
static __always_inline bool pk_store_in(struct zs_bin *bin,
					unsigned long handle, unsigned int len)
{
	struct zspage *zspage;

	spin_lock(&bin->lock);
	zspage = pk_find(bin, ZS_HANDLE_SIZE + len);
	if (!zspage)
		zspage = pk_find_holey(bin, ZS_HANDLE_SIZE + len);
	if (zspage)
		pk_place(bin, zspage, handle, len);
	spin_unlock(&bin->lock);
	return zspage;
}

/*
 * Neither a tail nor a hole of the CPU's bin fits: before the pool grows,
 * store the record in another bin that has holey zspages (a free lands in
 * the bin that stored the object, which need not be this CPU's), in a
 * tail there, those of zspages slid before first.  The holey lists are
 * peeked at without the lock: a miss only grows the pool.
 */
static bool pk_store_elsewhere(struct zs_pool *pool, struct zs_bin *mine,
			       unsigned long handle, unsigned int len)
{
	unsigned int i;

	for (i = 1; i < pool->nr_bins; i++) {
		struct zs_bin *bin = &pool->bins[(mine->id + i) % pool->nr_bins];

		if (!list_empty(&bin->holey) && pk_store_in(bin, handle, len))
			return true;
	}
	return false;
}

static unsigned long pk_malloc(struct zs_pool *pool, unsigned long handle,
			       size_t size, gfp_t gfp)
{
	struct zs_bin *bin = &pool->bins[raw_smp_processor_id() % pool->nr_bins];
	bool huge = size + ZS_HANDLE_SIZE > pool->max_shared_size;
	unsigned int len = round_up(size, 8);
	struct zspage *zspage;

	if (!huge && (pk_store_in(bin, handle, len) ||
		      pk_store_elsewhere(pool, bin, handle, len)))
		return handle;

	zspage = alloc_zspage(pool, huge ? 1 : 1U << pool->order, gfp);
	if (!zspage) {
		free_handle(handle);
		return (unsigned long)ERR_PTR(-ENOMEM);
	}
	spin_lock(&bin->lock);
	pk_add_zspage(bin, zspage, huge);
	pk_place(bin, zspage, handle, len);
	spin_unlock(&bin->lock);
	return handle;
}

/* Lock and return the bin of @handle: the obj names it, it never changes */
static struct zs_bin *pk_lock_handle_bin(struct zs_pool *pool,
					 unsigned long handle)
	__acquires(bin_lock)
{
	struct zs_bin *bin = pk_obj_bin(pool, handle_to_obj(handle));

	spin_lock(&bin->lock);
	return bin;
}

/*
 * Free the record of @handle; a zspage this empties goes on @empty for
 * free_zspages(), as class_free_obj() does.
 */
static void pk_free_obj(struct zs_bin *bin, unsigned long handle,
			struct list_head *empty)
{
	unsigned long obj = handle_to_obj(handle);
	struct page *page = pk_obj_page(obj);
	struct zspage *zspage = (struct zspage *)page_private(page);
	unsigned long off = pk_page_off(page, obj);
	unsigned int size = pk_obj_len(obj);

	bin->objs--;
	if (!zspage->huge) {
		size += ZS_HANDLE_SIZE;
		bin->live -= size;
		if (off + size == zspage->top) {
			zspage->top = off;
			bin->used -= size;
		} else {
			zspage_write_word(zspage, off, (unsigned long)size << 1);
		}
	}
	zspage->live -= size;
	if (!zspage->live) {
		pk_remove_zspage(bin, zspage);
		list_add(&zspage->list, empty);
	} else if (zspage->group != ZS_PK_SOURCE) {
		pk_relist(bin, zspage);
	}
}

/* Records that start in page @pidx of @zspage: repoint them at that page */
static void pk_repoint_page(struct zspage *zspage, unsigned int pidx)
{
	unsigned long start = (unsigned long)pidx << PAGE_SHIFT;
	unsigned long end = min_t(unsigned long, zspage->top, start + PAGE_SIZE);
	unsigned long off, handle = zspage->huge_handle;
	unsigned int size;

	if (zspage->huge) {
		set_handle_obj(handle,
			       pk_obj(zspage, 0, pk_obj_len(handle_to_obj(handle))));
		return;
	}
	for (off = 0; off < end; off += size) {
		size = pk_record(zspage, off, &handle);
		if (off >= start && handle)
			set_handle_obj(handle, pk_obj(zspage, off,
						      size - ZS_HANDLE_SIZE));
	}
}

/*
 * Move the records of @src into the tails of the bin's other zspages, or
 * of new ones (without sleeping), whose pages are added to *@grown.
 * False if a new zspage could not be had.
 */
static bool pk_evacuate(struct zs_pool *pool, struct zs_bin *bin,
			struct zspage *src, unsigned long *grown)
{
	unsigned long off, handle;
	unsigned int size;

	for (off = 0; off < src->top && src->live; off += size) {
		struct zspage *dst;

		size = pk_record(src, off, &handle);
		if (!handle)
			continue;
		dst = pk_find(bin, size);
		if (!dst) {
			dst = alloc_zspage(pool, 1U << pool->order,
					   GFP_NOWAIT | __GFP_NOWARN |
					   __GFP_HIGHMEM | __GFP_MOVABLE);
			if (!dst)
				return false;
			pk_add_zspage(bin, dst, false);
			*grown += dst->nr_pages;
		}
		zspage_copy(dst, dst->top, src, off, size);
		pk_place(bin, dst, handle, size - ZS_HANDLE_SIZE);
		zspage_write_word(src, off, (unsigned long)size << 1);
		src->live -= size;
		bin->live -= size;
		bin->objs--;
	}
	return true;
}

static int pk_cmp_live(void *priv, const struct list_head *a,
		       const struct list_head *b)
{
	return list_entry(a, struct zspage, list)->live >
	       list_entry(b, struct zspage, list)->live;
}

/*
 * Empty the sparse zspages of @bin, sparsest first, into the tails of the
 * others.  Mapped ones stay.  Returns the pages freed, less those of the
 * zspages it added.
 */
static unsigned long pk_compact_bin(struct zs_pool *pool, struct zs_bin *bin)
{
	unsigned long freed = 0, grown = 0;
	struct zspage *zspage, *tmp;
	bool stop = false;
	unsigned int t;

	spin_lock(&bin->lock);
	for (t = 0; t <= ZS_PK_HOLEY; t++) {
		if (t == ZS_PK_HUGE || t == ZS_PK_SOURCE)
			continue;
		list_for_each_entry_safe(zspage, tmp, pk_list(bin, t), list) {
			if ((unsigned long)zspage->live * 8 >=
			    (unsigned long)zspage->top * ZS_PK_SPARSE_EIGHTHS)
				continue;
			pk_unlist(bin, zspage);
			zspage->group = ZS_PK_SOURCE;
			list_add(&zspage->list, &bin->sources);
		}
	}
	list_sort(NULL, &bin->sources, pk_cmp_live);

	while (!list_empty(&bin->sources)) {
		LIST_HEAD(empty);

		zspage = list_first_entry(&bin->sources, struct zspage, list);
		/* pairs with the release in unpin_zspage() */
		if (!stop && !atomic_read_acquire(&zspage->mapped))
			stop = !pk_evacuate(pool, bin, zspage, &grown);
		if (zspage->live) {
			pk_relist(bin, zspage);
			continue;
		}
		pk_remove_zspage(bin, zspage);
		list_add(&zspage->list, &empty);
		freed += zspage->nr_pages;
		spin_unlock(&bin->lock);
		free_zspages(pool, &empty);
		cond_resched();
		spin_lock(&bin->lock);
	}
	spin_unlock(&bin->lock);
	return freed > grown ? freed - grown : 0;
}

/*
 * Pages of holes in @bin: an upper bound on what compaction gives back.
 * Read without the lock, the two counts may be a store apart.
 */
static unsigned long pk_freeable_pages(struct zs_bin *bin)
{
	long holes = READ_ONCE(bin->used) - READ_ONCE(bin->live);

	return holes > 0 ? holes >> PAGE_SHIFT : 0;
}

/* Free every zspage of @bin and the handles of the objects left there */
static void pk_destroy_bin(struct zs_pool *pool, struct zs_bin *bin)
{
	struct zspage *zspage, *tmp;
	unsigned long off, handle;
	unsigned int t, size;
	LIST_HEAD(empty);

	spin_lock(&bin->lock);
	if (bin->objs)
		pr_warn("pool %s destroyed with %lu objects in bin %u\n",
			bin->pool->name, bin->objs, bin->id);
	for (t = 0; t <= ZS_PK_HOLEY; t++) {
		list_for_each_entry_safe(zspage, tmp, pk_list(bin, t), list) {
			if (zspage->huge) {
				free_handle(zspage->huge_handle);
			} else {
				for (off = 0; off < zspage->top; off += size) {
					size = pk_record(zspage, off, &handle);
					if (handle)
						free_handle(handle);
				}
			}
			pk_remove_zspage(bin, zspage);
			list_add(&zspage->list, &empty);
		}
	}
	bin->objs = 0;
	spin_unlock(&bin->lock);
	free_zspages(pool, &empty);
}

/* The bins of a packed pool: as many as CPUs, as many as the obj names */
static int pk_init_bins(struct zs_pool *pool)
{
	unsigned int i, t;

	pool->nr_bins = min(num_possible_cpus(), ZS_PK_MAX_BINS);
	pool->bins = kvcalloc(pool->nr_bins, sizeof(*pool->bins), GFP_KERNEL);
	if (!pool->bins) {
		pool->nr_bins = 0;
		return -ENOMEM;
	}
	for (i = 0; i < pool->nr_bins; i++) {
		struct zs_bin *bin = &pool->bins[i];

		bin->pool = pool;
		bin->id = i;
		spin_lock_init(&bin->lock);
		for (t = 0; t < ZS_PK_NR_TAILS; t++)
			INIT_LIST_HEAD(&bin->tails[t]);
		INIT_LIST_HEAD(&bin->huge);
		INIT_LIST_HEAD(&bin->sources);
		INIT_LIST_HEAD(&bin->holey);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Allocation and free                                                 */
/* ------------------------------------------------------------------ */

/* Store @handle in @class.  Called with class->lock; @zspage has room. */
static void class_store(struct size_class *class, struct zspage *zspage,
			unsigned long handle)
{
	unsigned int idx = zspage_take_slot(class, zspage, handle);

	set_handle_obj(handle, slot_to_obj(class, slot_page(class, zspage, idx),
					   idx));
	class->objs_used++;
	zspage_regroup(class, zspage);
}

/* Store @handle in a zspage @class has already, if one has room */
static bool class_store_in_place(struct size_class *class,
				 unsigned long handle)
{
	struct zspage *zspage;

	spin_lock(&class->lock);
	zspage = fullest_zspage(class, NULL);
	if (zspage)
		class_store(class, zspage, handle);
	spin_unlock(&class->lock);
	return zspage;
}

/**
 * zs_malloc - allocate an object from a pool
 * @pool: pool to allocate from
 * @size: object size in bytes, 1..PAGE_SIZE
 * @gfp: allocation flags; __GFP_HIGHMEM and __GFP_MOVABLE apply to the
 *	 zspage pages only, never to the pool's own metadata
 *
 * Before it adds a zspage to a class, zs_malloc() frees the handles of that
 * class that zs_free_deferred() left pending on this CPU.
 *
 * Return: an opaque handle for the object, or an error value that
 * IS_ERR_VALUE() recognises: -EINVAL for a zero size, -ENOSPC for a size
 * over PAGE_SIZE, -ENOMEM when memory could not be allocated.
 */
unsigned long zs_malloc(struct zs_pool *pool, size_t size, gfp_t gfp)
{
	gfp_t meta_gfp = gfp & ~(__GFP_HIGHMEM | __GFP_MOVABLE);
	struct size_class *class;
	struct zspage *zspage;
	unsigned long handle;

	if (unlikely(!size))
		return (unsigned long)ERR_PTR(-EINVAL);
	if (unlikely(size > PAGE_SIZE))
		return (unsigned long)ERR_PTR(-ENOSPC);

	handle = alloc_handle(meta_gfp);
	if (!handle)
		return (unsigned long)ERR_PTR(-ENOMEM);
	if (zs_pool_packed(pool))
		return pk_malloc(pool, handle, size, gfp);

	class = host_class(pool, obj_class(pool, size));
	if (class_store_in_place(class, handle))
		return handle;
	if (defer_free_early(pool, class) && class_store_in_place(class, handle))
		return handle;

	zspage = alloc_zspage(pool, class->pages_per_zspage, gfp);
	if (!zspage) {
		free_handle(handle);
		return (unsigned long)ERR_PTR(-ENOMEM);
	}

	zspage->class = class;
	spin_lock(&class->lock);
	class_add_zspage(class, zspage);
	class_store(class, zspage, handle);
	spin_unlock(&class->lock);
	return handle;
}
EXPORT_SYMBOL_GPL(zs_malloc);

/*
 * Give back the slot of @handle's object; the handle word is left alone.
 * A zspage this empties is taken out of @class and put on @empty, for
 * free_zspages() once the class lock is dropped.  Called with class->lock.
 */
static void class_free_obj(struct size_class *class, unsigned long handle,
			   struct list_head *empty)
{
	unsigned long obj = handle_to_obj(handle);
	struct zspage *zspage = obj_to_zspage(obj);

	zspage_put_slot(class, zspage, obj_to_idx(obj));
	class->objs_used--;
	if (zspage->inuse) {
		zspage_regroup(class, zspage);
		return;
	}
	class_remove_zspage(class, zspage);
	list_add(&zspage->list, empty);
}

static void free_obj(struct zs_pool *pool, unsigned long handle)
{
	LIST_HEAD(empty);

	if (zs_pool_packed(pool)) {
		struct zs_bin *bin = pk_lock_handle_bin(pool, handle);

		pk_free_obj(bin, handle, &empty);
		spin_unlock(&bin->lock);
	} else {
		struct size_class *class = lock_handle_class(pool, handle);

		class_free_obj(class, handle, &empty);
		spin_unlock(&class->lock);
	}
	free_handle(handle);
	free_zspages(pool, &empty);
}

/**
 * zs_free - free an object
 * @pool: pool the object was allocated from
 * @handle: handle returned by zs_malloc(); NULL and error values are ignored
 *
 * The object must not be mapped.  An emptied zspage's pages go back to the
 * page allocator outside the class lock.  With CONFIG_DEBUG_VM, freeing a
 * handle twice is reported and otherwise ignored, unless the handle was
 * handed out again in between.
 */
void zs_free(struct zs_pool *pool, unsigned long handle)
{
	if (IS_ERR_OR_NULL((void *)handle) ||
	    handle_is_freed(pool, handle, _RET_IP_))
		return;
	free_obj(pool, handle);
}
EXPORT_SYMBOL_GPL(zs_free);

/* ------------------------------------------------------------------ */
/* Mapping                                                             */
/* ------------------------------------------------------------------ */

/*
 * Pin the object of @handle where it is: until unpin_zspage(), compaction
 * and migration leave its zspage alone (they test @mapped under the class
 * or bin lock).  Fills in where its bytes are: @p, and the page they start
 * in and the next one if they straddle it (else NULL) in @pages.  Inlined:
 * as a call it made zs_map_object() + zs_unmap_object() 10-18 % dearer
 * under -icount (make bench, sizes 256..3600).  @p is computed once after
 * the branches, so that the compiler still knows a copy of p->first bytes
 * is at most a page: it then copies inline (rep movsq), not through a
 * call to memcpy() (+7..38 % under -icount).
 */
static __always_inline struct zspage *pin_object(struct zs_pool *pool,
						 unsigned long handle,
						 struct payload *p,
						 struct page *pages[2])
{
	struct zspage *zspage;
	unsigned long obj, off;
	unsigned int len;
	spinlock_t *lock;		/* of the object's class or bin */

	if (zs_pool_packed(pool)) {
		lock = &pk_lock_handle_bin(pool, handle)->lock;
		obj = handle_to_obj(handle);
		len = pk_span(obj, &zspage, &off);
	} else {
		struct size_class *class = lock_handle_class(pool, handle);

		lock = &class->lock;
		obj = handle_to_obj(handle);
		zspage = obj_to_zspage(obj);
		len = slot_span(class, obj_to_idx(obj), &off);
	}
	*p = payload_at(off, len);
	atomic_inc(&zspage->mapped);
	pages[0] = zspage->pages[p->pidx];
	pages[1] = p->first < p->len ? zspage->pages[p->pidx + 1] : NULL;
	spin_unlock(lock);
	return zspage;
}

/* Where the object of a pinned @handle is; its obj cannot change */
static __always_inline struct zspage *pinned_payload(struct zs_pool *pool,
						     unsigned long handle,
						     struct payload *p)
{
	unsigned long obj = handle_to_obj(handle), off;
	struct zspage *zspage;
	unsigned int len;

	if (zs_pool_packed(pool)) {
		len = pk_span(obj, &zspage, &off);
	} else {
		zspage = obj_to_zspage(obj);
		len = slot_span(zspage_class(zspage), obj_to_idx(obj), &off);
	}
	*p = payload_at(off, len);
	return zspage;
}

static void unpin_zspage(struct zspage *zspage)
{
	/* Order the accesses before compaction or migration may move us */
	smp_mb__before_atomic();
	atomic_dec(&zspage->mapped);
}

/**
 * zs_map_object - get the address of an object
 * @pool: pool the object belongs to
 * @handle: handle returned by zs_malloc()
 * @mm: ZS_MM_RO, ZS_MM_WO or ZS_MM_RW
 *
 * Until zs_unmap_object() the caller runs with preemption disabled, must
 * not sleep and must not map another object.  The object does not move
 * while it is mapped.  zs_obj_read_begin() and zs_obj_write() do the same
 * without the atomic section, and write without the bounce copy.
 *
 * Return: the address of the object's first byte, or NULL for a NULL or
 * error @handle (nothing is mapped then).
 */
void *zs_map_object(struct zs_pool *pool, unsigned long handle,
		    enum zs_mapmode mm)
{
	struct zs_map_area *area;
	struct page *pages[2];
	struct zspage *zspage;
	struct payload p;

	if (IS_ERR_OR_NULL((void *)handle))
		return NULL;

	zspage = pin_object(pool, handle, &p, pages);
	local_lock(&zs_map_area.lock);
	area = this_cpu_ptr(&zs_map_area);
	area->mode = mm;
	area->zspage = zspage;
	if (!pages[1]) {
		area->kaddr = kmap_local_page(pages[0]);
		return area->kaddr + p.poff;
	}

	/* The object straddles two pages: bounce it through area->buf */
	area->kaddr = NULL;
	if (mm != ZS_MM_WO) {
		memcpy_from_page(area->buf, pages[0], p.poff, p.first);
		memcpy_from_page(area->buf + p.first, pages[1], 0,
				 payload_rest(&p, p.len));
	}
	return area->buf;
}
EXPORT_SYMBOL_GPL(zs_map_object);

/**
 * zs_unmap_object - end the mapping made by zs_map_object()
 * @pool: pool the object belongs to
 * @handle: the handle that was mapped; NULL and error values are ignored
 */
void zs_unmap_object(struct zs_pool *pool, unsigned long handle)
{
	struct zs_map_area *area;
	struct zspage *zspage;

	/* Nothing was mapped, so preemption may be on: no this_cpu_ptr() */
	if (IS_ERR_OR_NULL((void *)handle))
		return;

	area = this_cpu_ptr(&zs_map_area);
	zspage = area->zspage;
	if (area->kaddr) {
		kunmap_local(area->kaddr);
	} else if (area->mode != ZS_MM_RO) {
		struct payload p;
		struct page **pages;

		pinned_payload(pool, handle, &p);
		pages = &zspage->pages[p.pidx];
		memcpy_to_page(pages[0], p.poff, area->buf, p.first);
		memcpy_to_page(pages[1], 0, area->buf + p.first,
			       payload_rest(&p, p.len));
	}
	local_unlock(&zs_map_area.lock);
	unpin_zspage(zspage);
}
EXPORT_SYMBOL_GPL(zs_unmap_object);

/* ------------------------------------------------------------------ */
/* Object access without an atomic section                            */
/* ------------------------------------------------------------------ */

/**
 * zs_obj_read_begin - start reading an object
 * @pool: pool the object belongs to
 * @handle: handle returned by zs_malloc()
 * @mem_len: how many of the object's first bytes the caller reads
 * @local_copy: a buffer of at least @mem_len bytes, used if the bytes
 *	straddle two pages
 *
 * Pins the object: compaction and migration leave its zspage alone until
 * zs_obj_read_end().  In between the caller may be preempted and may
 * sleep; it must end reads in the reverse order it began them (the
 * address may be a kmap_local_page() mapping).  @mem_len is clamped to
 * the object's slot.
 *
 * Return: the address of the object's first byte: inside its page when
 * the @mem_len bytes lie in one page, else @local_copy with those bytes
 * copied in.  NULL for a NULL or error @handle (nothing is pinned then).
 */
void *zs_obj_read_begin(struct zs_pool *pool, unsigned long handle,
			size_t mem_len, void *local_copy)
{
	struct page *pages[2];
	struct payload p;

	if (IS_ERR_OR_NULL((void *)handle))
		return NULL;

	pin_object(pool, handle, &p, pages);
	mem_len = min_t(size_t, mem_len, p.len);
	if (mem_len <= p.first)
		return kmap_local_page(pages[0]) + p.poff;

	memcpy_from_page(local_copy, pages[0], p.poff, p.first);
	memcpy_from_page(local_copy + p.first, pages[1], 0,
			 payload_rest(&p, mem_len));
	return local_copy;
}
EXPORT_SYMBOL_GPL(zs_obj_read_begin);

/**
 * zs_obj_read_end - end a read begun by zs_obj_read_begin()
 * @pool: pool the object belongs to
 * @handle: the handle being read; NULL and error values are ignored
 * @mem_len: the @mem_len given to zs_obj_read_begin()
 * @handle_mem: what zs_obj_read_begin() returned
 */
void zs_obj_read_end(struct zs_pool *pool, unsigned long handle,
		     size_t mem_len, void *handle_mem)
{
	struct zspage *zspage;
	struct payload p;

	if (IS_ERR_OR_NULL((void *)handle))
		return;

	zspage = pinned_payload(pool, handle, &p);
	if (min_t(size_t, mem_len, p.len) <= p.first)
		kunmap_local(handle_mem);
	unpin_zspage(zspage);
}
EXPORT_SYMBOL_GPL(zs_obj_read_end);

/**
 * zs_obj_write - write an object
 * @pool: pool the object belongs to
 * @handle: handle returned by zs_malloc(); NULL and error values are ignored
 * @handle_mem: the bytes to store
 * @mem_len: how many; clamped to the object's slot
 *
 * Copies @handle_mem straight into the one or two pages the object lies
 * in, with the object pinned and preemption left alone.  May be called
 * wherever zs_map_object() may, and where the caller may sleep.
 */
void zs_obj_write(struct zs_pool *pool, unsigned long handle,
		  void *handle_mem, size_t mem_len)
{
	struct page *pages[2];
	struct zspage *zspage;
	struct payload p;

	if (IS_ERR_OR_NULL((void *)handle))
		return;

	zspage = pin_object(pool, handle, &p, pages);
	mem_len = min_t(size_t, mem_len, p.len);
	memcpy_to_page(pages[0], p.poff, handle_mem,
		       min_t(size_t, mem_len, p.first));
	if (mem_len > p.first)
		memcpy_to_page(pages[1], 0, handle_mem + p.first,
			       payload_rest(&p, mem_len));
	unpin_zspage(zspage);
}
EXPORT_SYMBOL_GPL(zs_obj_write);

/* ------------------------------------------------------------------ */
/* Compaction                                                          */
/* ------------------------------------------------------------------ */

/*
 * Move the objects of @src into the fullest other zspages of @class until
 * @src is empty or no zspage has room.  Called with class->lock.
 */
static void drain_zspage(struct size_class *class, struct zspage *src)
{
	struct zspage *dst = NULL;
	unsigned int sidx;

	for (sidx = 0; sidx < src->fresh && src->inuse; sidx++) {
		unsigned long handle = slot_handle(class, src, sidx);
		unsigned int didx;

		if (!handle)
			continue;
		if (!dst || dst->inuse == class->objs_per_zspage) {
			dst = fullest_zspage(class, src);
			if (!dst)
				break;
		}
		didx = zspage_take_slot(class, dst, handle);
		copy_slot(class, dst, didx, src, sidx);
		set_handle_obj(handle,
			       slot_to_obj(class, slot_page(class, dst, didx),
					   didx));
		zspage_put_slot(class, src, sidx);
		zspage_regroup(class, dst);
	}
	zspage_regroup(class, src);
}

static unsigned long compact_class(struct zs_pool *pool,
				   struct size_class *class)
{
	unsigned long freed = 0;

	if (class->huge)
		return 0;

	while (class_freeable_pages(class)) {
		struct zspage *src, *empty = NULL;

		relocate_lock(pool);
		spin_lock(&class->lock);
		src = emptiest_movable_zspage(class);
		if (src && fullest_zspage(class, src)) {
			drain_zspage(class, src);
			if (!src->inuse) {
				class_remove_zspage(class, src);
				empty = src;
			}
		}
		spin_unlock(&class->lock);
		relocate_unlock(pool);

		if (!empty)
			break;
		free_zspage(pool, empty);
		freed += class->pages_per_zspage;
		cond_resched();
	}
	return freed;
}

/**
 * zs_compact - give back the pages of sparse zspages
 * @pool: pool to compact
 *
 * In every class, objects of the emptiest zspages move into the fullest
 * ones and the zspages emptied are freed.  Mapped objects are left where
 * they are.  Frees deferred by zs_free_deferred() are done first.  If
 * another compaction of @pool is running, returns at once.  Sleeps.
 *
 * Return: the number of pages freed.
 */
unsigned long zs_compact(struct zs_pool *pool)
{
	unsigned long freed = 0;
	int i;

	defer_flush(pool);
	if (atomic_xchg(&pool->compacting, 1))
		return 0;
	if (zs_pool_packed(pool)) {
		for (i = 0; i < (int)pool->nr_bins; i++)
			freed += pk_compact_bin(pool, &pool->bins[i]);
	} else {
		for (i = pool->nr_classes - 1; i >= 0; i--)
			freed += compact_class(pool, &pool->classes[i]);
	}
	atomic_long_add(freed, &pool->stats.pages_compacted);
	atomic_set_release(&pool->compacting, 0);
	return freed;
}
EXPORT_SYMBOL_GPL(zs_compact);

/* ------------------------------------------------------------------ */
/* Page migration                                                      */
/* ------------------------------------------------------------------ */

static bool zs_page_isolate(struct page *page, isolate_mode_t mode)
{
	/* The page stays in its zspage; migrate checks what it must. */
	return true;
}

/* Objects that start in page @pidx of @zspage: repoint them at that page */
static void class_repoint_page(struct size_class *class, struct zspage *zspage,
			       unsigned int pidx)
{
	unsigned int idx, end = min_t(unsigned int, zspage->fresh,
				      first_slot_in_page(class, pidx + 1));

	for (idx = first_slot_in_page(class, pidx); idx < end; idx++) {
		unsigned long handle = slot_handle(class, zspage, idx);

		if (handle)
			set_handle_obj(handle,
				       slot_to_obj(class, zspage->pages[pidx], idx));
	}
}

static int zs_page_migrate(struct page *dst, struct page *src,
			   enum migrate_mode mode)
{
	/* Both pages are locked, so the zspage cannot be freed under us. */
	struct zspage *zspage = (struct zspage *)page_private(src);
	struct zs_pool *pool = zspage->bin ? zspage->bin->pool :
					     zspage->class->pool;
	spinlock_t *lock = zspage->bin ? &zspage->bin->lock :
					 &zspage->class->lock;
	unsigned int pidx = src->index;
	int rc = -EAGAIN;

	relocate_lock(pool);
	spin_lock(lock);
	if (zspage->dying || atomic_read_acquire(&zspage->mapped)) {
		atomic_long_inc(&pool->events.migrations_refused);
		goto out;
	}
	rc = -EINVAL;
	if (WARN_ON_ONCE(pidx >= zspage->nr_pages ||
			 zspage->pages[pidx] != src))
		goto out;

	copy_highpage(dst, src);
	zspage->pages[pidx] = dst;
	get_page(dst);
	zspage_page_init(zspage, dst, pidx);
	__SetPageMovable(dst, &zs_mops);
	if (zspage->bin)
		pk_repoint_page(zspage, pidx);
	else
		class_repoint_page(zspage->class, zspage, pidx);
	rc = MIGRATEPAGE_SUCCESS;
out:
	spin_unlock(lock);
	relocate_unlock(pool);
	if (rc != MIGRATEPAGE_SUCCESS)
		return rc;

	/* @src is locked by the VM: release it without unlocking */
	dec_zone_page_state(src, NR_ZSPAGES);
	__ClearPageMovable(src);
	set_page_private(src, 0);
	src->index = 0;
	__ClearPageZsmalloc(src);
	put_page(src);
	atomic_long_inc(&pool->events.pages_migrated);
	return MIGRATEPAGE_SUCCESS;
}

static void zs_page_putback(struct page *page)
{
}

static const struct movable_operations zs_mops = {
	.isolate_page = zs_page_isolate,
	.migrate_page = zs_page_migrate,
	.putback_page = zs_page_putback,
};

/* ------------------------------------------------------------------ */
/* Shrinker                                                            */
/* ------------------------------------------------------------------ */

static unsigned long zs_freeable_pages(struct zs_pool *pool)
{
	unsigned long pages = 0;
	unsigned int i;

	if (zs_pool_packed(pool)) {
		for (i = 0; i < pool->nr_bins; i++)
			pages += pk_freeable_pages(&pool->bins[i]);
		return pages;
	}
	for (i = 0; i < pool->nr_classes; i++)
		pages += class_freeable_pages(&pool->classes[i]);
	return pages;
}

static unsigned long zs_shrinker_count(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	struct zs_pool *pool = shrinker->private_data;

	return zs_freeable_pages(pool);
}

static unsigned long zs_shrinker_scan(struct shrinker *shrinker,
				      struct shrink_control *sc)
{
	struct zs_pool *pool = shrinker->private_data;
	unsigned long freed = zs_compact(pool);

	return freed ? freed : SHRINK_STOP;
}

static int zs_register_shrinker(struct zs_pool *pool)
{
	pool->shrinker = shrinker_alloc(0, "mm-zspool:%s", pool->name);
	if (!pool->shrinker)
		return -ENOMEM;
	pool->shrinker->count_objects = zs_shrinker_count;
	pool->shrinker->scan_objects = zs_shrinker_scan;
	pool->shrinker->seeks = DEFAULT_SEEKS;
	pool->shrinker->private_data = pool;
	shrinker_register(pool->shrinker);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Deferred free                                                       */
/* ------------------------------------------------------------------ */

/* A partly filled batch is collected this long after its first handle */
#define ZS_DEFER_DELAY_MS	10

/*
 * Handles per batch in pools created from now on; 0 turns deferral off.
 * The default fills one 4 KiB allocation (509 handles on 64-bit); see
 * zsmalloc.rst for the measurement behind it.
 */
#define ZS_DEFER_BATCH_DEFAULT	((SZ_4K - sizeof(struct zs_defer_batch)) / \
				 sizeof(unsigned long))
static unsigned int zs_defer_batch_param = ZS_DEFER_BATCH_DEFAULT;
#define ZS_DEFER_BATCH_MAX	4096

/*
 * Beyond its reserve a pool allocates batches while a backlog lasts
 * (a process exiting frees far faster than any worker), as long as they
 * take at most 1/ZS_DEFER_GROW_RATIO of the pool's own memory: memory
 * that the frees they hold are about to give back.
 */
#define ZS_DEFER_GROW_RATIO	64

static struct workqueue_struct *zs_defer_wq;
static enum cpuhp_state zs_defer_cpuhp_state;

/* Queue @batch for the worker.  Called with pool->defer_lock. */
static void defer_queue_full(struct zs_pool *pool, struct zs_defer_batch *batch)
{
	list_add_tail(&batch->list, &pool->defer_full);
	pool->defer_queued += batch->nr;
}

static struct zs_defer_batch *defer_alloc_batch(struct zs_pool *pool,
						gfp_t gfp)
{
	struct zs_defer_batch *batch;

	batch = kmalloc(struct_size(batch, handles, pool->defer_batch), gfp);
	if (batch)
		batch->nr = 0;
	return batch;
}

/* May the pool allocate one more batch?  Called with pool->defer_lock. */
static bool defer_may_grow(struct zs_pool *pool)
{
	u64 extra = pool->defer_nr_batches + 1 - pool->defer_reserve;
	u64 pool_bytes = (u64)atomic_long_read(&pool->pages_allocated) <<
			 PAGE_SHIFT;

	return extra * ZS_DEFER_GROW_RATIO *
	       struct_size_t(struct zs_defer_batch, handles, pool->defer_batch)
	       <= pool_bytes;
}

/*
 * Hand @full (if any) to the worker and return an empty batch: a spare
 * one, or a new one while the backlog may grow; NULL if neither.  Called
 * with the CPU's batch lock, so the allocation cannot sleep.
 */
static struct zs_defer_batch *defer_swap_batch(struct zs_pool *pool,
					       struct zs_defer_batch *full)
{
	struct zs_defer_batch *empty;
	bool grow = false;

	spin_lock(&pool->defer_lock);
	if (full)
		defer_queue_full(pool, full);
	empty = list_first_entry_or_null(&pool->defer_empty,
					 struct zs_defer_batch, list);
	if (empty) {
		list_del(&empty->list);
	} else if (defer_may_grow(pool)) {
		pool->defer_nr_batches++;
		grow = true;
	}
	spin_unlock(&pool->defer_lock);
	if (full)
		queue_work(zs_defer_wq, &pool->defer_work);
	if (!grow)
		return empty;

	empty = defer_alloc_batch(pool, GFP_NOWAIT | __GFP_NOWARN);
	if (empty) {
		atomic_long_inc(&pool->events.deferred_grown);
	} else {
		spin_lock(&pool->defer_lock);
		pool->defer_nr_batches--;
		spin_unlock(&pool->defer_lock);
	}
	return empty;
}

/**
 * zs_free_deferred - free an object later, in a batch
 * @pool: pool the object was allocated from
 * @handle: handle returned by zs_malloc(); NULL and error values are ignored
 *
 * The caller gives up @handle at once, as with zs_free(), but the object's
 * slot is freed later by a worker that frees many handles per class lock.
 * Until then the object's pages count in zs_get_total_pages().  Pending
 * frees drain by themselves within a few milliseconds; call
 * zs_free_deferred_flush() to wait for them.  If the pool has deferral off
 * or no empty batch is left, the object is freed before the call returns.
 * May be called wherever zs_free() may.
 */
void zs_free_deferred(struct zs_pool *pool, unsigned long handle)
{
	struct zs_defer_batch *batch;
	struct zs_defer_cpu *dc;

	if (IS_ERR_OR_NULL((void *)handle) ||
	    handle_is_freed(pool, handle, _RET_IP_))
		return;
	if (!pool->defer_batch) {
		free_obj(pool, handle);
		return;
	}

	/* Any CPU's batch is correct under its lock; ours is uncontended */
	dc = raw_cpu_ptr(pool->defer_cpu);
	spin_lock(&dc->lock);
	batch = dc->cur;
	if (unlikely(!batch || batch->nr == pool->defer_batch)) {
		batch = defer_swap_batch(pool, batch);
		dc->cur = batch;
	}
	if (likely(batch)) {
		batch->handles[batch->nr++] = handle;
		dc->deferred++;
		if (batch->nr == 1)
			queue_delayed_work(zs_defer_wq, &pool->defer_timer,
					   msecs_to_jiffies(ZS_DEFER_DELAY_MS));
		spin_unlock(&dc->lock);
		return;
	}
	dc->sync++;
	spin_unlock(&dc->lock);
	free_obj(pool, handle);
}
EXPORT_SYMBOL_GPL(zs_free_deferred);

/*
 * The worker frees a batch lock by lock: a lock "domain" is a class, or a
 * bin of a packed pool.  The domain of a handle never changes.
 */
static unsigned int defer_nr_domains(struct zs_pool *pool)
{
	return zs_pool_packed(pool) ? pool->nr_bins : pool->nr_classes;
}

static unsigned int handle_domain(struct zs_pool *pool, unsigned long handle)
{
	if (zs_pool_packed(pool))
		return pk_obj_bin(pool, handle_to_obj(handle))->id;
	return handle_class(pool, handle)->id;
}

/*
 * Sort @batch by domain into pool->defer_sorted: a counting sort on the
 * domain id.  defer_pos[c] .. defer_pos[c + 1] is then domain c's run.
 * A handle already freed is reported and dropped, from the batch too.
 * Returns how many handles are left.  Worker only.
 */
static unsigned int defer_sort(struct zs_pool *pool,
			       struct zs_defer_batch *batch)
{
	unsigned int nr_domains = defer_nr_domains(pool);
	unsigned int *pos = pool->defer_pos;
	unsigned int i, c, nr = 0;

	memset(pos, 0, (nr_domains + 1) * sizeof(*pos));
	relocate_read_lock(pool);
	for (i = 0; i < batch->nr; i++) {
		unsigned long handle = batch->handles[i];

		if (handle_is_freed(pool, handle, _RET_IP_))
			continue;
		batch->handles[nr++] = handle;
		pos[handle_domain(pool, handle) + 1]++;
	}
	for (c = 1; c <= nr_domains; c++)
		pos[c] += pos[c - 1];
	for (i = 0; i < nr; i++) {
		unsigned long handle = batch->handles[i];

		pool->defer_sorted[pos[handle_domain(pool, handle)]++] = handle;
	}
	relocate_read_unlock(pool);
	/* Each pos[c] now ends domain c's run: shift them back to starts */
	memmove(pos + 1, pos, nr_domains * sizeof(*pos));
	pos[0] = 0;
	return nr;
}

/*
 * Free the objects of domain @id's run of sorted handles under its lock
 * (dropped only when someone needs the CPU or the lock) and store the
 * handles freed at @out, which may overlap the run but never runs ahead of
 * it.  Returns how many were freed.
 */
static unsigned int defer_free_run(struct zs_pool *pool, unsigned int id,
				   const unsigned long *handles,
				   unsigned int nr, unsigned long *out,
				   struct list_head *empty)
{
	bool packed = zs_pool_packed(pool);
	spinlock_t *lock = packed ? &pool->bins[id].lock :
				    &pool->classes[id].lock;
	unsigned int i, freed = 0;

	spin_lock(lock);
	for (i = 0; i < nr; i++) {
		unsigned long handle = handles[i];

		/* A handle deferred twice is freed the first time only */
		if (handle_is_freed(pool, handle, _RET_IP_))
			continue;
		if (packed)
			pk_free_obj(&pool->bins[id], handle, empty);
		else
			class_free_obj(&pool->classes[id], handle, empty);
		mark_handle_freed(handle);
		out[freed++] = handle;
		cond_resched_lock(lock);
	}
	spin_unlock(lock);
	return freed;
}

/* Free every object of @batch, domain by domain.  Worker only. */
static void defer_free_batch(struct zs_pool *pool,
			     struct zs_defer_batch *batch)
{
	unsigned long *sorted = pool->defer_sorted;
	unsigned int *pos = pool->defer_pos;
	unsigned int c, nr, freed = 0;
	LIST_HEAD(empty);

	nr = defer_sort(pool, batch);
	for (c = 0; c < defer_nr_domains(pool); c++) {
		unsigned int len = pos[c + 1] - pos[c];

		/* sorted + freed <= sorted + pos[c]: packing never overtakes */
		if (len)
			freed += defer_free_run(pool, c, sorted + pos[c], len,
						sorted + freed, &empty);
	}
	/*
	 * Give the handle words back in the batch's order: handles allocated
	 * together share slabs, and the bulk free groups neighbours of one
	 * slab.  Only a handle deferred twice (caught with CONFIG_DEBUG_VM)
	 * makes the two lists differ; then the packed one is right.
	 */
	kmem_cache_free_bulk(zs_handle_cache, freed,
			     (void **)(freed == nr ? batch->handles : sorted));
	free_zspages(pool, &empty);
	atomic_long_add(freed, &pool->events.deferred_drained);
	atomic_long_inc(&pool->events.deferred_batches);
}

static void defer_worker(struct work_struct *work)
{
	struct zs_pool *pool = container_of(work, struct zs_pool, defer_work);
	struct zs_defer_batch *batch;

	for (;;) {
		spin_lock(&pool->defer_lock);
		batch = list_first_entry_or_null(&pool->defer_full,
						 struct zs_defer_batch, list);
		if (READ_ONCE(pool->defer_held))
			batch = NULL;
		if (batch)
			list_del(&batch->list);
		spin_unlock(&pool->defer_lock);
		if (!batch)
			return;

		defer_free_batch(pool, batch);

		spin_lock(&pool->defer_lock);
		pool->defer_queued -= batch->nr;
		batch->nr = 0;
		if (pool->defer_nr_batches > pool->defer_reserve) {
			/* the backlog is shrinking: give back a grown batch */
			pool->defer_nr_batches--;
		} else {
			list_add(&batch->list, &pool->defer_empty);
			batch = NULL;
		}
		spin_unlock(&pool->defer_lock);
		kfree(batch);
		cond_resched();
	}
}

/* Hand @cpu's partly filled batch to the worker; true if it had one */
static bool defer_collect_cpu(struct zs_pool *pool, unsigned int cpu)
{
	struct zs_defer_cpu *dc = per_cpu_ptr(pool->defer_cpu, cpu);
	struct zs_defer_batch *batch;

	spin_lock(&dc->lock);
	batch = dc->cur;
	if (batch && batch->nr) {
		spin_lock(&pool->defer_lock);
		defer_queue_full(pool, batch);
		spin_unlock(&pool->defer_lock);
		dc->cur = NULL;		/* the next free takes an empty batch */
	} else {
		batch = NULL;
	}
	spin_unlock(&dc->lock);
	return batch;
}

/* Hand every CPU's partly filled batch to the worker */
static bool defer_collect(struct zs_pool *pool)
{
	bool found = false;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		found |= defer_collect_cpu(pool, cpu);
	if (found)
		queue_work(zs_defer_wq, &pool->defer_work);
	return found;
}

/* The delay after a batch's first handle is over: collect what is left */
static void defer_timer_fn(struct work_struct *work)
{
	struct zs_pool *pool = container_of(to_delayed_work(work),
					    struct zs_pool, defer_timer);

	if (!READ_ONCE(pool->defer_held) && defer_collect(pool))
		atomic_long_inc(&pool->events.deferred_timer_drains);
}

static void defer_flush(struct zs_pool *pool)
{
	if (!pool->defer_batch)
		return;
	defer_collect(pool);
	flush_work(&pool->defer_work);
}

/**
 * zs_free_deferred_flush - wait for deferred frees
 * @pool: the pool
 *
 * Returns once every object passed to zs_free_deferred() before the call
 * is freed and its emptied zspages released (or, for a zspage whose page
 * the VM holds locked, handed to the pool's page-free worker).  Sleeps.
 */
void zs_free_deferred_flush(struct zs_pool *pool)
{
	defer_flush(pool);
}
EXPORT_SYMBOL_GPL(zs_free_deferred_flush);

/*
 * zs_malloc() needs a new zspage for @class: first free the handles of
 * @class pending in this CPU's batch, leaving the others there.  Returns
 * true if that freed any.
 */
static bool defer_free_early(struct zs_pool *pool, struct size_class *class)
{
	struct zs_defer_batch *batch;
	unsigned int i, kept = 0;
	struct zs_defer_cpu *dc;
	LIST_HEAD(empty);

	if (!pool->defer_batch)
		return false;
	dc = raw_cpu_ptr(pool->defer_cpu);
	spin_lock(&dc->lock);
	batch = dc->cur;
	if (!batch || !batch->nr) {
		spin_unlock(&dc->lock);
		return false;
	}
	relocate_read_lock(pool);
	spin_lock(&class->lock);
	for (i = 0; i < batch->nr; i++) {
		unsigned long handle = batch->handles[i];

		if (handle_is_freed(pool, handle, _RET_IP_))
			continue;
		if (handle_class(pool, handle) != class) {
			batch->handles[kept++] = handle;
			continue;
		}
		class_free_obj(class, handle, &empty);
		free_handle(handle);
	}
	spin_unlock(&class->lock);
	relocate_read_unlock(pool);
	i = batch->nr - kept;
	batch->nr = kept;
	spin_unlock(&dc->lock);

	free_zspages(pool, &empty);
	atomic_long_add(i, &pool->events.deferred_early);
	return i;
}

/* A CPU is gone: whatever it left pending goes to the worker */
static int defer_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct zs_pool *pool = hlist_entry(node, struct zs_pool, defer_cpuhp);

	if (defer_collect_cpu(pool, cpu)) {
		atomic_long_inc(&pool->events.deferred_cpu_drains);
		queue_work(zs_defer_wq, &pool->defer_work);
	}
	return 0;
}

/* Free deferral's memory; every batch is empty, spare or a CPU's */
static void defer_release(struct zs_pool *pool)
{
	struct zs_defer_batch *batch, *tmp;
	unsigned int cpu;

	list_for_each_entry_safe(batch, tmp, &pool->defer_empty, list)
		kfree(batch);
	for_each_possible_cpu(cpu) {
		if (pool->defer_cpu)
			kfree(per_cpu_ptr(pool->defer_cpu, cpu)->cur);
	}
	pool->defer_batch = 0;
	kfree(pool->defer_pos);
	kvfree(pool->defer_sorted);
	free_percpu(pool->defer_cpu);
}

/*
 * Set up deferred free for a new pool: two batches per possible CPU, so
 * each CPU can fill one while the worker frees another.  Without the
 * memory, the pool just frees at once.
 */
static void defer_init(struct zs_pool *pool)
{
	unsigned int batch = READ_ONCE(zs_defer_batch_param);
	unsigned int cpu;
	bool ok = true;

	spin_lock_init(&pool->defer_lock);
	INIT_LIST_HEAD(&pool->defer_empty);
	INIT_LIST_HEAD(&pool->defer_full);
	INIT_WORK(&pool->defer_work, defer_worker);
	INIT_DELAYED_WORK(&pool->defer_timer, defer_timer_fn);
	if (!batch || !zs_defer_wq)
		return;

	pool->defer_batch = batch;
	pool->defer_reserve = 2 * num_possible_cpus();
	for (; ok && pool->defer_nr_batches < pool->defer_reserve;
	     pool->defer_nr_batches++) {
		struct zs_defer_batch *b = defer_alloc_batch(pool, GFP_KERNEL);

		if (b)
			list_add_tail(&b->list, &pool->defer_empty);
		ok = b;
	}
	pool->defer_cpu = alloc_percpu(struct zs_defer_cpu);
	pool->defer_sorted = kvmalloc_array(batch, sizeof(unsigned long),
					    GFP_KERNEL);
	pool->defer_pos = kcalloc(pool->nr_classes + 1, sizeof(unsigned int),
				  GFP_KERNEL);
	if (!ok || !pool->defer_cpu || !pool->defer_sorted || !pool->defer_pos ||
	    cpuhp_state_add_instance_nocalls(zs_defer_cpuhp_state,
					     &pool->defer_cpuhp)) {
		pr_warn("pool %s: no memory for deferred free, freeing at once\n",
			pool->name);
		defer_release(pool);
		return;
	}
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(pool->defer_cpu, cpu)->lock);
}

/* Free everything pending, then the memory deferral used */
static void defer_destroy(struct zs_pool *pool)
{
	if (!pool->defer_batch)
		return;
	cpuhp_state_remove_instance_nocalls(zs_defer_cpuhp_state,
					    &pool->defer_cpuhp);
	WRITE_ONCE(pool->defer_held, false);
	cancel_delayed_work_sync(&pool->defer_timer);
	defer_flush(pool);
	defer_release(pool);
}

/* Handles waiting now, in batches being filled or queued (racy sum) */
static unsigned long defer_pending(struct zs_pool *pool)
{
	unsigned long pending;
	unsigned int cpu;

	if (!pool->defer_batch)
		return 0;
	pending = READ_ONCE(pool->defer_queued);
	for_each_possible_cpu(cpu) {
		struct zs_defer_batch *batch;

		batch = READ_ONCE(per_cpu_ptr(pool->defer_cpu, cpu)->cur);
		if (batch)
			pending += READ_ONCE(batch->nr);
	}
	return pending;
}

/* Sum of one per-CPU counter of deferred free */
static unsigned long defer_cpu_sum(struct zs_pool *pool, size_t offset)
{
	unsigned long sum = 0;
	unsigned int cpu;

	if (!pool->defer_batch)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(unsigned long *)
				 ((char *)per_cpu_ptr(pool->defer_cpu, cpu) +
				  offset));
	return sum;
}

/* Batches the pool holds now, reserve included */
static unsigned long defer_batches_now(struct zs_pool *pool)
{
	return READ_ONCE(pool->defer_nr_batches);
}

static unsigned long defer_deferred(struct zs_pool *pool)
{
	return defer_cpu_sum(pool, offsetof(struct zs_defer_cpu, deferred));
}

static unsigned long defer_sync(struct zs_pool *pool)
{
	return defer_cpu_sum(pool, offsetof(struct zs_defer_cpu, sync));
}

static int zs_defer_batch_set(const char *val, const struct kernel_param *kp)
{
	return zs_param_set_max(val, kp, ZS_DEFER_BATCH_MAX);
}

static const struct kernel_param_ops zs_defer_batch_ops = {
	.set = zs_defer_batch_set,
	.get = param_get_uint,
};
module_param_cb(deferred_batch, &zs_defer_batch_ops, &zs_defer_batch_param,
		0644);
MODULE_PARM_DESC(deferred_batch,
		 "handles per per-CPU deferred-free batch of new pools (0: off)");

/* ------------------------------------------------------------------ */
/* Statistics and debugfs                                              */
/* ------------------------------------------------------------------ */

/**
 * zs_get_total_pages - number of pages the pool's zspages occupy
 * @pool: the pool
 *
 * Return: pages allocated for zspages, including empty zspages still
 * waiting for the free worker.
 */
unsigned long zs_get_total_pages(struct zs_pool *pool)
{
	return atomic_long_read(&pool->pages_allocated);
}
EXPORT_SYMBOL_GPL(zs_get_total_pages);

/**
 * zs_pool_stats - add the pool's counters to @stats
 * @pool: the pool
 * @stats: where pages_compacted is accumulated
 */
void zs_pool_stats(struct zs_pool *pool, struct zs_pool_stats *stats)
{
	atomic_long_add(atomic_long_read(&pool->stats.pages_compacted),
			&stats->pages_compacted);
}
EXPORT_SYMBOL_GPL(zs_pool_stats);

/**
 * zs_huge_class_size - smallest object size that gets a page of its own
 * @pool: the pool
 *
 * Objects of this size or larger are stored one per page, so callers such
 * as zram may as well store the data uncompressed.
 *
 * Return: the size in bytes.
 */
size_t zs_huge_class_size(struct zs_pool *pool)
{
	return pool->max_shared_size - ZS_HANDLE_SIZE + 1;
}
EXPORT_SYMBOL_GPL(zs_huge_class_size);

/**
 * zs_lookup_class_index - class index that stores objects of @size
 * @pool: the pool
 * @size: object size, as it would be passed to zs_malloc()
 *
 * Two sizes with the same index take the same room in the pool.
 *
 * Return: the index, as in the "class" column of the debugfs table.
 */
unsigned int zs_lookup_class_index(struct zs_pool *pool, unsigned int size)
{
	return obj_class(pool, clamp_t(unsigned int, size, 1, PAGE_SIZE))->index;
}
EXPORT_SYMBOL_GPL(zs_lookup_class_index);

/*
 * The pool's counters, by name: debugfs "stats", one per line.  Each is an
 * atomic_long_t in zs_pool, or computed by @get.
 */
#define ZS_EVENT(name)	{ #name, offsetof(struct zs_pool, events.name) }
static const struct {
	const char *name;
	size_t offset;
	unsigned long (*get)(struct zs_pool *pool);
} zs_pool_counters[] = {
	{ "pages_allocated", offsetof(struct zs_pool, pages_allocated) },
	{ "pages_compacted", offsetof(struct zs_pool, stats.pages_compacted) },
	ZS_EVENT(borrowed),
	ZS_EVENT(zspages_slid),
	ZS_EVENT(pages_migrated),
	ZS_EVENT(migrations_refused),
	ZS_EVENT(zspages_freed_async),
	ZS_EVENT(double_frees),
	{ "deferred", 0, defer_deferred },
	ZS_EVENT(deferred_drained),
	ZS_EVENT(deferred_batches),
	ZS_EVENT(deferred_early),
	{ "deferred_sync", 0, defer_sync },
	ZS_EVENT(deferred_timer_drains),
	ZS_EVENT(deferred_cpu_drains),
	ZS_EVENT(deferred_grown),
	{ "deferred_pending", 0, defer_pending },
	{ "deferred_batches_now", 0, defer_batches_now },
};

/* Read by debugfs and by KUnit: a kernel with neither has no use for it */
static unsigned long __maybe_unused zs_pool_counter(struct zs_pool *pool,
						    unsigned int i)
{
	if (zs_pool_counters[i].get)
		return zs_pool_counters[i].get(pool);
	return atomic_long_read((atomic_long_t *)((char *)pool +
						  zs_pool_counters[i].offset));
}

#ifdef CONFIG_ZSMALLOC_STAT
static struct dentry *zs_stat_root;

/* The "classes" table of a packed pool: one row per bin */
static int zs_bins_show(struct seq_file *s, struct zs_pool *pool)
{
	unsigned int i;

	seq_printf(s, " %5s %9s %9s %10s %12s %12s %10s %8s\n", "bin",
		   "zspages", "huge", "obj_used", "bytes_used", "bytes_live",
		   "pages_used", "freeable");
	for (i = 0; i < pool->nr_bins; i++) {
		struct zs_bin *bin = &pool->bins[i];
		unsigned long zspages, huge, objs, used, live;

		spin_lock(&bin->lock);
		zspages = bin->nr_zspages;
		huge = bin->nr_huge;
		objs = bin->objs;
		used = bin->used;
		live = bin->live;
		spin_unlock(&bin->lock);
		seq_printf(s, " %5u %9lu %9lu %10lu %12lu %12lu %10lu %8lu\n",
			   i, zspages, huge, objs, used, live,
			   (zspages << pool->order) + huge,
			   pk_freeable_pages(bin));
	}
	return 0;
}

static int zs_classes_show(struct seq_file *s, void *v)
{
	struct zs_pool *pool = s->private;
	unsigned long totals[ZS_NR_GROUPS] = { };
	unsigned long t_alloc = 0, t_used = 0, t_pages = 0, t_free = 0;
	unsigned int i;
	int g;

	if (zs_pool_packed(pool))
		return zs_bins_show(s, pool);

	seq_printf(s, " %5s %5s", "class", "size");
	for (g = ZS_GROUP_10; g <= ZS_GROUP_99; g++) {
		if (g == ZS_GROUP_99)
			seq_printf(s, " %9s", "99%");
		else
			seq_printf(s, " %8d%%", (g - ZS_GROUP_10 + 1) * 10);
	}
	seq_printf(s, " %9s %13s %10s %10s %16s %8s\n", "100%",
		   "obj_allocated", "obj_used", "pages_used",
		   "pages_per_zspage", "freeable");

	for (i = 0; i < pool->nr_classes; i++) {
		struct size_class *class = &pool->classes[i];
		unsigned long groups[ZS_NR_GROUPS];
		unsigned long alloc, used, pages, freeable;

		spin_lock(&class->lock);
		memcpy(groups, class->nr_in_group, sizeof(groups));
		alloc = class->nr_zspages * class->objs_per_zspage;
		used = class->objs_used;
		pages = class->nr_zspages * class->pages_per_zspage;
		spin_unlock(&class->lock);
		freeable = class_freeable_pages(class);

		seq_printf(s, " %5u %5u", class->index, class->size);
		for (g = ZS_GROUP_10; g < ZS_NR_GROUPS; g++) {
			seq_printf(s, " %9lu", groups[g]);
			totals[g] += groups[g];
		}
		seq_printf(s, " %13lu %10lu %10lu %16u %8lu\n", alloc, used,
			   pages, class->pages_per_zspage, freeable);
		t_alloc += alloc;
		t_used += used;
		t_pages += pages;
		t_free += freeable;
	}

	seq_printf(s, "\n %5s %5s", "Total", "");
	for (g = ZS_GROUP_10; g < ZS_NR_GROUPS; g++)
		seq_printf(s, " %9lu", totals[g]);
	seq_printf(s, " %13lu %10lu %10lu %16s %8lu\n", t_alloc, t_used,
		   t_pages, "", t_free);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zs_classes);

static int zs_stats_show(struct seq_file *s, void *v)
{
	struct zs_pool *pool = s->private;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zs_pool_counters); i++)
		seq_printf(s, "%-20s %lu\n", zs_pool_counters[i].name,
			   zs_pool_counter(pool, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zs_stats);

static void zs_stat_init(void)
{
	zs_stat_root = debugfs_create_dir("zsmalloc", NULL);
}

static void zs_stat_exit(void)
{
	debugfs_remove_recursive(zs_stat_root);
}

static void zs_pool_stat_create(struct zs_pool *pool)
{
	if (IS_ERR_OR_NULL(zs_stat_root))
		return;
	pool->stat_dentry = debugfs_create_dir(pool->name, zs_stat_root);
	if (IS_ERR(pool->stat_dentry)) {
		pr_warn("no debugfs statistics for pool %s (name in use?)\n",
			pool->name);
		return;
	}
	debugfs_create_file("classes", 0444, pool->stat_dentry, pool,
			    &zs_classes_fops);
	debugfs_create_file("stats", 0444, pool->stat_dentry, pool,
			    &zs_stats_fops);
}

static void zs_pool_stat_destroy(struct zs_pool *pool)
{
	debugfs_remove_recursive(pool->stat_dentry);
}
#else
static void zs_stat_init(void) { }
static void zs_stat_exit(void) { }
static void zs_pool_stat_create(struct zs_pool *pool) { }
static void zs_pool_stat_destroy(struct zs_pool *pool) { }
#endif

/* ------------------------------------------------------------------ */
/* Pool creation and destruction                                       */
/* ------------------------------------------------------------------ */

static unsigned int zs_default_order =
	MIN(ilog2(CONFIG_ZSMALLOC_CHAIN_SIZE), ZS_MAX_ZSPAGE_ORDER);
static unsigned int zs_borrow_steps = ZS_BORROW_STEPS_DEFAULT;

static int zs_order_param_set(const char *val, const struct kernel_param *kp)
{
	return zs_param_set_max(val, kp, ZS_MAX_ZSPAGE_ORDER);
}

static const struct kernel_param_ops zs_order_param_ops = {
	.set = zs_order_param_set,
	.get = param_get_uint,
};
module_param_cb(zspage_order, &zs_order_param_ops, &zs_default_order, 0644);
MODULE_PARM_DESC(zspage_order,
		 "zspages of new pools have at most 2^order pages (0..4)");

static int zs_borrow_param_set(const char *val, const struct kernel_param *kp)
{
	return zs_param_set_max(val, kp, ZS_BORROW_STEPS_MAX);
}

static const struct kernel_param_ops zs_borrow_param_ops = {
	.set = zs_borrow_param_set,
	.get = param_get_uint,
};
module_param_cb(borrow_steps, &zs_borrow_param_ops, &zs_borrow_steps, 0644);
MODULE_PARM_DESC(borrow_steps,
		 "new pools: a closed class borrows slots up to this many size steps larger (0: classes start open)");

/* Packed pools where the obj has room for them (64-bit), else classes */
static bool zs_packed = ZS_PK_BIN_BITS;
module_param_named(packed, zs_packed, bool, 0644);
MODULE_PARM_DESC(packed,
		 "new pools store objects without size classes (64-bit only; default on)");

/* @pool has size classes: zs_pool_packed() must look (see zs_class_pools) */
static void count_class_pool(struct zs_pool *pool)
{
	static_branch_inc(&zs_class_pools);
	pool->class_key = true;
}

static struct zs_pool *create_pool(const char *name, unsigned int order,
				   bool packed)
{
	struct zs_pool *pool;

	if (order > ZS_MAX_ZSPAGE_ORDER)
		return NULL;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return NULL;

	pool->order = order;
	pool->borrow_steps = READ_ONCE(zs_borrow_steps);
	if (ZS_PK_BIN_BITS && !packed)
		count_class_pool(pool);
	spin_lock_init(&pool->free_lock);
	INIT_LIST_HEAD(&pool->free_list);
	INIT_WORK(&pool->free_work, zs_free_worker);
#if ZS_OBJ_CLASS_BITS == 0
	rwlock_init(&pool->relocate_lock);
#endif
	pool->name = kstrdup(name, GFP_KERNEL);
	if (!pool->name || zs_build_classes(pool))
		goto err;
	if (ZS_PK_BIN_BITS && packed && pk_init_bins(pool))
		goto err;
	defer_init(pool);

	if (zs_register_shrinker(pool))
		goto err;

	zs_pool_stat_create(pool);
	return pool;

err:
	/* a pool that failed to get its bins is no packed pool */
	if (ZS_PK_BIN_BITS && !pool->nr_bins && !pool->class_key)
		count_class_pool(pool);
	zs_destroy_pool(pool);
	return NULL;
}

/**
 * zs_create_pool_order - create a pool with a given zspage order
 * @name: pool name, unique among pools (it names the debugfs directory)
 * @order: zspages have at most 2^@order pages, 0..ZS_MAX_ZSPAGE_ORDER
 *
 * The pool is packed (no size classes) if the zsmalloc.packed parameter
 * says so now (the default where the obj has room for it: 64-bit).
 *
 * Return: the pool, or NULL on failure or an order out of range.
 */
struct zs_pool *zs_create_pool_order(const char *name, unsigned int order)
{
	return create_pool(name, order, READ_ONCE(zs_packed));
}
EXPORT_SYMBOL_GPL(zs_create_pool_order);

/**
 * zs_create_pool - create a pool with the default zspage order
 * @name: pool name, unique among pools (it names the debugfs directory)
 *
 * The order is the zsmalloc.zspage_order parameter's value now.
 *
 * Return: the pool, or NULL on failure.
 */
struct zs_pool *zs_create_pool(const char *name)
{
	return zs_create_pool_order(name, READ_ONCE(zs_default_order));
}
EXPORT_SYMBOL_GPL(zs_create_pool);

/**
 * zs_pool_order - the zspage order of a pool
 * @pool: the pool
 *
 * Return: N such that @pool's zspages have at most 2^N pages.
 */
unsigned int zs_pool_order(struct zs_pool *pool)
{
	return pool->order;
}
EXPORT_SYMBOL_GPL(zs_pool_order);

/* Free the handles of objects left in @zspage.  Called with class->lock. */
static void drop_zspage_handles(struct size_class *class, struct zspage *zspage)
{
	unsigned int idx;

	for (idx = 0; idx < zspage->fresh; idx++) {
		unsigned long handle = slot_handle(class, zspage, idx);

		if (handle)
			free_handle(handle);
	}
	class->objs_used -= zspage->inuse;
	zspage->inuse = 0;
}

/**
 * zs_destroy_pool - destroy a pool
 * @pool: pool to destroy, or NULL
 *
 * All objects should have been freed; frees still deferred are done
 * first.  Objects still stored are reported and their pages freed; their
 * handles become invalid.
 */
void zs_destroy_pool(struct zs_pool *pool)
{
	unsigned int i;
	int g;

	if (!pool)
		return;

	zs_pool_stat_destroy(pool);
	shrinker_free(pool->shrinker);
	defer_destroy(pool);
	flush_work(&pool->free_work);

	for (i = 0; i < pool->nr_bins; i++)
		pk_destroy_bin(pool, &pool->bins[i]);

	for (i = 0; pool->classes && i < pool->nr_classes; i++) {
		struct size_class *class = &pool->classes[i];

		if (class->objs_used)
			pr_warn("pool %s destroyed with %lu objects in class %u\n",
				pool->name, class->objs_used, class->index);
		for (g = ZS_GROUP_EMPTY; g < ZS_NR_GROUPS; g++) {
			struct zspage *zspage, *tmp;

			list_for_each_entry_safe(zspage, tmp, &class->groups[g],
						 list) {
				spin_lock(&class->lock);
				drop_zspage_handles(class, zspage);
				class_remove_zspage(class, zspage);
				spin_unlock(&class->lock);
				free_zspage(pool, zspage);
			}
		}
	}
	flush_work(&pool->free_work);

	kvfree(pool->bins);
	kvfree(pool->classes);
	kfree(pool->step_class);
	kfree(pool->name);
	if (pool->class_key)
		static_branch_dec(&zs_class_pools);
	kfree(pool);
}
EXPORT_SYMBOL_GPL(zs_destroy_pool);

/* ------------------------------------------------------------------ */
/* KUnit introspection                                                 */
/* ------------------------------------------------------------------ */

#if IS_ENABLED(CONFIG_KUNIT)

unsigned int zs_slot_index_bits(void)
{
	return ZS_SLOT_INDEX_BITS;
}
EXPORT_SYMBOL_IF_KUNIT(zs_slot_index_bits);

unsigned int zs_pool_min_alloc_size(struct zs_pool *pool)
{
	return pool->min_size;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_min_alloc_size);

unsigned int zs_pool_nr_classes(struct zs_pool *pool)
{
	return pool->nr_classes;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_nr_classes);

int zs_pool_class_geometry(struct zs_pool *pool, unsigned int class_id,
			   struct zs_class_geometry *geo)
{
	struct size_class *class;

	if (class_id >= pool->nr_classes)
		return -EINVAL;
	class = &pool->classes[class_id];
	geo->index = class->index;
	geo->size = class->size;
	geo->pages_per_zspage = class->pages_per_zspage;
	geo->objs_per_zspage = class->objs_per_zspage;
	geo->huge = class->huge;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_class_geometry);

/*
 * Step @step of the geometry for pages of @page_size bytes, zspages of at
 * most 2^@order pages and objs with @index_bits of slot index: its slot
 * size and chain.  -ERANGE past the last step (the page-sized one).
 */
int zs_geometry_step(unsigned long page_size, unsigned int order,
		     unsigned int index_bits, unsigned int step,
		     unsigned int *size, unsigned int *pages)
{
	struct zs_geometry geo = {
		.page_size = page_size,
		.order = order,
		.index_bits = index_bits,
	};

	if (!is_power_of_2(page_size) || page_size < SZ_4K ||
	    order > ZS_MAX_ZSPAGE_ORDER || index_bits > BITS_PER_LONG ||
	    step >= geo_nr_steps(&geo))
		return -ERANGE;
	*size = geo_step_size(&geo, geo_min_size(&geo), step);
	*pages = geo_chain(&geo, *size);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(zs_geometry_step);

/* The chain zsmalloc picks for @size with pages of @page_size bytes */
unsigned int zs_chain_for_page_size(unsigned int size, unsigned int max_pages,
				    unsigned long page_size)
{
	return zs_best_chain(size, max_pages, page_size);
}
EXPORT_SYMBOL_IF_KUNIT(zs_chain_for_page_size);

/*
 * Close every class of an empty @pool that may borrow @steps steps up
 * (0: open them all, each object in the class of its size).
 */
void zs_pool_set_borrow_steps(struct zs_pool *pool, unsigned int steps)
{
	unsigned int i;

	pool->borrow_steps = min(steps, ZS_BORROW_STEPS_MAX);
	for (i = 0; i < pool->nr_classes; i++)
		class_start(pool, &pool->classes[i]);
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_set_borrow_steps);

int zs_size_to_class_id(struct zs_pool *pool, size_t size)
{
	if (!size || size > PAGE_SIZE)
		return -EINVAL;
	return obj_class(pool, size)->id;
}
EXPORT_SYMBOL_IF_KUNIT(zs_size_to_class_id);

/* A packed pool, or NULL where the obj has no room for one (32-bit) */
struct zs_pool *zs_create_packed_pool(const char *name, unsigned int order)
{
	return ZS_PK_BIN_BITS ? create_pool(name, order, true) : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(zs_create_packed_pool);

/* A pool of size classes, whatever zsmalloc.packed says */
struct zs_pool *zs_create_class_pool(const char *name, unsigned int order)
{
	return create_pool(name, order, false);
}
EXPORT_SYMBOL_IF_KUNIT(zs_create_class_pool);

bool zs_pool_is_packed(struct zs_pool *pool)
{
	return zs_pool_packed(pool);
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_is_packed);

/* In a packed pool: class_id is -1 and obj_idx the record's byte offset */
static int pk_obj_location(struct zs_pool *pool, unsigned long handle,
			   struct zs_obj_location *loc)
{
	struct zs_bin *bin = pk_lock_handle_bin(pool, handle);
	unsigned long obj = handle_to_obj(handle);

	loc->class_id = UINT_MAX;
	loc->page = pk_obj_page(obj);
	loc->obj_idx = pk_page_off(loc->page, obj);
	loc->page_idx = loc->page->index;
	spin_unlock(&bin->lock);
	return 0;
}

int zs_obj_location(struct zs_pool *pool, unsigned long handle,
		    struct zs_obj_location *loc)
{
	struct size_class *class;
	struct zspage *zspage;
	unsigned long obj;

	if (zs_pool_packed(pool))
		return pk_obj_location(pool, handle, loc);
	class = lock_handle_class(pool, handle);
	obj = handle_to_obj(handle);
	zspage = obj_to_zspage(obj);

	loc->class_id = class->id;
	loc->obj_idx = obj_to_idx(obj);
	loc->page_idx = slot_offset(class, loc->obj_idx) >> PAGE_SHIFT;
	loc->page = zspage->pages[loc->page_idx];
	spin_unlock(&class->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(zs_obj_location);

unsigned long zs_class_objs_used(struct zs_pool *pool, unsigned int class_id)
{
	return READ_ONCE(pool->classes[class_id].objs_used);
}
EXPORT_SYMBOL_IF_KUNIT(zs_class_objs_used);

unsigned long zs_class_zspages(struct zs_pool *pool, unsigned int class_id)
{
	return READ_ONCE(pool->classes[class_id].nr_zspages);
}
EXPORT_SYMBOL_IF_KUNIT(zs_class_zspages);

struct shrinker *zs_pool_shrinker(struct zs_pool *pool)
{
	return pool->shrinker;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_shrinker);

void zs_pool_flush_free(struct zs_pool *pool)
{
	defer_flush(pool);
	flush_work(&pool->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_flush_free);

/* Hold the deferred-free worker (and the timer's collection) or let go */
void zs_pool_hold_deferred(struct zs_pool *pool, bool hold)
{
	WRITE_ONCE(pool->defer_held, hold);
	if (!hold && pool->defer_batch)
		queue_work(zs_defer_wq, &pool->defer_work);
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_hold_deferred);

/* Handles per deferred-free batch of @pool; 0 if it frees at once */
unsigned int zs_pool_deferred_batch(struct zs_pool *pool)
{
	return pool->defer_batch;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_deferred_batch);

/* A counter of the debugfs "stats" file by its name, or -1 */
long zs_pool_counter_by_name(struct zs_pool *pool, const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zs_pool_counters); i++)
		if (!strcmp(zs_pool_counters[i].name, name))
			return zs_pool_counter(pool, i);
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(zs_pool_counter_by_name);
#endif

/* ------------------------------------------------------------------ */
/* zpool driver                                                        */
/* ------------------------------------------------------------------ */

#ifdef CONFIG_ZPOOL
/* zswap reaches zsmalloc through these; the gfp of the pool is unused. */
static void *zs_zpool_map(void *pool, unsigned long handle,
			  enum zpool_mapmode mm)
{
	static const enum zs_mapmode modes[] = {
		[ZPOOL_MM_RW] = ZS_MM_RW,
		[ZPOOL_MM_RO] = ZS_MM_RO,
		[ZPOOL_MM_WO] = ZS_MM_WO,
	};

	return zs_map_object(pool, handle, modes[mm]);
}

static void zs_zpool_unmap(void *pool, unsigned long handle)
{
	zs_unmap_object(pool, handle);
}

/* zpool has no length for reads: the whole slot, at most a page */
static void *zs_zpool_obj_read_begin(void *pool, unsigned long handle,
				     void *local_copy)
{
	return zs_obj_read_begin(pool, handle, PAGE_SIZE, local_copy);
}

static void zs_zpool_obj_read_end(void *pool, unsigned long handle,
				  void *handle_mem)
{
	zs_obj_read_end(pool, handle, PAGE_SIZE, handle_mem);
}

static void zs_zpool_obj_write(void *pool, unsigned long handle,
			       void *handle_mem, size_t mem_len)
{
	zs_obj_write(pool, handle, handle_mem, mem_len);
}

static int zs_zpool_malloc(void *pool, size_t size, gfp_t gfp,
			   unsigned long *handle)
{
	unsigned long h = zs_malloc(pool, size, gfp);

	*handle = h;
	return IS_ERR_VALUE(h) ? (int)h : 0;
}

/* zswap's frees: deferred only when zsmalloc.zpool_deferred_free is set */
static bool zs_zpool_deferred_free;
module_param_named(zpool_deferred_free, zs_zpool_deferred_free, bool, 0644);
MODULE_PARM_DESC(zpool_deferred_free,
		 "defer the frees of zpool users (zswap) like zs_free_deferred()");

static void zs_zpool_free(void *pool, unsigned long handle)
{
	if (READ_ONCE(zs_zpool_deferred_free))
		zs_free_deferred(pool, handle);
	else
		zs_free(pool, handle);
}

static u64 zs_zpool_total_pages(void *pool)
{
	return zs_get_total_pages(pool);
}

static void *zs_zpool_create(const char *name, gfp_t gfp)
{
	return zs_create_pool(name);
}

static void zs_zpool_destroy(void *pool)
{
	zs_destroy_pool(pool);
}

static struct zpool_driver zs_zpool_driver = {
	.type = "zsmalloc",
	.owner = THIS_MODULE,
	.map = zs_zpool_map,
	.unmap = zs_zpool_unmap,
	.sleep_mapped = false,		/* preemption is off while mapped */
	.obj_read_begin = zs_zpool_obj_read_begin,	/* may sleep */
	.obj_read_end = zs_zpool_obj_read_end,
	.obj_write = zs_zpool_obj_write,
	.malloc = zs_zpool_malloc,
	.malloc_support_movable = true,	/* every zspage page migrates */
	.free = zs_zpool_free,
	.total_pages = zs_zpool_total_pages,
	.create = zs_zpool_create,
	.destroy = zs_zpool_destroy,
};
MODULE_ALIAS("zpool-zsmalloc");

static void zs_zpool_register(void)
{
	zpool_register_driver(&zs_zpool_driver);
}

static void zs_zpool_unregister(void)
{
	zpool_unregister_driver(&zs_zpool_driver);
}
#else
static void zs_zpool_register(void) { }
static void zs_zpool_unregister(void) { }
#endif

/* ------------------------------------------------------------------ */
/* Init and exit                                                       */
/* ------------------------------------------------------------------ */

static int zs_cpu_prepare(unsigned int cpu)
{
	struct zs_map_area *area = per_cpu_ptr(&zs_map_area, cpu);

	area->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	return area->buf ? 0 : -ENOMEM;
}

static int zs_cpu_dead(unsigned int cpu)
{
	struct zs_map_area *area = per_cpu_ptr(&zs_map_area, cpu);

	kfree(area->buf);
	area->buf = NULL;
	return 0;
}

/*
 * Deferred free's workqueue and CPU hotplug state.  Without them pools are
 * still created, and free at once.
 */
static void zs_defer_setup(void)
{
	int ret;

	zs_defer_wq = alloc_workqueue("zs_free", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!zs_defer_wq)
		goto fail;
	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "mm/zsmalloc:defer",
				      NULL, defer_cpu_dead);
	if (ret < 0) {
		destroy_workqueue(zs_defer_wq);
		zs_defer_wq = NULL;
		goto fail;
	}
	zs_defer_cpuhp_state = ret;
	return;
fail:
	pr_warn("no deferred free: pools will free at once\n");
}

static void zs_defer_teardown(void)
{
	if (!zs_defer_wq)
		return;
	cpuhp_remove_multi_state(zs_defer_cpuhp_state);
	destroy_workqueue(zs_defer_wq);
}

static int __init zs_init(void)
{
	int ret;

	/* a slot of half a page must be addressable, and counts fit a u16 */
	BUILD_BUG_ON(ZS_OBJ_INDEX_BITS < 1);
	BUILD_BUG_ON(BIT(ZS_SLOT_INDEX_BITS) >= ZS_NO_SLOT);

	zs_handle_cache = kmem_cache_create("zs_handle", ZS_HANDLE_SIZE, 0, 0,
					    IS_ENABLED(CONFIG_DEBUG_VM) ?
					    zs_handle_ctor : NULL);
	if (!zs_handle_cache)
		return -ENOMEM;
	ret = cpuhp_setup_state(CPUHP_MM_ZS_PREPARE, "mm/zsmalloc:prepare",
				zs_cpu_prepare, zs_cpu_dead);
	if (ret) {
		kmem_cache_destroy(zs_handle_cache);
		return ret;
	}
	zs_defer_setup();
	zs_stat_init();
	zs_zpool_register();
	return 0;
}
module_init(zs_init);

static void __exit zs_exit(void)
{
	zs_zpool_unregister();
	zs_stat_exit();
	zs_defer_teardown();
	cpuhp_remove_state(CPUHP_MM_ZS_PREPARE);
	kmem_cache_destroy(zs_handle_cache);
}
module_exit(zs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("zsmalloc: allocator for compressed pages");
