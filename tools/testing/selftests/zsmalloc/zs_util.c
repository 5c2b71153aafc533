// SPDX-License-Identifier: GPL-2.0
/*
 * Files, commands and the test VM for the zsmalloc selftests; see
 * zs_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "zs_util.h"

size_t page_size = 4096;

int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

/* Returns 0 or -errno: sysfs stores report their error from write(). */
int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	if (close(fd) && n >= 0)
		n = -errno;
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EIO;
}

int read_ulong(const char *path, unsigned long *val)
{
	char buf[64];
	char *end;
	int ret = read_file(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int write_ulong(const char *path, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	return write_file(path, buf);
}

/*
 * The value of @key in a "key value" file (/proc/meminfo in kB,
 * /proc/vmstat, memory.stat, a pool's debugfs "stats"), or -1.
 */
long keyed_value(const char *path, const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ' ' || line[klen] == ':')) {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

unsigned long meminfo_kb(const char *key)
{
	long v = keyed_value("/proc/meminfo", key);

	return v < 0 ? 0 : v;
}

unsigned long vmstat_value(const char *key)
{
	long v = keyed_value("/proc/vmstat", key);

	return v < 0 ? 0 : v;
}

unsigned long kernel_tainted(void)
{
	unsigned long t = 0;

	read_ulong("/proc/sys/kernel/tainted", &t);
	return t;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * These tests swap, reset and remove zram devices and make file systems:
 * they run only in the throwaway VM.  That is either said explicitly
 * (ZSMALLOC_SELFTEST_VM=1, or =0 to refuse) or recognised by the root
 * file system being the initramfs (rootfs), which no installed system
 * runs from.
 */
bool in_test_vm(const char **why)
{
	const char *env = getenv("ZSMALLOC_SELFTEST_VM");
	char line[512], dev[128], dir[128], type[64];
	bool rootfs = false;
	FILE *f;

	if (env) {
		*why = "ZSMALLOC_SELFTEST_VM is not 1";
		return !strcmp(env, "1");
	}
	f = fopen("/proc/self/mounts", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %127s %63s", dev, dir, type) == 3 &&
			    !strcmp(dir, "/"))
				rootfs = !strcmp(type, "rootfs");
		}
		fclose(f);
	}
	*why = "not in the test VM (/ is not the initramfs; set ZSMALLOC_SELFTEST_VM=1 to force)";
	return rootfs;
}

const char *find_in_path(const char *prog)
{
	static char buf[512];
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/bin:/sbin:/usr/bin:/usr/sbin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, prog);
		if (!access(buf, X_OK))
			return buf;
	}
	return NULL;
}

/* Run a command; its output goes to our output as TAP comments. */
int run_cmd(const char *const argv[])
{
	char line[512];
	int pfd[2], status;
	pid_t pid;
	FILE *out;

	fflush(stdout);
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	out = fdopen(pfd[0], "r");
	while (out && fgets(line, sizeof(line), out))
		ksft_print_msg("%s: %s", argv[0], line);
	if (out)
		fclose(out);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ensure_debugfs(void)
{
	if (!access("/sys/kernel/debug/zsmalloc", F_OK) ||
	    !access("/sys/kernel/debug/zswap", F_OK))
		return 0;
	if (mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	return 0;
}
