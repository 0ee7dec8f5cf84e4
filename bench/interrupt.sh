#!/bin/sh
# bench/interrupt.sh -- how long Ctrl-C takes to end an export of a large digest.
#
#   bench/interrupt.sh [BUILD_DIR] [CORPUS] [DELAYS...]
#
# Runs `bqw export --data CORPUS --format csv -o OUT` and sends SIGINT after each delay
# (seconds; default 1 3 6 10: during the load, the record copy and the export), then
# prints the exit status, the latency from the signal to the exit, and whether a
# temporary file was left beside OUT. CORPUS defaults to bench/out/corpus-100mb.txt
# (bench/run.sh generates it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
corpus=${2:-$root/bench/out/corpus-100mb.txt}
[ $# -gt 2 ] && shift 2 || set --
[ $# -gt 0 ] || set -- 1 3 6 10
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for delay in "$@"; do
  python3 - "$build/bqw" "$corpus" "$out/out.csv" "$delay" <<'PY'
import os, signal, subprocess, sys, time
exe, corpus, out, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
p = subprocess.Popen([exe, "export", "--data", corpus, "--format", "csv", "-o", out],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
time.sleep(delay)
if p.poll() is not None:
    print(f"SIGINT after {delay:4.1f} s: the export had already ended (exit {p.returncode})")
    sys.exit(0)
t0 = time.monotonic()
p.send_signal(signal.SIGINT)
code = p.wait()
latency = time.monotonic() - t0
left = [n for n in os.listdir(os.path.dirname(out))]
print(f"SIGINT after {delay:4.1f} s: exit {code}, ended {latency*1000:7.1f} ms later, files left: {left or 'none'}")
PY
done
