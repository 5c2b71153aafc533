#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# KUnit ran inside the kernel before /init (built-in suites run at boot);
# its KTAP output is in the console log. Nothing to do in userspace.
echo "kunit: suites ran at boot; results are in the console log"
