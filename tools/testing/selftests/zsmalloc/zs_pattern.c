// SPDX-License-Identifier: GPL-2.0
/*
 * The data pattern of the zsmalloc selftests; see zs_pattern.h.
 */
#include <stdio.h>
#include <string.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_pattern.h"

/*
 * Each page starts with a header naming it (so a page found in the wrong
 * place says where it belongs) followed by content derived only from
 * (index, seed).  The kind of content varies per page so that compressed
 * sizes spread over many size classes: word salad from vocabularies of
 * 8..64 words (lzo: about 2x), text with random bytes mixed in, text with
 * a random tail of any length, fully random (incompressible: zram's "huge"
 * pages) and a short repeated block (very small objects).  No page is
 * same-filled.
 */
#define PAGE_MAGIC	0x7a736d616c6c6f63ULL	/* "zsmalloc" */

struct page_hdr {
	uint64_t magic;
	uint64_t index;
	uint64_t seed;
	uint64_t kind;
};

static const char *const words[64] = {
	"the", "zspage", "of", "class", "object", "handle", "and", "page",
	"compress", "memory", "to", "swap", "a", "in", "pool", "free",
	"allocate", "migrate", "is", "chain", "for", "kernel", "slot", "size",
	"with", "that", "map", "unmap", "lock", "order", "zram", "zswap",
	"fragmentation", "shrinker", "compaction", "deferred", "per-cpu",
	"worker", "batch", "density", "huge", "merged", "fullness", "list",
	"isolate", "movable", "reclaim", "writeback", "block", "device",
	"cgroup", "stat", "debugfs", "offset", "straddle", "boundary", "copy",
	"buffer", "atomic", "context", "header", "index", "pfn", "run",
};

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void fill_random(char *p, size_t len, uint64_t *s)
{
	uint64_t r;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		r = next_rand(s);
		memcpy(p + i, &r, 8);
	}
	for (; i < len; i++)
		p[i] = next_rand(s);
}

/*
 * Word salad: each random byte picks a word (low bits, from the first
 * @vocab words) and its separator; with @noise, a random byte follows a
 * word now and then.  Words are copied 16 bytes at a time from a padded
 * table, so a page costs about a hundred random numbers.
 */
static void fill_words(char *p, size_t len, uint64_t *s, unsigned int vocab,
		       unsigned int noise)
{
	static char padded[64][16];
	static unsigned char wlen[64];
	size_t i = 0, wl;
	uint64_t r = 0;
	unsigned int b, left = 0;

	if (!wlen[0]) {
		for (b = 0; b < 64; b++) {
			wlen[b] = strlen(words[b]);
			memcpy(padded[b], words[b], wlen[b]);
			padded[b][wlen[b]] = ' ';
		}
	}
	while (i < len) {
		if (!left) {
			r = next_rand(s);
			left = 8;
		}
		b = r & 0xff;
		r >>= 8;
		left--;
		wl = wlen[b & (vocab - 1)] + 1;
		if (i + 16 <= len) {
			memcpy(p + i, padded[b & (vocab - 1)], 16);
		} else {
			if (wl > len - i)
				wl = len - i;
			memcpy(p + i, padded[b & (vocab - 1)], wl);
		}
		if (b >= 0xe0)
			p[i + wl - 1] = '\n';
		i += wl;
		if (noise && i < len && b % noise == 1)
			p[i++] = *s >> 24;
	}
}

void fill_page(void *page, uint64_t index, uint64_t seed)
{
	struct page_hdr *h = page;
	char *body = (char *)page + sizeof(*h);
	size_t len = page_size - sizeof(*h);
	uint64_t s = mix64(index ^ mix64(seed)) | 1;
	unsigned int kind = s % 16;
	size_t i;

	h->magic = PAGE_MAGIC;
	h->index = index;
	h->seed = seed;
	h->kind = kind;
	switch (kind) {
	case 0 ... 9:
		fill_words(body, len, &s, 8 << (kind % 4), 0);
		break;
	case 10 ... 11:
		fill_words(body, len, &s, 64, 4);
		break;
	case 12 ... 13:
		/* a random tail of any length: compressed sizes in between */
		i = next_rand(&s) % len;
		fill_words(body, len - i, &s, 32, 0);
		fill_random(body + len - i, i, &s);
		break;
	case 15:
		fill_random(body, len, &s);
		break;
	default:
		fill_random(body, 64, &s);
		for (i = 64; i < len; i++)
			body[i] = body[i % 64];
		break;
	}
}

/* -1 if @page is page @index of @seed, else the first differing offset */
long check_page(const void *page, uint64_t index, uint64_t seed, void *scratch)
{
	const unsigned char *a = page, *b = scratch;
	size_t i;

	fill_page(scratch, index, seed);
	if (!memcmp(page, scratch, page_size))
		return -1;
	for (i = 0; i < page_size && a[i] == b[i]; i++)
		;
	return i;
}

void report_bad_page(const void *page, uint64_t index, uint64_t seed,
		     long offset, const char *what)
{
	const struct page_hdr *h = page;
	const unsigned char *p = page;
	size_t i, zeros = 0;
	char hex[3 * 16 + 1] = "", where[64];

	for (i = 0; i < page_size; i++)
		zeros += !p[i];
	for (i = 0; i < 16 && offset + i < page_size; i++)
		sprintf(hex + 3 * i, " %02x", p[offset + i]);
	ksft_print_msg("%s: page %llu (seed %llu) differs at offset %ld:%s\n",
		       what, (unsigned long long)index,
		       (unsigned long long)seed, offset, hex);
	if (zeros == page_size) {
		ksft_print_msg("  the page reads back all zeros\n");
	} else if (h->magic == PAGE_MAGIC &&
		   (h->index != index || h->seed != seed)) {
		ksft_print_msg("  it holds page %llu of seed %llu (misplaced data)\n",
			       (unsigned long long)h->index,
			       (unsigned long long)h->seed);
	} else if (h->magic == PAGE_MAGIC) {
		snprintf(where, sizeof(where), "%ld bytes into the page's %s half",
			 offset % (long)(page_size / 2),
			 offset < (long)page_size / 2 ? "first" : "second");
		ksft_print_msg("  header intact (kind %llu): corrupted from offset %ld (%s)\n",
			       (unsigned long long)h->kind, offset, where);
	} else {
		ksft_print_msg("  header corrupted (%zu zero bytes in the page)\n",
			       zeros);
	}
}
