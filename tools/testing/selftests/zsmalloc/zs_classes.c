// SPDX-License-Identifier: GPL-2.0
/*
 * The zsmalloc debugfs class table for the selftests; see zs_classes.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_classes.h"

/*
 *  class  size       10%  ...       99%      100% obj_allocated   obj_used
 *     pages_used pages_per_zspage freeable
 * one row per class, a blank line, then "Total" without size and
 * pages_per_zspage.  The number of fullness columns is read from the
 * header ("NN%" tokens).
 */
int zs_read_classes(const char *path, struct zs_class_table *t)
{
	unsigned long v[32];
	char line[1024], *tok, *save;
	int ngroups = -1, n, i;
	bool total = false;
	FILE *f = fopen(path, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		n = 0;
		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		if (!strcmp(tok, "class")) {
			ngroups = 0;
			while ((tok = strtok_r(NULL, " \t\n", &save)))
				if (tok[strlen(tok) - 1] == '%')
					ngroups++;
			continue;
		}
		if (ngroups < 1 || ngroups > 11)
			break;
		total = !strcmp(tok, "Total");
		if (!total)
			v[n++] = strtoul(tok, NULL, 10);
		while (n < 32 && (tok = strtok_r(NULL, " \t\n", &save)))
			v[n++] = strtoul(tok, NULL, 10);
		if (total) {
			/* groups, obj_allocated, obj_used, pages_used, freeable */
			if (n != ngroups + 4)
				break;
			memcpy(t->total.groups, v, ngroups * sizeof(v[0]));
			t->total.obj_allocated = v[ngroups];
			t->total.obj_used = v[ngroups + 1];
			t->total.pages_used = v[ngroups + 2];
			t->total.freeable = v[ngroups + 3];
			break;
		}
		if (n != ngroups + 7 || t->nr == ZS_MAX_CLASSES)
			break;
		t->rows[t->nr].index = v[0];
		t->rows[t->nr].size = v[1];
		for (i = 0; i < ngroups; i++)
			t->rows[t->nr].groups[i] = v[2 + i];
		t->rows[t->nr].obj_allocated = v[ngroups + 2];
		t->rows[t->nr].obj_used = v[ngroups + 3];
		t->rows[t->nr].pages_used = v[ngroups + 4];
		t->rows[t->nr].pages_per_zspage = v[ngroups + 5];
		t->rows[t->nr].freeable = v[ngroups + 6];
		t->nr++;
	}
	fclose(f);
	if (!total || !t->nr) {
		ksft_print_msg("%s: unexpected format (%d rows parsed)\n", path,
			       t->nr);
		return -EINVAL;
	}
	return 0;
}

/* The longest zspage of the pool, in pages */
unsigned long max_pages_per_zspage(const struct zs_class_table *t)
{
	unsigned long max = 0;
	int i;

	for (i = 0; i < t->nr; i++)
		if (t->rows[i].pages_per_zspage > max)
			max = t->rows[i].pages_per_zspage;
	return max;
}

/* Objects of a class's size that fit in one of its zspages */
static unsigned long objs_per_zspage(const struct zs_class_row *r)
{
	return r->pages_per_zspage * page_size / r->size;
}

/* zs_huge_class_size() of the pool: past its largest shared slot */
unsigned long zs_huge_threshold(const struct zs_class_table *t)
{
	unsigned long size = 0;
	int i;

	for (i = 0; i < t->nr; i++)
		if (objs_per_zspage(&t->rows[i]) > 1)
			size = t->rows[i].size;
	return size - sizeof(unsigned long) + 1;
}

static int check_total(const char *what, const char *col, unsigned long sum,
		       unsigned long total)
{
	int bad = 0;

	CHECK(sum == total, "%s: rows sum to %lu, Total says %lu", col, sum,
	      total);
	return bad;
}

/* Returns the number of inconsistencies found (each one printed). */
int check_class_table(const struct zs_class_table *t, const char *what)
{
	struct zs_class_row sum = { 0 };
	unsigned long zspages, groups, objs;
	int i, g, bad = 0;

	for (i = 0; i < t->nr; i++) {
		const struct zs_class_row *r = &t->rows[i];

		for (g = 0, groups = 0; g < 11; g++) {
			sum.groups[g] += r->groups[g];
			groups += r->groups[g];
		}
		sum.obj_allocated += r->obj_allocated;
		sum.obj_used += r->obj_used;
		sum.pages_used += r->pages_used;
		sum.freeable += r->freeable;

		if (i > 0) {
			CHECK(r->index > t->rows[i - 1].index &&
			      r->size > t->rows[i - 1].size,
			      "class %lu (size %lu) after class %lu (size %lu): not ascending",
			      r->index, r->size, t->rows[i - 1].index,
			      t->rows[i - 1].size);
		}
		CHECK(r->size > 0 && r->size <= page_size,
		      "class %lu: size %lu", r->index, r->size);
		CHECK(r->pages_per_zspage >= 1 && r->pages_per_zspage <= 16,
		      "class %lu: pages_per_zspage %lu", r->index,
		      r->pages_per_zspage);
		if (!r->pages_per_zspage || !r->size)
			continue;
		CHECK(r->obj_used <= r->obj_allocated,
		      "class %lu: obj_used %lu > obj_allocated %lu",
		      r->index, r->obj_used, r->obj_allocated);
		CHECK(r->pages_used % r->pages_per_zspage == 0,
		      "class %lu: pages_used %lu not a multiple of pages_per_zspage %lu",
		      r->index, r->pages_used, r->pages_per_zspage);
		CHECK(r->freeable <= r->pages_used,
		      "class %lu: freeable %lu > pages_used %lu",
		      r->index, r->freeable, r->pages_used);
		zspages = r->pages_used / r->pages_per_zspage;
		objs = objs_per_zspage(r);
		CHECK(r->obj_allocated == zspages * objs,
		      "class %lu: obj_allocated %lu != %lu zspages * %lu objects (size %lu, %lu pages per zspage)",
		      r->index, r->obj_allocated, zspages, objs, r->size,
		      r->pages_per_zspage);
		CHECK(groups == zspages,
		      "class %lu: %lu zspages in the fullness columns, %lu from pages_used",
		      r->index, groups, zspages);
		CHECK(r->obj_used < r->obj_allocated || r->groups[10] == zspages,
		      "class %lu: all %lu objects used but only %lu of %lu zspages in the 100%% column",
		      r->index, r->obj_used, r->groups[10], zspages);
	}
	for (g = 0; g < 11; g++)
		CHECK(sum.groups[g] == t->total.groups[g],
		      "fullness column %d: rows sum to %lu, Total says %lu",
		      g, sum.groups[g], t->total.groups[g]);
	bad += check_total(what, "obj_allocated", sum.obj_allocated,
			   t->total.obj_allocated);
	bad += check_total(what, "obj_used", sum.obj_used, t->total.obj_used);
	bad += check_total(what, "pages_used", sum.pages_used,
			   t->total.pages_used);
	bad += check_total(what, "freeable", sum.freeable, t->total.freeable);
	return bad;
}

/*
 * Pages compaction could give back, from the rows alone: in each class,
 * the zspages beyond those its used objects need.
 */
unsigned long zs_compactable_pages(const struct zs_class_table *t)
{
	unsigned long pages = 0, zspages, needed, objs;
	int i;

	for (i = 0; i < t->nr; i++) {
		const struct zs_class_row *r = &t->rows[i];

		if (!r->pages_per_zspage || !r->size)
			continue;
		objs = objs_per_zspage(r);
		zspages = r->pages_used / r->pages_per_zspage;
		needed = (r->obj_used + objs - 1) / objs;
		if (zspages > needed)
			pages += (zspages - needed) * r->pages_per_zspage;
	}
	return pages;
}

/* Sum @path's bins table into @b; -1 if it is a class table instead */
int zs_read_bins(const char *path, struct zs_bin_totals *b)
{
	FILE *f = fopen(path, "r");
	bool header = false;
	char line[256];

	memset(b, 0, sizeof(*b));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long v[8];

		if (strstr(line, "bytes_live")) {
			header = true;
			continue;
		}
		if (!header ||
		    sscanf(line, "%lu %lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
			continue;
		b->bins++;
		b->zspages += v[1];
		b->huge += v[2];
		b->objs += v[3];
		b->used += v[4];
		b->live += v[5];
		b->pages += v[6];
	}
	fclose(f);
	return header ? 0 : -1;
}
