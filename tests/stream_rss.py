#!/usr/bin/env python3
"""Views and lists stream: their memory is the dataset's, whatever the number of rows.

On a generated corpus (bench/gen_corpus.lua, 24 MB by default), each command's peak RSS
(GNU time) is compared, in the same run, with that of `bqw stats` on the same file,
which holds the dataset and nothing else: a command that builds a Lua table per record
or holds every line of its output grows with the records, one that streams does not.
The test fails when a command's peak passes LIMIT x stats' peak plus SLACK_KB. Ratios of
one run only, never absolute figures. Before views streamed (issue 19) `list --sort city`
took 5.9x and `view table` 7.1x the RSS of stats at 100 MB.

    stream_rss.py BQW_EXE SOURCE_DIR [SIZE_MB]
"""
import os
import subprocess
import sys
import tempfile

LIMIT = 1.25
SLACK_KB = 16 * 1024
COMMANDS = [
    ["list"],
    ["list", "--sort", "city"],
    ["list", "--json", "--sort=-city"],
    ["view", "table"],
    ["view", "table", "--columns", "id,city,region,years,measures", "--sort", "region"],
    ["export", "--format", "csv"],
]


def peak_kb(exe, args):
    with tempfile.NamedTemporaryFile("r", prefix="bqw-rss.") as rss:
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, exe] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.exit("stream_rss: bqw %s exited %d: %s"
                     % (" ".join(args), p.returncode, p.stderr.decode()[-300:]))
        return int(rss.read().split()[-1])


def main():
    exe, src = sys.argv[1], sys.argv[2]
    size = sys.argv[3] if len(sys.argv) > 3 else "24"
    with tempfile.TemporaryDirectory(prefix="bqw-stream.") as d:
        corpus = os.path.join(d, "corpus.txt")
        subprocess.run(["lua5.4", os.path.join(src, "bench", "gen_corpus.lua"), size, corpus],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = min(peak_kb(exe, ["stats", "--data", corpus]) for _ in range(2))
        print("%-50s %8d KB" % ("stats", base))
        bad = []
        for args in COMMANDS:
            kb = peak_kb(exe, args + ["--data", corpus])
            ok = kb <= LIMIT * base + SLACK_KB
            print("%-50s %8d KB  %.2fx%s" % (" ".join(args), kb, kb / base, "" if ok else "  TOO MUCH"))
            if not ok:
                bad.append(" ".join(args))
        if bad:
            sys.exit("stream_rss: over %.2fx the RSS of stats: %s" % (LIMIT, ", ".join(bad)))
        print("stream ok")


if __name__ == "__main__":
    main()
