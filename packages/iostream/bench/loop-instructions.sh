#!/bin/sh
# Instructions of user space (JS + native, not the kernel) per request through the whole loop
# path (bench/loop-micro.mjs), by valgrind's callgrind: two runs that differ only in the number
# of rounds, so that startup and JIT warm-up cancel; V8's --predictable makes the count
# repeatable. Usage: sh bench/loop-instructions.sh [depth=1] [extra-rounds=4000] [readAheadBytes]
# (readAheadBytes 0 measures with the loop's read-ahead off).
set -e
here=$(dirname "$0")
depth=${1:-1}
extra=${2:-4000}
ahead=${3:-}
warm=$((20000 / depth))
ir() {
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable "$here/loop-micro.mjs" "$depth" "$1" "$warm" $ahead 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(ir 1000)
b=$(ir $((1000 + extra)))
echo "loop depth $depth: $(( (b - a) / (extra * depth) )) instructions/request (user space, --predictable${ahead:+, readAheadBytes $ahead})"
