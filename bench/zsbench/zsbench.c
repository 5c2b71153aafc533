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
 */
#define pr_fmt(fmt) "zsbench: " fmt

#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/lzo.h>
#include <linux/module.h>
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

static u64 ns_per_op(u64 t0, u64 t1)
{
	return div_u64((t1 - t0) * 10, count);
}

static int one_pass(const char *name, const unsigned short *sz,
		    unsigned int fixed, unsigned int pass, u8 *src, u8 *dst)
{
	unsigned long *h;
	struct zs_pool *pool;
	u64 t0, t1, t2, t3, a, r, f;
	unsigned int i, s;
	void *p;
	int ret = 0;

	h = vcalloc(count, sizeof(*h));
	pool = zs_create_pool("zsbench");
	if (!h || !pool) {
		ret = -ENOMEM;
		goto out;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < count; i++) {
		s = sz ? sz[i] : fixed;
		h[i] = zs_malloc(pool, s, ZSB_GFP);
		if (IS_ERR_VALUE(h[i])) {
			ret = -ENOMEM;
			h[i] = 0;
			goto out;
		}
		p = zs_map_object(pool, h[i], ZS_MM_WO);
		memcpy(p, src, s);
		zs_unmap_object(pool, h[i]);
	}
	t1 = ktime_get_ns();
	for (i = 0; i < count; i++) {
		s = sz ? sz[i] : fixed;
		p = zs_map_object(pool, h[i], ZS_MM_RO);
		memcpy(dst, p, s);
		zs_unmap_object(pool, h[i]);
	}
	t2 = ktime_get_ns();
	for (i = 0; i < count; i++)
		zs_free(pool, h[i]);
	t3 = ktime_get_ns();
	memset(h, 0, count * sizeof(*h));
	a = ns_per_op(t0, t1);
	r = ns_per_op(t1, t2);
	f = ns_per_op(t2, t3);
	pr_info("size=%s count=%u pass=%u alloc_ns=%llu.%llu read_ns=%llu.%llu free_ns=%llu.%llu\n",
		name, count, pass, a / 10, a % 10, r / 10, r % 10, f / 10, f % 10);
out:
	if (pool) {
		for (i = 0; h && i < count; i++)
			zs_free(pool, h[i]);
		zs_destroy_pool(pool);
	}
	vfree(h);
	return ret;
}

static int __init zsbench_init(void)
{
	unsigned short *mix = NULL;
	struct zs_pool *pool;
	unsigned int i, p;
	char name[16];
	u8 *src, *dst;
	size_t huge;
	int ret = -ENOMEM;

	src = kmalloc(PAGE_SIZE, GFP_KERNEL);
	dst = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!src || !dst || !count)
		goto out;
	for (i = 0; i < PAGE_SIZE; i++)
		src[i] = i * 7 + (i >> 5);
	for (i = 0; i < ARRAY_SIZE(fixed_sizes); i++) {
		snprintf(name, sizeof(name), "%u", fixed_sizes[i]);
		for (p = 1; p <= passes; p++) {
			ret = one_pass(name, NULL, fixed_sizes[i], p, src, dst);
			if (ret)
				goto out;
		}
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
	for (p = 1; p <= passes; p++) {
		ret = one_pass("mix", mix, 0, p, src, dst);
		if (ret)
			goto out;
	}
out:
	vfree(mix);
	kfree(dst);
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
