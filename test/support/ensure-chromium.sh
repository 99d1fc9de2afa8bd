#!/bin/sh
# The browser test drives Debian's Chromium with playwright-core (no browser download). Install it when
# missing and possible (root with apt-get); otherwise stop and say how, because that test is never skipped.
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser test needs Chromium at /usr/bin/chromium. Install it with: sudo apt-get install -y chromium" >&2
exit 1
