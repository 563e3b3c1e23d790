#!/bin/sh
# User-space instructions per keep-alive request of @t/httpclient plus a @t/httpserver hello in
# one process, by valgrind's callgrind with V8's --predictable: two runs of bench/micro.mjs that
# differ only in request count. Repeatable to about 0.5 % with the default 20 000 extra
# requests (fewer let GC noise, a few MB per run, show in the per-request figure).
# Usage: sh bench/instructions.sh [depth=1] [extra=20000]
set -e
here=$(dirname "$0")
depth=${1:-1}
extra=${2:-20000}
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable "$here/micro.mjs" "$depth" "$1" 5000 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(ir 1000)
b=$(ir $((1000 + extra)))
echo "depth $depth: $(( (b - a) / extra )) instructions/request (client + server, user space, --predictable)"
