// SPDX-License-Identifier: GPL-2.0
/*
 * zsim-trace: the object sizes zram would hand zsmalloc for a file.
 *
 *   zsim-trace lzo-rle|zstd FILE >TRACE
 *
 * Every 4 KiB page of FILE, in order, is compressed as zram compresses it:
 * lzo-rle with the kernel's own lib/lzo (built from the base tree), zstd
 * with the host's libzstd at zram's default level 3 (the kernel carries
 * zstd 1.5.6, Debian 12 1.5.4: sizes may differ by a few bytes). One line
 * per page: the compressed length, or "same" for a page zram keeps without
 * zsmalloc (one repeated word).  Lengths are not capped: zsim applies
 * zram's huge threshold itself, since it depends on the pool's geometry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/lzo.h>
#include <zstd.h>

#define PAGE 4096

static int same_filled(const unsigned char *p)
{
	unsigned long w;
	size_t i;

	memcpy(&w, p, sizeof(w));
	for (i = sizeof(w); i < PAGE; i += sizeof(w))
		if (memcmp(p + i, &w, sizeof(w)))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	static unsigned char page[PAGE], out[2 * PAGE];
	static unsigned short wrk[LZO1X_1_MEM_COMPRESS / sizeof(unsigned short)];
	int zstd;
	FILE *f;

	if (argc != 3 || (strcmp(argv[1], "lzo-rle") && strcmp(argv[1], "zstd"))) {
		fprintf(stderr, "usage: zsim-trace lzo-rle|zstd FILE\n");
		return 2;
	}
	zstd = !strcmp(argv[1], "zstd");
	f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	printf("# zsim trace: %s, 4096-byte pages\n", argv[1]);
	while (fread(page, 1, PAGE, f) == PAGE) {
		size_t len = sizeof(out);

		if (same_filled(page)) {
			puts("same");
			continue;
		}
		if (zstd) {
			len = ZSTD_compress(out, sizeof(out), page, PAGE, 3);
			if (ZSTD_isError(len))
				return 1;
		} else if (lzorle1x_1_compress(page, PAGE, out, &len, wrk) != LZO_E_OK) {
			return 1;
		}
		printf("%zu\n", len);
	}
	fclose(f);
	return 0;
}
