#!/usr/bin/env bash
# Installs, as root on Debian, what the integration tests need and this machine lacks, then
# prints which integration suites will run and which will skip (and why). Bounded in time:
# apt gets 15 minutes in all; on failure the suites skip with their own apt-get line.
set -uo pipefail

# executable to look for | Debian package | the tests that need it
NEEDS=(
  "redis-server|redis-server|apps/demo test/redis.test.ts (chat across instances)"
  "nginx|nginx-light|apps/demo test/nginx.test.ts (two instances behind nginx)"
  "chromium|chromium|apps/demo test/browser.test.ts (the pages in a real browser)"
  "curl|curl|packages/httpserver test/interop.test.ts (curl)"
  "python3|python3|packages/httpserver test/interop.test.ts (http.client)"
  "python3-tornado|python3-tornado|packages/web test/tornado-interop.test.ts (signed cookies both ways)"
  "msgfmt|gettext|packages/locale test/gettext.test.ts (msgfmt and glibc ngettext cross-checks)"
)

has() {
  if [ "$1" = python3-tornado ]; then
    /usr/bin/python3 -c "import tornado" >/dev/null 2>&1
  else
    PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1
  fi
}

missing=()
for entry in "${NEEDS[@]}"; do
  IFS="|" read -r exe pkg _ <<<"$entry"
  has "$exe" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[ci] installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Keep apt from starting the services it installs (the tests start their own, on free ports).
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      own_policy=1
    fi
    if ! timeout 600 apt-get install -y "${missing[@]}"; then
      timeout 300 apt-get update && timeout 600 apt-get install -y "${missing[@]}"
    fi
    status=$?
    [ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$status" = 0 ] || echo "[ci] apt-get failed (exit $status)"
  else
    echo "[ci] not root (or no apt-get): not installing ${missing[*]}"
  fi
fi

echo "[ci] integration suites:"
for entry in "${NEEDS[@]}"; do
  IFS="|" read -r exe pkg what <<<"$entry"
  if has "$exe"; then
    echo "[ci]   run   $what"
  else
    echo "[ci]   SKIP  $what: $exe missing (apt-get install $pkg)"
  fi
done
exit 0
