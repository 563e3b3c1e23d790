#!/bin/sh
# Instructions of user space (JS + native, not the kernel) per request, by valgrind's callgrind:
# two runs of bench/micro.mjs that differ only in iteration count; the difference cancels
# startup and JIT warm-up. Node runs with V8's --predictable (no concurrent compilation or
# time-based GC heuristics), which makes the count repeatable to ~0.2 %; NODE_FLAGS= (empty)
# measures without it. Usage: sh bench/instructions.sh [depth=1] [extra-iterations=10000]
set -e
here=$(dirname "$0")
depth=${1:-1}
extra=${2:-10000}
flags=${NODE_FLAGS---predictable}
warm=$((80000 / depth))
ir() {
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node $flags "$here/micro.mjs" "$depth" "$1" "$warm" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(ir 1000)
b=$(ir $((1000 + extra)))
echo "depth $depth: $(( (b - a) / (extra * depth) )) instructions/request (user space${flags:+, $flags})"
