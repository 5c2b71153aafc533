/* SPDX-License-Identifier: GPL-2.0 */
/* Little-endian hosts (x86_64, arm64) where unaligned loads are fine */
#ifndef ZSIM_SHIM_UNALIGNED_H
#define ZSIM_SHIM_UNALIGNED_H
#include <linux/kernel.h>

static inline u16 zsim_get16(const void *p) { u16 v; memcpy(&v, p, 2); return v; }
static inline u32 zsim_get32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 zsim_get64(const void *p) { u64 v; memcpy(&v, p, 8); return v; }

#define get_unaligned(p)						\
	(sizeof(*(p)) == 8 ? zsim_get64(p) :				\
	 sizeof(*(p)) == 4 ? zsim_get32(p) : zsim_get16(p))
#define put_unaligned(v, p)						\
	do { __typeof__(*(p)) v_ = (v); memcpy((p), &v_, sizeof(v_)); } while (0)
#define get_unaligned_le32(p)	zsim_get32(p)
#define get_unaligned_le16(p)	zsim_get16(p)
#define put_unaligned_le32(v, p)	put_unaligned((u32)(v), (u32 *)(p))
#endif
