#!/usr/bin/env bash
# Makes sure Debian's chromium and CJK fonts are installed (apt-get, as root only).
# Playwright drives this system chromium; it never downloads a browser of its own.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "browser-deps: missing ${missing[*]} and not root; cannot install them" >&2
  exit 1
fi
echo "browser-deps: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null || exit 1
[ -x /usr/bin/chromium ]
