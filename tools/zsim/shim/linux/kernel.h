/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's headers to build lib/lzo and the zsmalloc
 * geometry (mm/zsmalloc_geometry.h) in user space, for zsim.
 */
#ifndef ZSIM_SHIM_KERNEL_H
#define ZSIM_SHIM_KERNEL_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL_GPL(s)
#define EXPORT_SYMBOL(s)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#ifndef __always_inline
#define __always_inline	inline __attribute__((always_inline))
#endif

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define round_up(x, y)	((((x) - 1) | ((y) - 1)) + 1)
#define BIT(n)		(1UL << (n))
#define IS_ENABLED(c)	0

#define noinline	__attribute__((noinline))
#define ALIGN(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define __LITTLE_ENDIAN 1234
#else
#define __BIG_ENDIAN 4321
#endif

static inline u64 div64_u64(u64 a, u64 b) { return a / b; }

#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#endif
