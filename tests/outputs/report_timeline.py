"""The report's timeline links in headless Chromium, for a generated 10 MB digest whose
table holds only its first 2,000 records: every point links somewhere.

usage: report_timeline.py BQW WORKDIR; prints "report timeline ok" when every check holds.

- A labelled point whose record is past the table: a real click (DevTools mouse events
  at the point) puts the record's row at the end of the table, shown, marked and in view,
  with the record's id, kind and source line; once, however often it is clicked; the
  page opened with that #rN shows it too.
- A point the page keeps no row for: the click shows the notice under the timeline, in
  view, with a `bqw view detail … --where id=N` command that, run as given, shows it.
- A point whose record the table holds but has not drawn (past the first 200 rows): the
  row is shown.
- No console error."""
import json
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chrome  # noqa: E402


def fail(msg):
    print("report_timeline: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")


def click(chrome, x, y):
    for kind in ("mousePressed", "mouseReleased"):
        chrome.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def until(chrome, expr, what, timeout=10):
    end = time.monotonic() + timeout
    while True:
        value = chrome.eval(expr)
        if value:
            return value
        if time.monotonic() > end:
            fail("%s: %s never held" % (what, expr))
        time.sleep(0.05)


# A point of the timeline that is on top at its centre (points overlap), scrolled into
# view: { id, x, y } in the viewport, or null. which: "labelled" or "plain" points; skip:
# ids not wanted.
FIND = """(function (which, skip) {
  var links = Array.prototype.slice.call(document.querySelectorAll('figure.timeline a'));
  for (var i = 0; i < links.length; i++) {
    var a = links[i], id = Number(a.getAttribute('href').slice(2));
    if ((which === 'labelled') !== (a.querySelector('text') !== null) || skip.indexOf(id) >= 0) { continue; }
    var c = a.querySelector('circle');
    c.scrollIntoView({ block: 'center' });
    var r = c.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    var top = document.elementFromPoint(x, y);
    if (top && top.closest('a') === a) { return { id: id, x: x, y: y }; }
  }
  return null;
})"""

IN_VIEW = "(function (e) { var r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })"


def main():
    bqw, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    corpus = os.path.join(work, "corpus-10mb.txt")
    if not os.path.exists(corpus):
        run([bqw, "run", os.path.join(src, "bench", "gen_corpus.lua"), "10", corpus])
    page = os.path.join(work, "report-10mb.html")
    run([bqw, "report", "--data", corpus, "-o", page])
    html = open(page, encoding="utf-8").read()
    held = set(int(i) for i in re.findall(r'<tr id="r(\d+)"', html))
    kept = [int(i) for i in re.findall(r'<tr data-r="(\d+)"', html)]
    figure = re.search(r'<figure class="timeline">.*?</figure>', html, re.S).group(0)
    linked = set(int(i) for i in re.findall(r'href="#r(\d+)"', figure))
    labelled = set(int(i) for i in re.findall(r'<a href="#r(\d+)"><circle[^>]*/>\n?<line', figure))
    away = linked - held - set(kept)
    print("timeline: %d points, %d labelled; the table holds %d records; %d rows kept for the labelled "
          "points past it; %d points past both" % (len(linked), len(labelled), len(held), len(kept), len(away)))
    if len(held) != 2000 or not labelled:
        fail("expected a table of 2,000 rows and labelled points")
    if sorted(kept) != sorted(labelled - held) or not kept:
        fail("the rows kept %s are not the labelled points past the table %s" % (kept, sorted(labelled - held)))
    if not away:
        fail("no point past the table and the kept rows: the notice is not exercised")

    def record(i):
        return json.loads(run([bqw, "list", "--data", corpus, "--where", "id=%d" % i, "--json"]))[0]

    chrome = Chrome()
    try:
        chrome.open("file://" + page)
        # a labelled point past the table: its row, put in the table
        p = chrome.eval(FIND + "('labelled', %s)" % json.dumps(sorted(held)))
        if not p or p["id"] not in kept:
            fail("no labelled point past the table on top at its centre: %r" % p)
        k = p["id"]
        click(chrome, p["x"], p["y"])
        until(chrome, "location.hash === '#r%d' && document.getElementById('r%d') !== null" % (k, k), "click on #r%d" % k)
        row = chrome.eval("""(function () {
          var tr = document.getElementById('r%d');
          return { table: tr.closest('table') && tr.closest('table').id, hidden: tr.hidden,
                   picked: tr.classList.contains('picked'), inView: %s(tr),
                   cells: Array.prototype.map.call(tr.cells, function (c) { return c.textContent; }),
                   away: !document.getElementById('away').hidden };
        })()""" % (k, IN_VIEW))
        r = record(k)
        if row["table"] != "records" or row["hidden"] or not row["picked"] or not row["inView"] or row["away"]:
            fail("the row of #r%d: %r" % (k, row))
        if row["cells"][0] != str(k) or row["cells"][1] != r["kind"] or not row["cells"][-1].endswith(":%d" % r["line"]):
            fail("the row of #r%d is not its record (%s, line %d): %r" % (k, r["kind"], r["line"], row["cells"]))
        print("labelled point #r%d: its row put at the end of the table, in view" % k)

        # a point with no row on the page: the notice and its command
        q = chrome.eval(FIND + "('plain', %s)" % json.dumps(sorted(held | set(kept))))
        if not q:
            fail("no point past the table on top at its centre")
        a = q["id"]
        click(chrome, q["x"], q["y"])
        until(chrome, "location.hash === '#r%d' && !document.getElementById('away').hidden" % a, "click on #r%d" % a)
        note = chrome.eval("""(function () {
          var p = document.getElementById('away');
          return { text: p.textContent, cmd: p.querySelector('.cmd').textContent, inView: %s(p),
                   row: document.getElementById('r%d') !== null };
        })()""" % (IN_VIEW, a))
        want = "bqw view detail --data %s --where id=%d" % (shlex.quote(corpus), a)
        if note["cmd"] != want or not note["inView"] or note["row"] or "Record %d is not among" % a not in note["text"]:
            fail("the notice for #r%d: %r (expected the command %r)" % (a, note, want))
        shown = run([bqw] + shlex.split(note["cmd"])[1:])
        if not shown.startswith("#%d " % a) or "line: %d" % record(a)["line"] not in shown:
            fail("`%s` does not show record %d: %s" % (note["cmd"], a, shown[:300]))
        print("plain point #r%d: the notice, and `%s` shows it" % (a, note["cmd"]))

        # back to the labelled point: the same row, not a second one
        chrome.eval("location.hash = '#r%d'" % k)
        until(chrome, "document.getElementById('away').hidden", "the notice hidden again")
        n = chrome.eval("document.querySelectorAll('[id=\"r%d\"]').length" % k)
        if n != 1:
            fail("#r%d twice: %d rows" % (k, n))

        # a point whose row the table holds past the rows drawn: shown
        hidden = chrome.eval("""(function () {
          var links = document.querySelectorAll('figure.timeline a');
          for (var i = 0; i < links.length; i++) {
            var tr = document.getElementById(links[i].getAttribute('href').slice(1));
            if (tr && tr.hidden && !tr.classList.contains('picked')) { return tr.id; }
          }
          return null;
        })()""")
        if hidden:
            chrome.eval("location.hash = '#%s'" % hidden)
            until(chrome, "!document.getElementById('%s').hidden" % hidden, "#%s shown" % hidden)

        errs = chrome.console_errors()
        if errs:
            fail("console errors: %s" % json.dumps(errs)[:800])
        # the page opened at a kept record's link
        other = [i for i in kept if i != k][:1] or [k]
        chrome.open("about:blank")  # (the same page at another #: no load, no fresh script)
        chrome.open("file://%s#r%d" % (page, other[0]))
        until(chrome, "document.getElementById('r%d') !== null && %s(document.getElementById('r%d'))"
              % (other[0], IN_VIEW, other[0]), "opened at #r%d" % other[0])
        errs = chrome.console_errors()
        if errs:
            fail("console errors: %s" % json.dumps(errs)[:800])
    finally:
        chrome.close()
    print("report timeline ok")


main()
