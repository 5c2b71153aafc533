// SPDX-License-Identifier: GPL-2.0
/*
 * zsbench: nanoseconds per zsmalloc operation, through the 6.12 API only
 * (zs_create_pool, zs_malloc, zs_map_object, zs_unmap_object, zs_free,
 * zs_destroy_pool), so the same source builds against stock 6.12 and
 * against this series.
 *
 * For each size (the fixed ones, then "mix": the lzo-rle compressed sizes
 * of COUNT pages taken evenly from the corpus file, stored as zram would,
 * i.e. PAGE_SIZE above zs_huge_class_size()), PASSES passes of:
 *   alloc  COUNT x (zs_malloc + zs_map_object(WO) + memcpy + zs_unmap_object)
 *   read   COUNT x (zs_map_object(RO) + memcpy out + zs_unmap_object)
 *   free   COUNT x zs_free
 * in a fresh pool, timed as a whole with ktime_get_ns(). One line per pass:
 *   zsbench: size=S count=N pass=P alloc_ns=X read_ns=Y free_ns=Z
 * (ns per operation, one decimal). The work runs at module load; the module
 * then stays loaded doing nothing (rmmod it).
 *
 * threads=T (0, the default: the above, on the loading CPU): each pass runs
 * T kthreads at once, one bound to each of the first T online CPUs, all on
 * ONE pool (as zram's CPUs share its pool), each with its own COUNT objects
 * through the same three phases. The kthreads wait for each other before
 * and after every phase, so every phase is measured with all T CPUs in it,
 * from when all may start it to when the slowest has finished it. The line
 * gives that wall time per operation of all CPUs (T x COUNT operations):
 *   zsbench: size=S count=N pass=P threads=T alloc_ns=X read_ns=Y free_ns=Z
 *
 * api=obj (a kernel whose zsmalloc.h has mainline's object API; the
 * Makefile defines ZSB_OBJ_API then): alloc writes with zs_obj_write() and
 * read goes through zs_obj_read_begin()/zs_obj_read_end() instead of
 * mapping; the lines then carry " api=obj".
 */
#define pr_fmt(fmt) "zsbench: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/lzo.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/zsmalloc.h>

static unsigned int count = 8192;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "objects per size and pass");
static unsigned int passes = 3;
module_param(passes, uint, 0444);
MODULE_PARM_DESC(passes, "passes per size");
static char *corpus = "";
module_param(corpus, charp, 0444);
MODULE_PARM_DESC(corpus, "file whose pages' lzo-rle sizes make the size mix");
static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "0: on the loading CPU; N: N CPUs at once on one pool");

static char *api = "map";
module_param(api, charp, 0444);
MODULE_PARM_DESC(api, "map: zs_map_object(); obj: zs_obj_write()/zs_obj_read_begin()");
static bool use_obj_api;
#ifdef ZSB_OBJ_API
static const bool have_obj_api = true;
#else
static const bool have_obj_api;
#endif

static const unsigned int fixed_sizes[] = { 256, 1024, 2048, 3000, 3600 };
/* zram's allocation flags for a page written from reclaim. */
#define ZSB_GFP (GFP_NOIO | __GFP_NOWARN | __GFP_HIGHMEM | __GFP_MOVABLE)

/* The compressed sizes of COUNT corpus pages, as zram would store them. */
static int mix_from_corpus(unsigned short *mix, size_t huge)
{
	void *page, *dst, *wrk;
	size_t len, dlen;
	loff_t size, pos;
	struct file *f;
	unsigned int i;
	int ret = 0;

	f = filp_open(corpus, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	size = i_size_read(file_inode(f));
	page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dst = kmalloc(lzo1x_worst_compress(PAGE_SIZE), GFP_KERNEL);
	wrk = kmalloc(LZO1X_1_MEM_COMPRESS, GFP_KERNEL);
	if (!page || !dst || !wrk || size < PAGE_SIZE) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		pos = (size / PAGE_SIZE) * i / count * PAGE_SIZE;
		len = kernel_read(f, page, PAGE_SIZE, &pos);
		if (len != PAGE_SIZE) {
			ret = -EIO;
			goto out;
		}
		if (lzorle1x_1_compress(page, PAGE_SIZE, dst, &dlen, wrk) != LZO_E_OK)
			dlen = PAGE_SIZE;
		mix[i] = dlen > huge ? PAGE_SIZE : dlen;
	}
out:
	kfree(wrk);
	kfree(dst);
	kfree(page);
	filp_close(f, NULL);
	return ret;
}

/* One pass: the pool, the sizes, and (threads > 0) the workers' barrier. */
struct zsb_pass {
	struct zs_pool *pool;
	const unsigned short *sz;	/* per-object sizes, or NULL: all @fixed */
	unsigned int fixed;
	const u8 *src;
	unsigned int nthreads;
	atomic_t arrived;
	unsigned int gen;
	u64 t[4];		/* when each barrier was passed */
	struct completion done;	/* all workers passed the last barrier */
};

/* One CPU's share of a pass: its own COUNT objects. */
struct zsb_worker {
	struct zsb_pass *pass;
	unsigned long *h;
	u8 *dst;
	u8 *copy;	/* zs_obj_read_begin()'s local copy */
	int ret;
};

static int zsb_alloc(struct zsb_worker *w)
{
	struct zsb_pass *ps = w->pass;
	unsigned int i, s;
	void *p;

	for (i = 0; i < count; i++) {
		s = ps->sz ? ps->sz[i] : ps->fixed;
		w->h[i] = zs_malloc(ps->pool, s, ZSB_GFP);
		if (IS_ERR_VALUE(w->h[i])) {
			w->h[i] = 0;
			return -ENOMEM;
		}
#ifdef ZSB_OBJ_API
		if (use_obj_api) {
			zs_obj_write(ps->pool, w->h[i], (void *)ps->src, s);
			continue;
		}
#endif
		p = zs_map_object(ps->pool, w->h[i], ZS_MM_WO);
		memcpy(p, ps->src, s);
		zs_unmap_object(ps->pool, w->h[i]);
	}
	return 0;
}

static void zsb_read(struct zsb_worker *w)
{
	struct zsb_pass *ps = w->pass;
	unsigned int i, s;
	void *p;

	for (i = 0; i < count; i++) {
		s = ps->sz ? ps->sz[i] : ps->fixed;
#ifdef ZSB_OBJ_API
		if (use_obj_api) {
			p = zs_obj_read_begin(ps->pool, w->h[i], s, w->copy);
			memcpy(w->dst, p, s);
			zs_obj_read_end(ps->pool, w->h[i], s, p);
			continue;
		}
#endif
		p = zs_map_object(ps->pool, w->h[i], ZS_MM_RO);
		memcpy(w->dst, p, s);
		zs_unmap_object(ps->pool, w->h[i]);
	}
}

/* Frees every handle; those left 0 by a failed zsb_alloc() are no-ops. */
static void zsb_free(struct zsb_worker *w)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		zs_free(w->pass->pool, w->h[i]);
}

/* ns per op, times 10 (one decimal) */
static u64 ns_per_op(u64 t0, u64 t1, u64 ops)
{
	return div64_u64((t1 - t0) * 10, ops);
}

static void zsb_print(const char *name, unsigned int pass, u64 *t, u64 ops)
{
	u64 a = ns_per_op(t[0], t[1], ops);
	u64 r = ns_per_op(t[1], t[2], ops);
	u64 f = ns_per_op(t[2], t[3], ops);
	char thr[32] = "";

	if (threads)
		snprintf(thr, sizeof(thr), " threads=%u", threads);
	if (use_obj_api)
		strlcat(thr, " api=obj", sizeof(thr));
	pr_info("size=%s count=%u pass=%u%s alloc_ns=%llu.%llu read_ns=%llu.%llu free_ns=%llu.%llu\n",
		name, count, pass, thr, a / 10, a % 10, r / 10, r % 10,
		f / 10, f % 10);
}

static int one_pass(const char *name, struct zsb_pass *ps, unsigned int pass)
{
	struct zsb_worker w = { .pass = ps };
	u64 t[4];
	int ret;

	w.h = vcalloc(count, sizeof(*w.h));
	w.dst = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
	ps->pool = zs_create_pool("zsbench");
	ret = -ENOMEM;
	if (!w.h || !w.dst || !ps->pool)
		goto out;
	w.copy = w.dst + PAGE_SIZE;
	t[0] = ktime_get_ns();
	ret = zsb_alloc(&w);
	if (ret)
		goto out;
	t[1] = ktime_get_ns();
	zsb_read(&w);
	t[2] = ktime_get_ns();
	zsb_free(&w);
	t[3] = ktime_get_ns();
	memset(w.h, 0, count * sizeof(*w.h));
	zsb_print(name, pass, t, count);
out:
	if (ps->pool) {
		if (w.h)
			zsb_free(&w);
		zs_destroy_pool(ps->pool);
	}
	kfree(w.dst);
	vfree(w.h);
	return ret;
}

/*
 * All workers wait here for each other; the last one to arrive notes the
 * time, so each phase is timed from the moment every CPU may start it to
 * the moment the slowest CPU finished it.
 */
static void zsb_barrier(struct zsb_pass *ps)
{
	unsigned int gen = READ_ONCE(ps->gen);

	if (atomic_inc_return(&ps->arrived) == ps->nthreads) {
		ps->t[gen] = ktime_get_ns();
		atomic_set(&ps->arrived, 0);
		/* Pairs with the acquire below: the reset is seen first. */
		smp_store_release(&ps->gen, gen + 1);
		if (gen + 1 == ARRAY_SIZE(ps->t))
			complete(&ps->done);
		return;
	}
	/* Pairs with the release above. */
	while (smp_load_acquire(&ps->gen) == gen)
		cond_resched();
}

static int zsb_worker_fn(void *data)
{
	struct zsb_worker *w = data;

	zsb_barrier(w->pass);
	w->ret = zsb_alloc(w);
	zsb_barrier(w->pass);
	if (!w->ret)
		zsb_read(w);
	zsb_barrier(w->pass);
	zsb_free(w);
	zsb_barrier(w->pass);
	return 0;
}

/*
 * THREADS kthreads, one bound to each of the first THREADS online CPUs,
 * all on one pool (as zram's CPUs share its pool), each through its own
 * COUNT objects, phase by phase.
 */
static int threaded_pass(const char *name, struct zsb_pass *ps,
			 unsigned int pass)
{
	struct task_struct **task;
	struct zsb_worker *w;
	unsigned int i, n = 0, cpu;
	int ret = -ENOMEM;

	ps->nthreads = threads;
	atomic_set(&ps->arrived, 0);
	ps->gen = 0;
	init_completion(&ps->done);
	w = kcalloc(threads, sizeof(*w), GFP_KERNEL);
	task = kcalloc(threads, sizeof(*task), GFP_KERNEL);
	ps->pool = zs_create_pool("zsbench");
	if (!w || !task || !ps->pool)
		goto out;
	for (i = 0; i < threads; i++) {
		w[i].pass = ps;
		w[i].h = vcalloc(count, sizeof(*w[i].h));
		w[i].dst = kmalloc(2 * PAGE_SIZE, GFP_KERNEL);
		if (!w[i].h || !w[i].dst)
			goto out;
		w[i].copy = w[i].dst + PAGE_SIZE;
	}
	ret = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (n == threads)
			break;
		task[n] = kthread_create_on_cpu(zsb_worker_fn, &w[n], cpu,
						"zsbench/%u");
		if (IS_ERR(task[n])) {
			ret = PTR_ERR(task[n]);
			break;
		}
		get_task_struct(task[n++]);
	}
	if (!ret && n < threads) {
		pr_err("threads=%u but only %u CPUs online\n", threads, n);
		ret = -EINVAL;
	}
	if (!ret) {
		for (i = 0; i < n; i++)
			wake_up_process(task[i]);
		wait_for_completion(&ps->done);
	}
	/* Workers never woken exit here without running. */
	for (i = 0; i < n; i++)
		kthread_stop_put(task[i]);
	cpus_read_unlock();
	for (i = 0; !ret && i < threads; i++)
		ret = w[i].ret;
	if (!ret)
		zsb_print(name, pass, ps->t, (u64)threads * count);
out:
	if (ps->pool)
		zs_destroy_pool(ps->pool);
	for (i = 0; w && i < threads; i++) {
		kfree(w[i].dst);
		vfree(w[i].h);
	}
	kfree(task);
	kfree(w);
	return ret;
}

static int run_passes(const char *name, const unsigned short *sz,
		      unsigned int fixed, const u8 *src)
{
	struct zsb_pass ps = { .sz = sz, .fixed = fixed, .src = src };
	unsigned int p;
	int ret;

	for (p = 1; p <= passes; p++) {
		ret = threads ? threaded_pass(name, &ps, p) :
				one_pass(name, &ps, p);
		if (ret)
			return ret;
	}
	return 0;
}

static int __init zsbench_init(void)
{
	unsigned short *mix = NULL;
	struct zs_pool *pool;
	char name[16];
	u8 *src = NULL;
	unsigned int i;
	size_t huge;
	int ret = -EINVAL;

	if (!count || threads > num_online_cpus()) {
		pr_err("count=%u threads=%u: need count > 0, threads <= %u CPUs\n",
		       count, threads, num_online_cpus());
		goto out;
	}
	use_obj_api = !strcmp(api, "obj");
	if (!use_obj_api && strcmp(api, "map")) {
		pr_err("api=%s: map or obj\n", api);
		goto out;
	}
	if (use_obj_api && !have_obj_api) {
		pr_err("api=obj: this kernel's zsmalloc has no object API\n");
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = -ENOMEM;
	src = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!src)
		goto out;
	for (i = 0; i < PAGE_SIZE; i++)
		src[i] = i * 7 + (i >> 5);
	for (i = 0; i < ARRAY_SIZE(fixed_sizes); i++) {
		snprintf(name, sizeof(name), "%u", fixed_sizes[i]);
		ret = run_passes(name, NULL, fixed_sizes[i], src);
		if (ret)
			goto out;
	}
	ret = 0;
	if (!*corpus)
		goto out;
	pool = zs_create_pool("zsbench-huge");
	if (!pool) {
		ret = -ENOMEM;
		goto out;
	}
	huge = zs_huge_class_size(pool);
	zs_destroy_pool(pool);
	mix = vmalloc(count * sizeof(*mix));
	ret = mix ? mix_from_corpus(mix, huge) : -ENOMEM;
	if (ret) {
		pr_err("size mix from %s failed: %d\n", corpus, ret);
		goto out;
	}
	ret = run_passes("mix", mix, 0, src);
out:
	vfree(mix);
	kfree(src);
	if (ret)
		pr_err("failed: %d\n", ret);
	pr_info("done rc=%d\n", ret);
	return ret;
}

static void __exit zsbench_exit(void)
{
}

module_init(zsbench_init);
module_exit(zsbench_exit);
MODULE_DESCRIPTION("zsmalloc op-cost benchmark (6.12 API only)");
MODULE_LICENSE("GPL");
