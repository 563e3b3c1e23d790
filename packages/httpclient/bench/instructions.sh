#!/bin/sh
# User-space instructions per keep-alive request of @t/httpclient plus a @t/httpserver hello in
# one process, by valgrind's callgrind with V8's --predictable: two runs of bench/micro.mjs that
# differ only in request count. Not yet repeatable (runs of one build vary by up to ±8 %, seen
# 2026-12): something in this path depends on wall-clock time, which valgrind's slowdown
# stretches; repeat and compare medians. Usage: sh bench/instructions.sh [depth=1] [extra=3000]
set -e
here=$(dirname "$0")
depth=${1:-1}
extra=${2:-3000}
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable "$here/micro.mjs" "$depth" "$1" 5000 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(ir 1000)
b=$(ir $((1000 + extra)))
echo "depth $depth: $(( (b - a) / extra )) instructions/request (client + server, user space, --predictable)"
