/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZS_DEFERRED_H
#define ZS_DEFERRED_H

/* Tests in zs_deferred.c; each returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP. */
int test_deferred_free_settles(void);

#endif
