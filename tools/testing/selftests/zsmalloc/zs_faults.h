/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ZS_FAULTS_H
#define ZS_FAULTS_H

/* Tests in zs_faults.c; each returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP. */
int test_fault_injection(void);
int test_stress_all_at_once(void);

#endif
