#!/usr/bin/env python3
"""bench/export.py -- exports from the raw digest, side by side with their peers, in one run.

    bench/export.py [--size MB] [--repeat N] [--formats csv,ndjson,csv@city,...] [BUILD_DIR]

For a generated corpus (bench/out/corpus-<MB>mb.txt, made by bench/gen_corpus.lua when
missing) it measures, per run, wall time and peak RSS (the child's own, from wait4):
  * `bqw stats --json` (the load and nothing else: what "the load finishing" costs);
  * `bqw export --format F [--shape measure]` to a pipe: the first byte's time after
    start, the time to the last byte, peak RSS, and RSS as a multiple of the input;
    F@SORT in --formats exports F with `--sort SORT`, keys separated by / (csv@city,
    csv@region/-year);
  * the peers on what bqw wrote: `mlr --icsv --ocsv cat` on the CSV, `jq -c .` on the
    NDJSON, `mlr --itsv --otsv cat` on the TSV.
Medians of --repeat runs (default 3) are printed with the ratios the targets name
(issue 11): CSV export / mlr <= 1, RSS <= 2.5x input, first byte - load <= 100 ms.
"""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(argv, stdin_path=None, out_path=None):
    """Runs argv; returns (first byte s, total s, peak RSS bytes, exit code, CPU s)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    out = open(out_path, "wb") if out_path else None
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = None
    fd = proc.stdout.fileno()
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        if first is None:
            first = time.monotonic() - start
        if out:
            out.write(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    total = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if out:
        out.close()
    if stdin_path:
        stdin.close()
    return (first if first is not None else total, total, usage.ru_maxrss * 1024, proc.returncode,
            usage.ru_utime + usage.ru_stime)


def median_runs(argv, repeat, **kw):
    runs = [run(argv, **kw) for _ in range(repeat)]
    for r in runs:
        if r[3] != 0:
            sys.exit("export.py: %s exited %d" % (" ".join(argv), r[3]))
    return tuple(statistics.median(r[i] for r in runs) for i in (0, 1, 2, 4))


def main():
    args = sys.argv[1:]
    size, repeat, build = "100", 3, "build"
    formats = ["csv", "ndjson", "tsv", "json", "markdown", "html"]
    while args:
        a = args.pop(0)
        if a == "--size":
            size = args.pop(0)
        elif a == "--repeat":
            repeat = int(args.pop(0))
        elif a == "--formats":
            formats = args.pop(0).split(",")
        elif a in ("-h", "--help"):
            print(__doc__)
            return
        else:
            build = a
    exe = os.path.join(build if os.path.isabs(build) else os.path.join(os.getcwd(), build), "bqw")
    out_dir = os.path.join(ROOT, "bench", "out")
    os.makedirs(out_dir, exist_ok=True)
    corpus = os.path.join(out_dir, "corpus-%smb.txt" % size)
    if not os.path.exists(corpus) or os.path.getsize(corpus) == 0:
        print("export.py: generating", corpus, file=sys.stderr)
        subprocess.check_call(["lua5.4", os.path.join(HERE, "gen_corpus.lua"), size, corpus],
                              stderr=subprocess.DEVNULL)
    input_bytes = os.path.getsize(corpus)
    print("corpus %s: %.1f MB; medians of %d runs; RSS = the process's peak" % (
        corpus, input_bytes / 2**20, repeat))
    # a generated corpus is at most its size (bench/gen_corpus.lua), so up to 1024 MB it
    # loads under the default --max-size 1G, as a user's would; a larger one needs more
    limit = ["--max-size", str(2 * input_bytes)] if input_bytes > 1 << 30 else []
    _, load, load_rss, load_cpu = median_runs([exe, "stats", "--json", "--data", corpus] + limit, repeat)
    print("%-34s %8.2f s (CPU %6.2f s) %9.1f MB" % ("bqw stats --json (load)", load, load_cpu,
                                                   load_rss / 2**20))
    peers = {"csv": ["mlr", "--icsv", "--ocsv", "cat"], "ndjson": ["jq", "-c", "."],
             "tsv": ["mlr", "--itsv", "--otsv", "cat"]}
    verdicts = []
    for item in formats:
        fmt, _, sort = item.partition("@")
        shape = ["--shape", "measure"] if fmt in ("csv", "tsv") else []
        written = os.path.join(out_dir, "export-%smb.%s" % (size, fmt))
        sort = sort.replace("/", ",")
        sort_args = ["--sort=" + sort] if sort else []
        argv = [exe, "export", "--data", corpus, "--format", fmt] + shape + sort_args + limit
        runs = []
        for i in range(repeat):
            runs.append(run(argv, out_path=written if i == 0 else None))
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        rss = statistics.median(r[2] for r in runs)
        cpu = statistics.median(r[4] for r in runs)
        label = "bqw export --format %s%s%s" % (fmt, " --shape measure" if shape else "",
                                                " --sort " + sort if sort else "")
        print("%-34s %8.2f s (CPU %6.2f s) %9.1f MB  %4.2fx input  first byte %.3f s (load + %.0f ms)"
              % (label, total, cpu, rss / 2**20, rss / input_bytes, first, (first - load) * 1000))
        verdicts.append("%s RSS %.2fx input (target <= 2.5x): %s" % (
            item, rss / input_bytes, "met" if rss <= 2.5 * input_bytes else "NOT met"))
        if sort:  # the peers and the first byte are the unsorted export's
            os.remove(written)
            continue
        if fmt == "csv":
            verdicts.append("first byte of csv %.0f ms after the load (target <= 100 ms): %s" % (
                (first - load) * 1000, "met" if first - load <= 0.1 else "NOT met"))
        if fmt in peers:
            _, ptotal, prss, pcpu = median_runs(peers[fmt], repeat, stdin_path=written)
            print("%-34s %8.2f s (CPU %6.2f s) %9.1f MB  on the %.1f MB bqw wrote; bqw/peer %.2fx "
                  "(CPU %.2fx)" % (" ".join(peers[fmt][:3]), ptotal, pcpu, prss / 2**20,
                                   os.path.getsize(written) / 2**20, total / ptotal, cpu / pcpu))
            if fmt == "csv":
                verdicts.append("csv export / mlr cat %.2fx wall, %.2fx CPU (target <= 1): %s" % (
                    total / ptotal, cpu / pcpu, "met" if total <= ptotal else "NOT met"))
        os.remove(written)
    for v in verdicts:
        print("verdict:", v)


if __name__ == "__main__":
    main()
