#!/bin/sh
# Instructions of user space (JS + native, not the kernel) per request of the hello response
# through @t/web and through a plain @t/httpserver callback (bench/micro.mjs), by valgrind's
# callgrind: two runs per kind that differ only in iteration count, so that startup and JIT
# warm-up cancel. Node runs with V8's --predictable (repeatable to ~0.2 %); NODE_FLAGS= (empty)
# measures without it. WEB_LAYERS and WEB_DIST pass through to micro.mjs.
# Usage: sh bench/instructions.sh [extra-iterations=4000] [kinds="httpserver web"]
set -e
here=$(dirname "$0")
extra=${1:-4000}
kinds=${2:-httpserver web}
flags=${NODE_FLAGS---predictable}
warm=${WARM:-60000}
ir() {
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file=/dev/null node $flags "$here/micro.mjs" "$1" "$2" "$warm" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for kind in $kinds; do
  a=$(ir "$kind" 1000)
  b=$(ir "$kind" $((1000 + extra)))
  per=$(( (b - a) / extra ))
  echo "$kind: $per instructions/request (user space${flags:+, $flags})"
  eval "ir_$kind=$per"
done
if [ -n "$ir_web" ] && [ -n "$ir_httpserver" ]; then
  echo "web / httpserver: $(echo "scale=3; $ir_web / $ir_httpserver" | bc) ($((ir_web - ir_httpserver)) instructions/request for the framework)"
fi
