#!/usr/bin/env python3
"""SIGTERM at any moment: bqw ends as a terminated command does (exit 143, or killed by
the signal before it could catch it), never with a traceback or another status, and an
output file named with -o is either the complete old one or the complete new one.

Usage: sigterm_check.py BQW_EXE [RUNS]
Each run starts a command and sends SIGTERM after a random delay drawn from the
command's own running time (measured first), so the signal lands at every stage: start,
load, export, writing the file, exit.
"""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

exe = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 500
scratch = tempfile.mkdtemp(prefix="bqw-sigterm-")
out_json = os.path.join(scratch, "out.json")
out_csv = os.path.join(scratch, "out.csv")
COMMANDS = [
    ["export", "--format", "json", "-o", out_json],
    ["export", "--format", "csv", "-o", out_csv],
    ["export", "--format", "json"],
    ["stats"],
    ["search", "振兴"],
    ["view", "tree"],
    ["list", "--json"],
    ["report", "-o", os.path.join(scratch, "report.html")],
    ["export", "--format", "sqlite", "-o", os.path.join(scratch, "out.sqlite")],
    ["check"],
]


def run(words, delay=None):
    p = subprocess.Popen([exe] + words, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if delay is not None:
        time.sleep(delay)
        p.send_signal(signal.SIGTERM)
    _, err = p.communicate()
    return p.returncode, err.decode("utf-8", "replace")


# each command's own time, and the complete files a finished export writes
span = {}
complete = {}
for words in COMMANDS:
    t0 = time.monotonic()
    code, err = run(words)
    if code != 0:
        sys.exit(f"sigterm check: {' '.join(words)} failed without a signal: {code} {err}")
    span[tuple(words)] = time.monotonic() - t0
for path in (out_json, out_csv):
    with open(path, "rb") as f:
        complete[path] = f.read()

random.seed(int(os.environ.get("BQW_SIGTERM_SEED", "143")))
failures = []
counts = {}
for i in range(runs):
    words = COMMANDS[i % len(COMMANDS)]
    delay = random.uniform(0, span[tuple(words)] * 1.1)
    code, err = run(words, delay)
    counts[code] = counts.get(code, 0) + 1
    bad = code not in (0, 143, -signal.SIGTERM)
    bad = bad or "traceback" in err or "internal error" in err
    if bad:
        failures.append(f"{' '.join(words)} after {delay * 1000:.1f} ms: exit {code}: {err.strip()[:400]}")
    for path in (out_json, out_csv):
        with open(path, "rb") as f:
            if f.read() != complete[path]:
                failures.append(f"{path} is not the complete export after {' '.join(words)}, SIGTERM at {delay * 1000:.1f} ms")
    leftovers = [n for n in os.listdir(scratch) if n.startswith(".")]
    if leftovers:
        failures.append(f"temporary files left after {' '.join(words)}: {leftovers}")
        for n in leftovers:
            os.remove(os.path.join(scratch, n))

print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
for f in failures[:20]:
    print("sigterm check: FAIL:", f, file=sys.stderr)
if failures:
    sys.exit(f"sigterm check: {len(failures)} of {runs} runs failed")
print(f"sigterm ok ({runs} runs)")
