// SPDX-License-Identifier: GPL-2.0
/*
 * ext4_on_zram: files on ext4 on a zram device survive drop_caches, a
 * remount, and deleting half of them with FITRIM and compaction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "../kselftest.h"
#include "zs_util.h"
#include "zs_pattern.h"
#include "zs_zram.h"
#include "zs_tests.h"

#define EXT4_FILES	48

static unsigned long ext4_file_size(int k)
{
	/* 256 KiB .. 1.75 MiB, most not page aligned */
	return (k % 7 + 1) * 256 * 1024UL + (k % 5) * 1000;
}

static int ext4_write_file(const char *dir, int k)
{
	unsigned long size = ext4_file_size(k), i;
	char path[512], *page = malloc(page_size);
	size_t len;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/f%02d", dir, k);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || !page) {
		ksft_print_msg("create %s: %s\n", path, strerror(errno));
		free(page);
		return -1;
	}
	for (i = 0; i * page_size < size; i++) {
		len = size - i * page_size < page_size ? size - i * page_size
						       : page_size;
		fill_page(page, i, 100 + k);
		if (write(fd, page, len) != (ssize_t)len) {
			ksft_print_msg("write %s: %s\n", path, strerror(errno));
			ret = -1;
			break;
		}
	}
	if (fsync(fd))
		ret = -1;
	close(fd);
	free(page);
	return ret;
}

static int ext4_verify_file(const char *dir, int k)
{
	unsigned long size = ext4_file_size(k), i;
	char path[512], *page = malloc(page_size), *exp = malloc(page_size);
	size_t len;
	ssize_t got;
	int fd, ret = 0;
	struct stat stt;

	snprintf(path, sizeof(path), "%s/f%02d", dir, k);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !page || !exp) {
		ksft_print_msg("open %s: %s\n", path, strerror(errno));
		ret = -1;
		goto out;
	}
	if (fstat(fd, &stt) || (unsigned long)stt.st_size != size) {
		ksft_print_msg("%s: size %lld, expected %lu\n", path,
			       (long long)stt.st_size, size);
		ret = -1;
		goto out;
	}
	for (i = 0; i * page_size < size; i++) {
		len = size - i * page_size < page_size ? size - i * page_size
						       : page_size;
		got = read(fd, page, len);
		fill_page(exp, i, 100 + k);
		if (got != (ssize_t)len || memcmp(page, exp, len)) {
			size_t off = 0;

			while (got > 0 && off < (size_t)got && page[off] == exp[off])
				off++;
			ksft_print_msg("%s: page %lu differs at offset %zu (read %zd of %zu)\n",
				       path, i, off, got, len);
			ret = -1;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(page);
	free(exp);
	return ret;
}

static int ext4_verify_all(const char *dir, int step, const char *when)
{
	int k, bad = 0;

	for (k = step == 2 ? 1 : 0; k < EXT4_FILES; k += step)
		bad += !!ext4_verify_file(dir, k);
	if (bad)
		ksft_print_msg("%d files corrupted %s\n", bad, when);
	return bad;
}

static int drop_page_cache(void)
{
	sync();
	return write_file("/proc/sys/vm/drop_caches", "3");
}

/*
 * A file system on zram: data written, dropped from the page cache and
 * read back from zram; again after a remount; then half the files are
 * deleted and trimmed (freeing their objects), the pool compacted and the
 * rest read back again.
 */
int test_ext4_on_zram(void)
{
	const char *mkfs = find_in_path("mkfs.ext4");
	struct zram_dev zram = { .id = -1 };
	char dir[] = "/tmp/zsmalloc_ext4.XXXXXX";
	struct fstrim_range trim = { .len = ~0ULL };
	const char *const argv[] = { mkfs, "-q", "-F", "-b", "4096", zram.dev,
				     NULL };
	bool mounted = false;
	int ret = KSFT_FAIL, k, fd;

	if (!zram_available())
		return skip("zram is not available");
	if (!mkfs)
		return skip("mkfs.ext4 not found in PATH");
	if (zram_create(&zram, 256 * MIB))
		return KSFT_FAIL;
	if (run_cmd(argv)) {
		ksft_print_msg("mkfs.ext4 %s failed\n", zram.dev);
		goto out;
	}
	if (!mkdtemp(dir)) {
		ksft_print_msg("mkdtemp: %s\n", strerror(errno));
		goto out;
	}
	if (mount(zram.dev, dir, "ext4", 0, NULL)) {
		ksft_print_msg("mount %s: %s\n", zram.dev, strerror(errno));
		goto out_dir;
	}
	mounted = true;

	for (k = 0; k < EXT4_FILES; k++)
		if (ext4_write_file(dir, k))
			goto out_umount;
	if (drop_page_cache())
		goto out_umount;
	zram_print_mm_stat(&zram, "after writing the files");
	if (ext4_verify_all(dir, 1, "after drop_caches"))
		goto out_umount;

	if (umount(dir)) {
		ksft_print_msg("umount: %s\n", strerror(errno));
		goto out_umount;
	}
	mounted = false;
	if (mount(zram.dev, dir, "ext4", 0, NULL)) {
		ksft_print_msg("remount %s: %s\n", zram.dev, strerror(errno));
		goto out_dir;
	}
	mounted = true;
	if (ext4_verify_all(dir, 1, "after remount"))
		goto out_umount;

	for (k = 0; k < EXT4_FILES; k += 2) {
		char path[512];

		snprintf(path, sizeof(path), "%s/f%02d", dir, k);
		unlink(path);
	}
	sync();
	fd = open(dir, O_RDONLY);
	if (fd < 0 || ioctl(fd, FITRIM, &trim))
		ksft_print_msg("FITRIM: %s (continuing)\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	zram_attr_write(&zram, "compact", "1");
	zram_print_mm_stat(&zram, "after deleting half, FITRIM and compact");
	if (drop_page_cache() || ext4_verify_all(dir, 2, "after delete+trim+compact"))
		goto out_umount;
	ret = KSFT_PASS;
out_umount:
	if (mounted && umount(dir)) {
		ksft_print_msg("umount %s: %s\n", dir, strerror(errno));
		ret = KSFT_FAIL;
	}
out_dir:
	rmdir(dir);
out:
	zram_destroy(&zram);
	return ret;
}
