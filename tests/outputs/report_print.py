"""bqw report printed by headless Chromium on A4 and Letter, and measured (issue 21, item 6).

usage: report_print.py BQW WORKDIR

For the shipped digest and a generated 1 MB digest (60 labelled timeline points), on each
paper: the PDF (Page.printToPDF) and, with BQW_REPORT_PNG=1, its pages as PNG (pdftoppm -r 50,
WORKDIR/NAME-PAPER-N.png, to look at); pdftotext -layout shows no heading (h1, h2, a chart's caption) as the last line
of a page; pdftotext -bbox shows no word beyond the page's right margin (a clipped chart's
labels would be). In print emulation, the viewport as wide as the paper's printable width,
every chart's SVG lies within its figure and the page (getBoundingClientRect); in the
timeline no label's box (getBBox) meets a leader line or another label, and every label
and bar label stays inside its SVG."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chrome  # noqa: E402

PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
MARGIN_MM = 14  # the report's @page side margin
PT = 72.0
errors = []


def fail(msg):
    errors.append(msg)
    print("report_print: " + msg, file=sys.stderr)


MEASURE = r"""
(function () {
  var out = [], root = document.documentElement.clientWidth;
  document.querySelectorAll('figure svg').forEach(function (svg) {
    var r = svg.getBoundingClientRect(), f = svg.closest('figure').getBoundingClientRect();
    var name = svg.getAttribute('aria-label');
    if (r.width < 50) { out.push(name + ': drawn ' + r.width + ' px wide'); }
    if (r.right > f.right + 0.5 || r.left < f.left - 0.5) { out.push(name + ': wider than its figure'); }
    if (r.right > root + 0.5) { out.push(name + ': right edge ' + r.right + ' past the page ' + root); }
    var vb = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(function (t) {
      var b = t.getBBox();
      if (b.x < -0.5 || b.x + b.width > vb.width + 0.5) {
        out.push(name + ': text "' + t.textContent + '" outside the SVG (' + b.x + '..' + (b.x + b.width) + ')');
      }
    });
  });
  var tl = document.querySelector('svg[aria-label=timeline]');
  if (tl) {
    var labels = Array.prototype.map.call(tl.querySelectorAll('a text'), function (t) {
      var b = t.getBBox();
      return { t: t.textContent, x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height };
    });
    var lines = Array.prototype.map.call(tl.querySelectorAll('a line'), function (l) {
      return { x: l.x1.baseVal.value, y0: Math.min(l.y1.baseVal.value, l.y2.baseVal.value),
               y1: Math.max(l.y1.baseVal.value, l.y2.baseVal.value) };
    });
    if (labels.length === 0 || labels.length !== lines.length) { out.push('timeline: ' + labels.length + ' labels, ' + lines.length + ' lines'); }
    labels.forEach(function (a, i) {
      lines.forEach(function (l) {
        if (l.x >= a.x0 && l.x <= a.x1 && l.y1 > a.y0 && l.y0 < a.y1) {
          out.push('timeline: label "' + a.t.slice(0, 30) + '" crosses the line at x=' + l.x);
        }
      });
      labels.slice(i + 1).forEach(function (b) {
        if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) {
          out.push('timeline: labels "' + a.t.slice(0, 20) + '" and "' + b.t.slice(0, 20) + '" overlap');
        }
      });
    });
  }
  var heads = Array.prototype.map.call(document.querySelectorAll('h1, h2, figcaption'), function (h) {
    return h.textContent;
  });
  return { problems: out, heads: heads, labels: tl ? tl.querySelectorAll('a text').length : 0 };
})()
"""


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8", "replace")


def squash(s):
    return re.sub(r"\s+", "", s)


def check_page(chrome, page, name, work, want_labels, page_range=""):
    chrome.open("file://" + page)
    for paper, (w_in, h_in) in PAPERS.items():
        printable = (w_in * 25.4 - 2 * MARGIN_MM) / 25.4 * 96
        chrome.call("Emulation.setDeviceMetricsOverride",
                    {"width": int(printable), "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        chrome.call("Emulation.setEmulatedMedia", {"media": "print"})
        m = chrome.eval(MEASURE)
        for p in m["problems"]:
            fail("%s %s (print emulation, %d px): %s" % (name, paper, printable, p))
        if m["labels"] < want_labels:
            fail("%s: %d timeline labels, expected at least %d" % (name, m["labels"], want_labels))
        chrome.call("Emulation.clearDeviceMetricsOverride")
        chrome.call("Emulation.setEmulatedMedia", {"media": ""})
        pdf = os.path.join(work, "%s-%s.pdf" % (name, paper))
        with open(pdf, "wb") as f:
            f.write(chrome.pdf(w_in, h_in, page_range))
        pages = run(["pdftotext", "-layout", pdf, "-"]).split("\f")
        heads = {squash(h) for h in m["heads"] if squash(h)}
        for i, text in enumerate(pages[:-1]):
            lines = [ln for ln in text.split("\n") if ln.strip()]
            if not lines:
                continue
            last = lines[-1]
            for chunk in [last] + re.split(r"\s{2,}", last.strip()):
                if squash(chunk) in heads:
                    fail("%s %s: page %d ends with the heading %r" % (name, paper, i + 1, chunk.strip()))
                    break
        # every word within the page's right margin (a clipped chart's labels are not)
        bbox = run(["pdftotext", "-bbox", pdf, "-"])
        limit = w_in * PT - MARGIN_MM / 25.4 * PT + 1.0
        for page_no, page_xml in enumerate(bbox.split("<page ")[1:], 1):
            for x_max, word in re.findall(r'<word xMin="[^"]*" yMin="[^"]*" xMax="([^"]*)" yMax="[^"]*">([^<]*)</word>', page_xml):
                if float(x_max) > limit:
                    fail("%s %s: page %d: %r reaches x=%s pt, past the right margin (%.1f pt)"
                         % (name, paper, page_no, word, x_max, limit))
        for old in os.listdir(work):
            if old.startswith("%s-%s-" % (name, paper)) and old.endswith(".png"):
                os.remove(os.path.join(work, old))
        if os.environ.get("BQW_REPORT_PNG"):  # pages to look at; 3 CPU seconds, checked by nothing
            run(["pdftoppm", "-r", "50", "-png", pdf, os.path.join(work, "%s-%s" % (name, paper))])
        print("%s %s: %d pages, %d headings kept with what follows" % (name, paper, len(pages) - 1, len(heads)))


HEAT = r"""
(function () {
  var t = document.getElementById('heat'), out = { cells: {}, regions: [], legend: 0, shaded: 0, right: 0 };
  if (!t) { return null; }
  t.querySelectorAll('thead th[scope=col]').forEach(function (th, i) { if (i > 0) { out.regions.push(th.textContent); } });
  t.querySelectorAll('tbody tr').forEach(function (tr) {
    var row = {};
    tr.querySelectorAll('td').forEach(function (td) {
      row[td.getAttribute('data-region')] = parseInt(td.textContent, 10);
      if (getComputedStyle(td).backgroundColor !== 'rgba(0, 0, 0, 0)') { out.shaded++; }
    });
    out.cells[tr.getAttribute('data-code')] = row;
  });
  out.legend = document.querySelectorAll('.heat-legend span').length;
  out.right = Math.max(t.getBoundingClientRect().right, document.getElementById('code-counts').getBoundingClientRect().right);
  out.root = document.documentElement.clientWidth;
  out.counts = {};
  document.querySelectorAll('#code-counts tbody tr').forEach(function (tr) {
    out.counts[tr.getAttribute('data-code')] = parseInt(tr.querySelector('td.num').textContent, 10);
  });
  return out;
})()
"""


def check_heat(chrome, page, bqw, work):
    """The coding section: the tool x region heat map holds, for every code of the
    policy-tools codebook, the counts `bqw facet code --by region --json` gives (0 where
    it has none), every cell shaded, a legend; the code counts those of `bqw facet code`;
    both within the printable width of A4."""
    want = json.loads(run([bqw, "facet", "code", "--by", "region", "--json"]))
    counts = {c["value"]: c["count"] for c in json.loads(run([bqw, "facet", "code", "--json"]))}
    script = os.path.join(work, "tools.lua")
    with open(script, "w", encoding="utf-8") as f:
        f.write(TOOLS)
    tools = [ln for ln in run([bqw, "run", script]).splitlines() if ln]
    chrome.open("file://" + page)
    printable = (PAPERS["a4"][0] * 25.4 - 2 * MARGIN_MM) / 25.4 * 96
    chrome.call("Emulation.setDeviceMetricsOverride",
                {"width": int(printable), "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    chrome.call("Emulation.setEmulatedMedia", {"media": "print"})
    h = chrome.eval(HEAT)
    chrome.call("Emulation.clearDeviceMetricsOverride")
    chrome.call("Emulation.setEmulatedMedia", {"media": ""})
    if not h:
        return fail("digest: no heat map (#heat) in the report")
    if sorted(h["cells"]) != sorted(tools) or len(tools) < 10:
        fail("heat map rows %s, expected the policy-tools codes %s" % (sorted(h["cells"]), sorted(tools)))
    regions = set()
    for row in want.values():
        regions.update(row)
    if sorted(h["regions"]) != sorted(regions):
        fail("heat map regions %s, expected %s" % (h["regions"], sorted(regions)))
    cells = 0
    for code, row in h["cells"].items():
        for region, n in row.items():
            cells += 1
            if n != want.get(code, {}).get(region, 0):
                fail("heat map %s x %s: %s, bqw facet code --by region says %s"
                     % (code, region, n, want.get(code, {}).get(region, 0)))
    if sum(sum(row.values()) for row in h["cells"].values()) == 0:
        fail("heat map: every cell 0")
    if h["shaded"] != cells:
        fail("heat map: %d of %d cells shaded" % (h["shaded"], cells))
    if h["legend"] < 2:
        fail("heat map: a legend of %d steps" % h["legend"])
    if h["right"] > h["root"] + 0.5:
        fail("coding tables reach %s px, past the A4 page (%s px)" % (h["right"], h["root"]))
    for code, n in h["counts"].items():
        if n != counts.get(code, 0):
            fail("code counts %s: %s, bqw facet code says %s" % (code, n, counts.get(code, 0)))
    if len(h["counts"]) < len(tools):
        fail("code counts: %d codes" % len(h["counts"]))
    print("heat map: %d tools x %d regions as bqw facet code --by region counts them" % (len(tools), len(regions)))


TOOLS = """for _, c in ipairs(require("bqw").load():codes()) do
  if c.file:match("policy%-tools") and c.depth <= 1 then print(c.code) end
end"""


def main():
    bqw, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    page = os.path.join(work, "report.html")
    run([bqw, "report", "-o", page])
    corpus = os.path.join(work, "corpus-1mb.txt")
    run([bqw, "run", os.path.join(src, "bench", "gen_corpus.lua"), "1", corpus])
    big = os.path.join(work, "report-1mb.html")
    run([bqw, "report", "--data", corpus, "-o", big])
    chrome = Chrome()
    try:
        check_page(chrome, page, "digest", work, 13)
        check_heat(chrome, page, bqw, work)
        check_page(chrome, big, "corpus1mb", work, 60, "1-4")  # its charts and timeline
    finally:
        chrome.close()
    if errors:
        print("report_print: %d problems" % len(errors))
        sys.exit(1)
    print("report print ok")


main()
