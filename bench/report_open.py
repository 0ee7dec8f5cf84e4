"""How large `bqw report` is, and how long headless Chromium takes to open it (issue 21, item 6).

usage: bench/report_open.py BQW_EXE [SIZE_MB ...]          (default: 10 100)
       bench/report_open.py --page FILE.html [...]          (an existing page only)

For each size: the corpus bench/out/corpus-SIZEmb.txt (generated when missing), the time
to write its report (wall, one run), the page's bytes, and the time from navigation to the
load event (its scripts run: the search box ready) in one headless Chromium, three opens,
median and worst. Target: at most a few MB, opened within 3 s at 100 MB."""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "outputs"))
from cdp import Chrome  # noqa: E402


def opens(page, n=3, timeout=120):
    """Wall seconds from navigation to the load event, for n opens; and the renderer's
    main-thread busy time of the last (Performance.getMetrics: TaskDuration, of which
    ScriptDuration and LayoutDuration), which a loaded machine inflates less."""
    chrome = Chrome()
    try:
        times = []
        for _ in range(n):
            chrome.open("about:blank")
            chrome.call("Performance.disable")
            chrome.call("Performance.enable", {"timeDomain": "threadTicks"})
            chrome.events = []
            start = time.monotonic()
            chrome.call("Page.navigate", {"url": "file://" + os.path.abspath(page)})
            chrome.wait_event("Page.loadEventFired", timeout)
            times.append(time.monotonic() - start)
            metrics = {m["name"]: m["value"] for m in chrome.call("Performance.getMetrics")["metrics"]}
        busy = "main thread busy %.2f s (script %.2f, layout %.2f, style %.2f)" % (
            metrics.get("TaskDuration", 0), metrics.get("ScriptDuration", 0),
            metrics.get("LayoutDuration", 0), metrics.get("RecalcStyleDuration", 0))
        return times, busy
    finally:
        chrome.close()


def main():
    args = sys.argv[1:]
    if args and args[0] == "--page":
        for page in args[1:]:
            t, busy = opens(page, 1, 300)
            print("%-40s %12d bytes   opened in %.2f s, %s" % (page, os.path.getsize(page), t[0], busy))
        return
    bqw = os.path.abspath(args[0])
    for size in args[1:] or ["10", "100"]:
        corpus = os.path.join(HERE, "out", "corpus-%smb.txt" % size)
        if not os.path.exists(corpus):
            os.makedirs(os.path.dirname(corpus), exist_ok=True)
            subprocess.run([bqw, "run", os.path.join(HERE, "gen_corpus.lua"), size, corpus], check=True,
                           stdout=subprocess.DEVNULL)
        page = os.path.join(HERE, "out", "report-%smb.html" % size)
        start = time.monotonic()
        subprocess.run([bqw, "report", "--data", corpus, "-o", page], check=True)
        written = time.monotonic() - start
        t, busy = opens(page)
        print("%4s MB digest: report written in %.1f s, %d bytes; opened in %.2f s median, %.2f s worst (3 opens); %s"
              % (size, written, os.path.getsize(page), statistics.median(t), max(t), busy))


main()
