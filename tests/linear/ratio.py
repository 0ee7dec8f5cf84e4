#!/usr/bin/env python3
"""Linear time and memory on pathological inputs: a ratio test, not a timing test.

Each shape of input is generated at size n and at 10n; bqw runs on both, and the test
fails when the run's CPU time or its peak memory (its maximum RSS, from GNU time) grows
more than LIMIT (20x) from one to the other, or when a run fails. Linear work grows 10x at most (less,
as start-up costs are fixed); a quadratic step grows 100x, n^1.3 20x. Only ratios are
compared, never absolute times, so a slow or busy machine changes nothing but the noise,
which a second try and the room between 10x and 20x absorb: the test runs beside others
(not RUN_SERIAL), where the cache another process shares makes the larger run's CPU time
grow more than the smaller's (the highest ratio alone was 9.6x, later_edition).

    ratio.py BQW_EXE [--only NAME[,NAME]] [--scale F] [--keep DIR]

--scale multiplies every n (0.1 for a quick look); --only runs some shapes; --keep
writes the inputs into DIR and leaves them there. Prints a table and "linear ok".
Before the fixes of issue 24 (append_text, apply_repairs' columns, NFC's ordering of
combining marks) unrecognised_lines, repair_lines, long_line, repair_matches and
combining_marks failed: out of memory under the 3 GB cap, or stopped after 60 s.
"""
import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

LIMIT = 20.0
TIME = "/usr/bin/time"  # GNU time (Debian: time), for a child's own peak RSS
# A run is stopped past this (a quadratic input at 10n could take hours), and its
# address space is capped (a quadratic input could take the machine's memory).
RUN_SECONDS = 60
RUN_BYTES = 3 << 30
# The ratios are of whole runs, start-up included (bqw stats on a one-line file, the
# baseline printed, takes ~0.02 s and ~8 MB): that keeps a linear run's ratio under 10
# whatever the noise of a small run, and every n here is large enough that a quadratic
# step's growth is far over LIMIT all the same. GNU time counts CPU time in 0.01 s.
TIME_FLOOR = 0.01
MEM_FLOOR_KB = 1024

DIGEST = None  # the shipped digest's text, read in main()
REPAIR = "?qū)崿F(xiàn)"  # data/repairs.tsv's corrupted span


# ---- the shapes: each writes its input for size n into d and returns bqw's arguments ----


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def unrecognised_lines(d, n):
    # lines that join one field, a quarter each: the introduction (preamble), an
    # 'other' record of unrecognised lines (a section), a meeting's text, and the
    # 'other' record of an unknown section
    q = n // 4
    prose = "廣廣，廣。\n"
    text = ("廣廣\n" * q + "全省政策\n" + prose * q + "重要會議一覽\n2023年1月3日\n"
            + prose * q + "某某未知標題\n" + prose * (n - 3 * q))
    return ["stats", "--data", write(os.path.join(d, "lines.txt"), text)]


def long_line(d, n):
    # the digest joined into one line, n bytes of it (a repair matches once a copy)
    one = DIGEST.replace("\n", " ")
    reps = n // len(one.encode()) + 1
    text = (one * reps).encode()[:n].decode("utf-8", "ignore")
    return ["stats", "--data", write(os.path.join(d, "long.txt"), text)]


def repair_matches(d, n):
    # n matches of a repair on one line, each with a reading the residue step removes
    text = "全省政策\n" + REPAIR * n + "\n" + "廣(guǎng)" * n + "\n"
    return ["stats", "--data", write(os.path.join(d, "repairs.txt"), text)]


def repair_lines(d, n):
    # a repair on each of n lines, under a section
    text = "全省政策\n" + ("廣東" + REPAIR + "。\n") * n
    return ["stats", "--data", write(os.path.join(d, "repair-lines.txt"), text)]


def combining_marks(d, n):
    # a run of n combining marks of two classes, alternating (NFC orders them), on one
    # line and in n/20 short lines
    text = "全省政策\na" + "\u0301\u0323" * (n // 2) + "\n" + ("e\u0301\u0323，廣東。\n" * (n // 20))
    return ["stats", "--data", write(os.path.join(d, "marks.txt"), text)]


def many_measures(d, n):
    text = "全省政策\n縣域發展\n●《廣東省某某方案》\n" + "◎ 加快推進鄉村振興，廣東。\n" * n
    return ["stats", "--data", write(os.path.join(d, "measures.txt"), text)]


def later_edition(d, n):
    # what a later edition adds, a fifth each (issue 20): bylines, a measure wrapped
    # onto many lines, headlines of one city entry, documents with a 文号 after the
    # title, meetings over a range of days
    q = n // 5
    text = ("●南方日報記者 某某\n" * q + "全省政策\n縣域發展\n●《廣東省某某方案》\n◎加快推進，\n"
            + "鄉村振興，廣東。\n" * q
            + "●《廣東省某某方案》(粵府〔2023〕12號)\n◎加快推進鄉村振興。\n" * (q // 2)
            + "地市政策\n廣州\n" + "推動城鄉區域協調發展，走在全省前列\n" * q + "◎加快推進。\n"
            + "重要會議一覽\n" + "2023年9月1日至2日\n會議召開。\n" * (q // 2))
    return ["stats", "--data", write(os.path.join(d, "edition.txt"), text)]


def lua_run(d, name, body):
    return ["run", write(os.path.join(d, name + ".lua"), body)]


def deep_where(d, n):
    # n nested parentheses and nots: refused past the engine's depth limit, in time linear in n
    expr = "(" * n + "year>=2025" + ")" * n + " or " + "not " * n + "year>=2025"
    write(os.path.join(d, "where.txt"), expr)
    return lua_run(d, "where", f"""
local f = assert(io.open({os.path.join(d, "where.txt")!r}, "rb"))
local expr = f:read("a")
f:close()
-- refused by a query (an error raised or returned)
local function refused(f)
  local ok, a, b = pcall(f)
  local err = tostring(ok and b or a)
  assert(err:find("nested more than", 1, true), err)
end
local ds = assert(require("bqw").load())
refused(function() return ds:query(expr) end) -- nil, message, name
""")


def long_where(d, n):
    # a --where of n bytes: a long text~ value and a long list of terms
    words = "鄉村振興" * (n // 24) + " " + " ".join(["year>=2025"] * (n // 22))
    write(os.path.join(d, "where.txt"), "text~" + words)
    return lua_run(d, "where", f"""
local f = assert(io.open({os.path.join(d, "where.txt")!r}, "rb"))
local expr = f:read("a")
f:close()
local ds = assert(require("bqw").load())
print(ds:query(expr):count())
""")


def long_search(d, n):
    # a search query of n bytes: one long word, and many short words, either script
    q1 = "乡村振兴" * (n // 24)
    q2 = " ".join(["廣東"] * (n // 14))
    write(os.path.join(d, "q1.txt"), q1)
    write(os.path.join(d, "q2.txt"), q2)
    return lua_run(d, "search", f"""
local function read(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local ds = assert(require("bqw").load())
for _, p in ipairs({{{os.path.join(d, "q1.txt")!r}, {os.path.join(d, "q2.txt")!r}}}) do
  local q = read(p)
  local r = ds:search(q)
  local r2 = ds:search(q, {{ script = "hans" }})
  print(r and #r.hits, r2 and #r2.hits)
end
""")


def search_long_text(d, n):
    # a query of n/10 characters over a measure of n, both growing: one that fails at its
    # last character, one that matches (spans), and a two-word one (every text folded)
    data = write(os.path.join(d, "one-measure.txt"),
                 "全省政策\n縣域發展\n●《某某方案》\n◎ " + "廣" * n + "\n")
    return lua_run(d, "search-long", f"""
local ds = assert(require("bqw").load({data!r}))
local word = string.rep("廣", {n // 10})
for _, q in ipairs({{ word .. "東", word, word .. " " .. word }}) do
  local r = assert(ds:search(q))
  print(#r.hits)
end
""")


def convert_text(d, n):
    # the converter on one n-byte line and on n/20 short lines
    one = DIGEST.replace("\n", "")
    reps = n // len(one.encode()) + 1
    text = (one * reps).encode()[:n].decode("utf-8", "ignore") + "\n"
    text += "鄉村振興發展。\n" * (n // 22)
    return ["convert", "--to", "hans", write(os.path.join(d, "conv.txt"), text)]


SHAPES = [
    # name, generator, n (10n is the big run)
    ("unrecognised_lines", unrecognised_lines, 200_000),
    ("long_line", long_line, 5_000_000),
    ("repair_matches", repair_matches, 400_000),
    ("repair_lines", repair_lines, 200_000),
    ("combining_marks", combining_marks, 800_000),
    ("many_measures", many_measures, 200_000),
    ("later_edition", later_edition, 200_000),
    ("deep_where", deep_where, 20_000),
    ("long_where", long_where, 100_000),
    ("long_search", long_search, 100_000),
    ("search_long_text", search_long_text, 200_000),
    ("convert", convert_text, 2_000_000),
]


def limit_child():
    resource.setrlimit(resource.RLIMIT_AS, (RUN_BYTES, RUN_BYTES))
    os.setpgrp()


def run(exe, args):
    """CPU seconds (user + system) and peak RSS (KB) of one run; (inf, inf, why) when it
    failed. CPU time, not the clock's: three other jobs on two cores stretch the clock
    of a run by whatever they do meanwhile, and its CPU time far less."""
    # GNU time reports its child's own peak: a child of this process would inherit the
    # peak of the Python that forked it (Linux keeps the high-water mark across exec)
    with tempfile.NamedTemporaryFile("r", prefix="bqw-rss.") as rss:
        p = subprocess.Popen([TIME, "-f", "%U %S %M", "-o", rss.name, exe] + args,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=limit_child)
        try:
            _, err = p.communicate(timeout=RUN_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return float("inf"), float("inf"), "stopped after %ds" % RUN_SECONDS
        err = err.decode("utf-8", "replace")
        if p.returncode != 0:
            # every input here is one bqw takes (with warnings): any other end is a
            # failure, out of memory under the cap included
            return float("inf"), float("inf"), "exit %d: %s" % (p.returncode, err[-300:].strip())
        user, system, peak = rss.read().split()[-3:]
        return float(user) + float(system), int(peak), ""


def ratio(big, small, floor):
    return max(big, floor) / max(small, floor)


def measure(exe, d, make, n):
    small_args = make(os.path.join(d, "small"), n)
    big_args = make(os.path.join(d, "big"), 10 * n)
    best = None
    for attempt in range(2):
        # the small run's best of two, against the big one: noise makes a run slower,
        # never faster
        smalls = [run(exe, small_args) for _ in range(2)]
        for ts, ms, why in smalls:
            if why:
                return (ts, float("inf"), ms, float("inf"), float("inf"), float("inf"), why)
        ts, ms = min(r[0] for r in smalls), min(r[1] for r in smalls)
        tb, mb, why = run(exe, big_args)
        if why:
            return (ts, tb, ms, mb, float("inf"), float("inf"), why)
        rt = ratio(tb, ts, TIME_FLOOR)
        rm = ratio(mb, ms, MEM_FLOOR_KB)
        if best is None or max(rt, rm) < max(best[4], best[5]):
            best = (ts, tb, ms, mb, rt, rm, "")
        if rt <= LIMIT and rm <= LIMIT:
            break
    return best


def main():
    global DIGEST
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--only")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--keep")
    a = ap.parse_args()
    if not os.access(TIME, os.X_OK):
        print("ratio.py: needs GNU time at %s (Debian: apt-get install time)" % TIME)
        return 2
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(src, "data", "bqw-digest-2023.txt"), encoding="utf-8") as f:
        DIGEST = f.read()
    only = set(a.only.split(",")) if a.only else None
    d = a.keep or tempfile.mkdtemp(prefix="bqw-linear.")
    failed = []
    try:
        os.makedirs(os.path.join(d, "small"), exist_ok=True)
        os.makedirs(os.path.join(d, "big"), exist_ok=True)
        one = write(os.path.join(d, "one.txt"), "全省政策\n")
        base = min(run(a.exe, ["stats", "--data", one])[:2] for _ in range(3))
        print("baseline: %.3f s, %d KB" % base)
        print("%-20s %9s %9s %9s %9s %9s %7s %7s" % (
            "shape", "n", "t(n) s", "t(10n) s", "rss(n)KB", "rss(10n)", "time x", "mem x"))
        for name, make, n in SHAPES:
            if only and name not in only:
                continue
            n = max(1, int(n * a.scale))
            ts, tb, ms, mb, rt, rm, why = measure(a.exe, d, make, n)
            print("%-20s %9d %9.3f %9.3f %9.0f %9.0f %7.1f %7.1f %s" % (
                name, n, ts, tb, ms, mb, rt, rm, why), flush=True)
            if rt > LIMIT or rm > LIMIT:
                failed.append(name)
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)
    if failed:
        print("grew more than %gx from n to 10n: %s" % (LIMIT, ", ".join(failed)))
        return 1
    print("linear ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
