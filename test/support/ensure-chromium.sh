#!/bin/sh
# Only the browser test (npm test, npm run test:browser) needs a browser: it drives Debian's Chromium
# with playwright-core (no browser download). Install it when missing and this runs as root with
# apt-get; otherwise stop at once and print the command to run, because that test is never skipped.
# `npm run test:unit` and `npm run test:integration` never need it.
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser test needs Chromium at /usr/bin/chromium. Install it with:" >&2
echo "  sudo apt-get install -y chromium" >&2
echo "(npm run test:unit and npm run test:integration run without it.)" >&2
exit 1
