#!/bin/sh
# bqw report rendered in headless Chromium (Debian's chromium): no console message
# (errors, CSP violations), the records in the DOM after the scripts ran, the search box
# filtering through the URL fragment (#q=…), and a screenshot.
# usage: report_check.sh BQW_EXE WORKDIR   (the screenshot: WORKDIR/report.png)
set -eu
bqw=$1
work=$2
mkdir -p "$work"
page="$work/report.html"
"$bqw" report -o "$page"
fail() { echo "report_check: $*" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chrome() {
  # as root Chromium needs --no-sandbox; the network flags keep it from calling home
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 --virtual-time-budget=3000 "$@"
}
total=$("$bqw" list --json | jq length)

chrome --dump-dom "file://$page" >"$work/dom.html" 2>"$work/chrome.err" || fail "chromium failed: $(tail -3 "$work/chrome.err")"
if grep ':CONSOLE' "$work/chrome.err"; then
  fail "console messages (above)"
fi
[ "$(grep -c '<tr id="r[0-9]*"' "$work/dom.html")" = "$total" ] || fail "the DOM does not hold the $total records"
grep -q "data-shown=\"$total\"" "$work/dom.html" || fail "the script did not run (data-shown)"
grep -q '<svg role="img"' "$work/dom.html" || fail "no charts"

# #q=振兴 filters: the rows shown are exactly those whose text holds 振兴
chrome --dump-dom "file://$page#q=%E6%8C%AF%E5%85%B4" >"$work/dom-q.html" 2>"$work/chrome-q.err"
if grep ':CONSOLE' "$work/chrome-q.err"; then
  fail "console messages with #q= (above)"
fi
/usr/bin/python3 - "$work/dom-q.html" "$total" <<'PY'
import re, sys
dom, total = open(sys.argv[1], encoding="utf-8").read(), int(sys.argv[2])
rows = re.findall(r'<tr id="r\d+"([^>]*)>(.*?)</tr>', dom, re.S)
assert len(rows) == total, len(rows)
shown = [body for attrs, body in rows if " hidden" not in attrs]
hidden = [body for attrs, body in rows if " hidden" in attrs]
assert 0 < len(shown) < total, len(shown)
assert all("振兴" in b for b in shown) and not any("振兴" in b for b in hidden)
assert 'data-shown="%d"' % len(shown) in dom
print("report: %d of %d records shown for 振兴" % (len(shown), total))
PY

chrome --screenshot="$work/report.png" --window-size=1280,2200 "file://$page" 2>"$work/chrome-shot.err"
[ -s "$work/report.png" ] || fail "no screenshot"
echo "report ok"
