#!/bin/sh
# Instructions of user space (JS + native, not the kernel) per echoed message, by valgrind's
# callgrind: two runs of bench/micro.mjs that differ only in iteration count; the difference
# cancels startup and JIT warm-up. Node runs with V8's --predictable (no concurrent compilation
# or time-based GC heuristics) for repeatable counts; NODE_FLAGS= (empty) measures without it.
# Usage: sh bench/instructions.sh [size=32] [depth=16] [extra-iterations=2000]
# (WEBSOCKET_DIR=<a packages/websocket directory> counts another build; see micro.mjs.)
set -e
here=$(dirname "$0")
size=${1:-32}
depth=${2:-16}
extra=${3:-2000}
flags=${NODE_FLAGS---predictable}
warm=$((40000 / depth))
ir() {
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node $flags "$here/micro.mjs" "$size" "$depth" "$1" "$warm" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(ir 500)
b=$(ir $((500 + extra)))
echo "$size B × $depth: $(( (b - a) / (extra * depth) )) instructions/message (user space${flags:+, $flags})"
