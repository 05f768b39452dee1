#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Builds the mailbox receiver fuzzer with clang (libFuzzer + ASan + UBSan)
# and runs it for a bounded number of inputs. Exit status 0 = no crash.
#
#   tests/fuzz/run.sh                 200000 runs
#   RUNS=2000000 tests/fuzz/run.sh    longer
#   FUZZ_SEED=1 tests/fuzz/run.sh     reproducible input sequence
#
# Crashing inputs are left in build/fuzz/ as crash-*; replay one with
#   build/fuzz/mailbox_receiver build/fuzz/crash-<hash>
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$SRC/build/fuzz
RUNS=${RUNS:-200000}
CXX=${FUZZ_CXX:-clang++}

command -v "$CXX" >/dev/null || { echo "run.sh: $CXX not found (apt-get install clang)"; exit 2; }
# The Kconfig header the sources include (normally made by 'make host').
make -s -C "$SRC" "$SRC/build/generated/bh_kconfig.h"

mkdir -p "$OUT/corpus"
"$CXX" -std=gnu++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -Werror \
    -I"$SRC/include" -I"$SRC/lib/include" -I"$SRC/build/generated" -I"$SRC/inmates/rtos" \
    "$SRC/tests/fuzz/mailbox_receiver.cpp" "$SRC/inmates/rtos/ipc/mailbox.cpp" \
    -o "$OUT/mailbox_receiver"

seed_args=()
[ -n "${FUZZ_SEED:-}" ] && seed_args=(-seed="$FUZZ_SEED")
cd "$OUT"
exec ./mailbox_receiver -runs="$RUNS" -max_len=4096 -print_final_stats=1 "${seed_args[@]}" corpus
