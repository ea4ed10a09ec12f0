#!/usr/bin/env bash
# Makes sure the CJK font the written decisions are set in is installed (Debian's
# fonts-wqy-microhei, TrueType outlines; see document_font_path in app/config.py).
# Installs it with apt-get as root; otherwise fails with what to do.
set -u
font="${TALENT_DOCUMENT_FONT_PATH:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}"
[ -f "$font" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "document-font: $font is missing; install it: sudo apt-get install fonts-wqy-microhei" >&2
  echo "  (or point TALENT_DOCUMENT_FONT_PATH at another CJK TrueType font)" >&2
  exit 1
fi
echo "document-font: installing fonts-wqy-microhei with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null; } \
  || { echo "document-font: apt-get could not install fonts-wqy-microhei" >&2; exit 1; }
[ -f "$font" ] || { echo "document-font: $font still missing after installing" >&2; exit 1; }
