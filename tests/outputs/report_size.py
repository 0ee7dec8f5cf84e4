"""bqw report of a generated 10 MB digest (issue 21, item 6): a page a browser opens.

usage: report_size.py BQW WORKDIR

The page is at most 3 MiB and holds the first 2,000 records; opened in headless Chromium
with #q=振兴 it runs without a console error, draws the first 200 matching rows with the
buttons that draw more, and ("show all") exactly the rows of those it holds whose texts
have 振兴, and says that more records may match, with a `bqw list` command; that
command, run as the page gives it, lists every match in the digest, and those among the
page's records are exactly the rows shown. The shipped digest's report holds every record
and has no such notice. The time to open is printed, not tested (bench/README.md)."""
import json
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chrome  # noqa: E402

LIMIT = 3 * 1024 * 1024
ROWS = 2000


def fail(msg):
    print("report_size: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")


def main():
    bqw, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    corpus = os.path.join(work, "corpus-10mb.txt")
    if not os.path.exists(corpus):
        run([bqw, "run", os.path.join(src, "bench", "gen_corpus.lua"), "10", corpus])
    page = os.path.join(work, "report-10mb.html")
    run([bqw, "report", "--data", corpus, "-o", page])
    size = os.path.getsize(page)
    html = open(page, encoding="utf-8").read()
    held = [int(i) for i in re.findall(r'<tr id="r(\d+)"', html)]
    total = len(json.loads(run([bqw, "list", "--data", corpus, "--json"])))
    print("report of %s (%d records): %d bytes, %d rows" % (corpus, total, size, len(held)))
    if size > LIMIT:
        fail("the page is %d bytes, over %d" % (size, LIMIT))
    if len(held) != ROWS or total <= ROWS:
        fail("the page holds %d rows of %d records, expected the first %d" % (len(held), total, ROWS))
    if "本页列出前 2,000 条，共 %s 条" % format(total, ",") not in html:
        fail("the page does not say it lists the first 2,000 of %d" % total)

    chrome = Chrome()
    try:
        secs = chrome.open("file://" + page + "#q=%E6%8C%AF%E5%85%B4")
        print("opened in %.2f s (load event, scripts run)" % secs)
        errs = chrome.console_errors()
        if errs:
            fail("console errors: %s" % json.dumps(errs)[:800])
        drawn = chrome.eval("""[document.querySelectorAll('#records tbody tr:not([hidden])').length,
                                 document.getElementById('paging').hidden]""")
        if drawn != [200, False]:
            fail("the first 200 matching rows drawn, with the paging buttons: %r" % drawn)
        chrome.eval("document.querySelector('#paging .all').click()")
        got = chrome.eval("""(function () {
          var ids = [], bad = [];
          document.querySelectorAll('#records tbody tr').forEach(function (tr) {
            if (!tr.hidden) {
              ids.push(Number(tr.id.slice(1)));
              if (tr.textContent.indexOf('振兴') < 0) { bad.push(tr.id); }
            }
          });
          var more = document.getElementById('more');
          return { ids: ids, bad: bad, shown: document.body.getAttribute('data-shown'),
                   more: more && !more.hidden ? more.textContent : null,
                   list: more ? more.querySelector('.list').textContent : '' };
        })()""")
        if not got["ids"] or got["bad"] or str(len(got["ids"])) != got["shown"]:
            fail("the search box: %d rows shown (data-shown %s), without 振兴: %s"
                 % (len(got["ids"]), got["shown"], got["bad"][:5]))
        if not got["more"] or "may hold more" not in got["more"]:
            fail("no notice that more records may match: %r" % got["more"])
        cmd = shlex.split(got["list"])
        if cmd[:2] != ["bqw", "list"]:
            fail("the notice's command: %r" % got["list"])
        listed = [r["id"] for r in json.loads(run([bqw] + cmd[1:] + ["--json"]))]
        in_page = set(held)
        if [i for i in listed if i in in_page] != got["ids"] or len(listed) <= len(got["ids"]):
            fail("`%s` lists %d records; the page shows %d of its %d"
                 % (got["list"], len(listed), len(got["ids"]), len(held)))
        print("search 振兴: %d rows shown on the page, %d records from `%s`"
              % (len(got["ids"]), len(listed), got["list"]))

        small = os.path.join(work, "report.html")
        run([bqw, "report", "-o", small])
        chrome.open("file://" + small)
        n = chrome.eval("document.querySelectorAll('#records tbody tr').length")
        if n != 56 or chrome.eval("document.getElementById('more') !== null"):
            fail("the shipped digest's report: %d rows, or a notice it should not have" % n)
    finally:
        chrome.close()
    print("report size ok")


main()
