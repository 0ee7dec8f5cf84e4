#!/usr/bin/env python3
"""bench/nvim.py -- Neovim's responsiveness while bqw loads and draws a large digest,
measured as a user sees it: Neovim in tmux (150x40), a command typed every ~100 ms
(`:echo "pong" . N`), and the time from its Enter until Neovim has written the answer
(`pongN`) to its terminal. The same pings against bare Neovim (no plugin) in the same
run give the baseline, idle and while a busy loop at nice 10 takes a core.

    bench/nvim.py [--size MB] [--corpus FILE] [--view NAME] [--runs N] [--check]
                  [--load-nice N[,M...]] [--busy N] [--filter TEXT] [--type-ms MS] [ROOT]

The keys are sent and Neovim's output is read through one tmux control-mode client
(`tmux -C`): tmux reports each write of the pane as it happens (`%output`), so an
answer is timed when Neovim writes it, by a process that waits in select() and spawns
nothing. (The shell version before it polled `tmux capture-pane` every 5 ms, a process
each time, and that polling cost 30-40 ms a ping on bare Neovim.)

Once the view shows, every other key is Ctrl-F or Ctrl-B, timed until the screen shows the
view scrolled (bare Neovim scrolling plain text is its baseline).

Reports, for bqw: the time from `:Bqw` to the end of the load (g:bqw_loading), to the
first screenful of the view, to the end of the drawing (b:bqw_drawing); the median and
worst ping over that time, during the load and after it apart; the longest time
Neovim's loop did not turn (a 2 ms timer inside Neovim); Neovim's RSS; the longest of
bqw's own steps on Neovim's thread (wall and CPU time). Needs tmux; `make nvim` first.

With --filter TEXT, once the view is drawn the live filter (`/`) is opened and TEXT
typed into it a character every --type-ms ms (default 200, more than the debounce, so
each key starts a filter while the next ones are typed); each key is timed until the
prompt shows it (the screen polled every 2 ms). Reported: the median and worst key,
the time from the last key to the filtered count on the view's first line, the steps
of the filter's buffer replacement (count, longest CPU), Neovim's RSS. Bare Neovim's
baseline types the same text at the same pace into an input() prompt.
"""
import argparse
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

COLS, ROWS = 150, 40


def unescape(value):
    """A %output value: tmux writes bytes below 32 and the backslash as \\ooo."""
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), value)


class Tmux:
    """A tmux server running one command in a pane, driven through a control client."""

    def __init__(self, sock, argv):
        self.sock = sock
        subprocess.run(["tmux", "-u", "-S", sock, "new-session", "-d", "-s", "b",
                        "-x", str(COLS), "-y", str(ROWS)] + argv, check=True)
        self.proc = subprocess.Popen(["tmux", "-u", "-S", sock, "-C", "attach", "-t", "b"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.partial = b""
        self.output = bytearray()  # the pane's output since the last clear
        self.block = None  # lines of the command reply being read
        self.replies = []  # replies not yet taken, in order
        self.sent = 0  # commands sent
        self.answered = 0  # their replies read
        self.command("display -p ready")  # the attach's own reply comes first

    def pump(self, timeout):
        """Reads what tmux has written within timeout seconds (0: what is there)."""
        if not self.sel.select(timeout):
            return False
        data = os.read(self.proc.stdout.fileno(), 1 << 16)
        if not data:
            raise RuntimeError("tmux control client ended")
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            if self.block is not None:
                if line.startswith((b"%end ", b"%error ")):
                    # the flags field is 1 for replies to this client's commands
                    if line.split()[-1] == b"1":
                        self.replies.append(self.block)
                        self.answered += 1
                    self.block = None
                else:
                    self.block.append(line)
            elif line.startswith(b"%begin "):
                self.block = []
            elif line.startswith(b"%output "):
                self.output += unescape(line.split(b" ", 2)[2])
        return True

    def send(self, cmd):
        self.proc.stdin.write(cmd.encode() + b"\n")
        self.sent += 1

    def command(self, cmd, timeout=20):
        """Runs a tmux command and returns its reply's lines (earlier replies first)."""
        self.send(cmd)
        end = time.monotonic() + timeout
        while self.answered < self.sent:
            if time.monotonic() > end:
                raise RuntimeError("tmux did not answer: " + cmd)
            self.pump(0.05)
        reply = self.replies[-1]
        self.replies.clear()
        return reply

    def keys(self, text):
        self.command("send-keys -t b -l " + quote(text))

    def screen(self):
        return [line.decode("utf-8", "replace") for line in self.command("capture-pane -p -t b")]

    def pane_pid(self):
        return int(self.command("display -p -t b '#{pane_pid}'")[0])

    def close(self):
        try:
            self.send("kill-server")
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def wait_screen(tmux, pred, timeout, what):
    end = time.monotonic() + timeout
    while True:
        screen = tmux.screen()
        if pred(screen):
            return screen
        if time.monotonic() > end:
            sys.exit("bench/nvim.py: waited %d s for %s; the screen:\n%s"
                     % (timeout, what, "\n".join(screen)))
        tmux.pump(0.01)


def ping(tmux, n):
    """Types :echo "pong" . n, presses Enter, returns (ms until `pong<n>` was written,
    the time Enter was sent). The answer cannot match the typed command."""
    tmux.keys(':echo "pong" . %d' % n)
    tmux.output.clear()
    t0 = time.monotonic()
    tmux.send("send-keys -t b Enter")
    answer = re.compile(rb"pong%d(?![0-9])" % n)
    end = t0 + 60
    while not answer.search(tmux.output):
        if time.monotonic() > end:
            sys.exit("bench/nvim.py: no answer to ping %d in 60 s" % n)
        tmux.pump(0.1)
    ms = (time.monotonic() - t0) * 1000
    while tmux.answered < tmux.sent:  # the Enter's own reply
        tmux.pump(0.05)
    tmux.replies.clear()
    return ms, t0


TOP = re.compile(r"W(\d+)W")


def top_line(screen):
    """The window's top line (w0), which the status line shows as W<n>W."""
    for line in reversed(screen):
        m = TOP.search(line)
        if m:
            return int(m.group(1))
    return None


def scroll(tmux):
    """Presses Ctrl-F in the view (Ctrl-B when it is scrolled already) and returns the
    ms until the screen shows it scrolled (its status line a new top line), or None
    when it did not move within 5 s. Polls the screen every 2 ms: a redraw of the
    status line writes only the cells that changed, so its output has no text to
    wait for."""
    before = top_line(tmux.screen())
    if before is None:
        return None
    key = "C-f" if before <= 1 else "C-b"
    t0 = time.monotonic()
    tmux.send("send-keys -t b " + key)
    while time.monotonic() < t0 + 5:
        now = top_line(tmux.screen())
        if now is not None and now != before:
            return (time.monotonic() - t0) * 1000
        tmux.pump(0.002)
    return None


def stats(name, values):
    if not values:
        return "%-28s no pings" % name
    v = sorted(values)
    return "%-28s %4d pings  median %5.0f ms  worst %5.0f ms" % (
        name, len(v), v[(len(v) - 1) // 2], v[-1])


GAP_LUA = """local uv = vim.uv or vim.loop
local last, worst = uv.hrtime(), 0
uv.new_timer():start(0, 2, function()
  local now = uv.hrtime()
  if now - last > worst then
    worst = now - last
    local f = io.open('%s', 'w')
    f:write(math.floor(worst / 1e6), ' ', ('%%.0f'):format(now), '\\n')
    f:close()
  end
  last = now
end)
"""


class Neovim:
    def __init__(self, tmp, init_lua, ready=None):
        self.gap = os.path.join(tmp, "gap-%d" % time.monotonic_ns())
        init = os.path.join(tmp, "init.lua")
        with open(init, "w") as f:
            f.write(init_lua + "\n" + GAP_LUA % self.gap)
        self.tmux = Tmux(os.path.join(tmp, "tmux-%d.sock" % time.monotonic_ns()),
                         ["nvim", "-u", init, "-i", "NONE", "-n"])
        wait_screen(self.tmux, ready or (lambda s: any(line.startswith("~") for line in s)),
                    20, "Neovim to start")

    def worst_gap(self):
        try:
            with open(self.gap) as f:
                ms, at = f.read().split()
                return int(ms), int(at)
        except (OSError, ValueError):
            return None, None


def pings_for(tmux, seconds, scrolling=False):
    out, end = [], time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        out.append(scroll(tmux) if scrolling else ping(tmux, n)[0])
        tmux.pump(0.1)
    return out


# --check: bare Neovim whose loop a timer blocks for 150 ms every 500 ms, to show
# that the pings see a stall of that size
STALL_LUA = """(vim.uv or vim.loop).new_timer():start(500, 500, vim.schedule_wrap(function()
  local uv = vim.uv or vim.loop
  local t = uv.hrtime()
  while uv.hrtime() - t < 150e6 do end
end))"""


def prompt_line(screen):
    """The last non-empty line of the screen (where the prompt is)."""
    for line in reversed(screen):
        if line.strip():
            return line.rstrip()
    return ""


def type_keys(tmux, prompt, text, pace):
    """Types text into an open prompt a character every pace seconds; returns the ms
    each character took to show on the prompt line (polled every 2 ms) and the time
    the last one was sent."""
    out, typed, last = [], "", None
    for ch in text:
        typed += ch
        want = prompt + typed
        t0 = time.monotonic()
        tmux.keys(ch)
        last = t0
        while prompt_line(tmux.screen()) != want:
            if time.monotonic() > t0 + 60:
                sys.exit("bench/nvim.py: %r did not show in 60 s; the screen:\n%s"
                         % (want, "\n".join(tmux.screen())))
            tmux.pump(0.002)
        out.append((time.monotonic() - t0) * 1000)
        pause = t0 + pace
        while time.monotonic() < pause:
            tmux.pump(max(0, min(0.01, pause - time.monotonic())))
    return out, last


def bare_typing(tmp, text, pace):
    """Bare Neovim: text typed into an input() prompt at the same pace."""
    nv = Neovim(tmp, "vim.o.shortmess = vim.o.shortmess .. 'I'")
    nv.tmux.keys(':call input("bqw filter: ")')
    nv.tmux.send("send-keys -t b Enter")
    wait_screen(nv.tmux, lambda s: prompt_line(s) == "bqw filter:", 20, "the prompt")
    keys, _ = type_keys(nv.tmux, "bqw filter: ", text, pace)
    gap = nv.worst_gap()[0]
    nv.tmux.close()
    return keys, gap


def bare(tmp, seconds, busy, stall=False, text=None):
    """Bare Neovim pinged; with text (a file), scrolled in it instead."""
    init = "vim.o.shortmess = vim.o.shortmess .. 'I'\n" + (STALL_LUA if stall else "")
    if text:
        init += ("vim.o.laststatus = 2\nvim.o.statusline = 'W%%{line(\"w0\")}W'\n"
                 "vim.cmd('edit %s')\n" % text)
    nv = Neovim(tmp, init, ready=(lambda s: top_line(s) is not None) if text else None)
    burner = None
    if busy:
        # as bqw's view job does: a core taken at nice 10
        burner = subprocess.Popen(["nice", "-n", "10", "sh", "-c", "while :; do :; done"])
    try:
        pings = pings_for(nv.tmux, seconds, scrolling=bool(text))
    finally:
        if burner:
            burner.kill()
            burner.wait()
    gap = nv.worst_gap()[0]
    nv.tmux.close()
    return pings, gap


def rss_of(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def read_steps(tmp, tmux, which="steps"):
    """bqw's steps on Neovim's thread for the last large view (draw.steps), or since
    draw.longest was reset (which="longest")."""
    steps = os.path.join(tmp, "steps-%d" % time.monotonic_ns())
    tmux.keys(":lua local s = require('bqw.nvim.draw')." + which + " or {} vim.fn.writefile({('%d steps, "
              "longest %d ms wall (%s), %d ms CPU (%s); built in %d ms, drawn in %d ms from the "
              "start of the jobs'):format(s.count or 0, s.wall_ms or 0, s.wall_what or '-', "
              "s.cpu_ms or 0, s.cpu_what or '-', s.built_ms or 0, s.drawn_ms or 0)}, '" + steps + "')")
    tmux.command("send-keys -t b Enter")
    end = time.monotonic() + 20
    while not (os.path.exists(steps) and os.path.getsize(steps)) and time.monotonic() < end:
        time.sleep(0.05)
    try:
        with open(steps) as f:
            steps_text = f.read().strip()
    except OSError:
        steps_text = "not known"
    return steps_text


def filter_phase(tmux, text, pace):
    """The live filter typed into the drawn view: the keys' times, the ms from the last
    key to the count on the screen, the replacement's steps."""
    tmux.keys(":lua require('bqw.nvim.draw').longest = nil")
    tmux.command("send-keys -t b Enter")
    tmux.keys("gg")  # the view's first line shows the count
    wait_screen(tmux, lambda s: top_line(s) == 1, 20, "the view's top")
    tmux.send("send-keys -t b /")
    wait_screen(tmux, lambda s: prompt_line(s).startswith("bqw filter:"), 20, "the filter prompt")
    tmux.send("send-keys -t b C-u")
    wait_screen(tmux, lambda s: prompt_line(s) == "bqw filter:", 20, "the empty prompt")
    keys, last = type_keys(tmux, "bqw filter: ", text, pace)
    counted = re.compile(r"filter: %s — \d+ records?" % re.escape(text))
    screen = wait_screen(tmux, lambda s: any(counted.search(line) for line in s), 120, "the count")
    to_count = (time.monotonic() - last) * 1000
    count = next(counted.search(line).group(0) for line in screen if counted.search(line))
    tmux.send("send-keys -t b Enter")
    time.sleep(0.3)
    wait_screen(tmux, lambda s: any(" IDLE" in line for line in s if line.startswith("bqw://")),
                120, "the filtered view drawn")
    return keys, to_count, count


def bqw_run(tmp, root, corpus, view, load_nice, filter_text=None, pace=0.2):
    nv = Neovim(tmp, """vim.opt.runtimepath:prepend('%s')
vim.o.shortmess = vim.o.shortmess .. 'I'
vim.o.statusline = '%%f %%{get(g:, "bqw_loading", 0) ? "LOADING" : "LOADED"} %%{get(b:, "bqw_drawing", 1) ? "DRAWING" : "IDLE"} W%%{line("w0")}W'
vim.cmd('runtime plugin/bqw.lua')
require('bqw.nvim').setup({ data = '%s'%s })""" % (
        root, corpus, "" if load_nice is None else ", load_nice = %d" % load_nice))
    tmux = nv.tmux
    if os.path.exists(nv.gap):
        os.remove(nv.gap)
    tmux.keys(":Bqw" + (" view " + view if view else ""))
    t_start = time.monotonic()
    tmux.send("send-keys -t b Enter")
    marks = {}

    def look():
        # the end of the load, the first screenful (the view's third line no longer
        # empty or ~), the end of the drawing, told by the status line
        screen = tmux.screen()
        status = next((line for line in screen if line.startswith("bqw://")), "")
        now = time.monotonic()
        if "loaded" not in marks and " LOADED" in status:
            marks["loaded"] = now
        if "loaded" in marks and "first" not in marks and len(screen) > 2 \
                and screen[2].strip() not in ("", "~"):
            marks["first"] = now
        if "loaded" in marks and " IDLE" in status:
            marks["done"] = now

    during, after, scrolls, unscrolled = [], [], [], 0
    n = 0
    while "done" not in marks:
        if time.monotonic() - t_start > 600:
            sys.exit("bench/nvim.py: the view was not drawn in 600 s")
        n += 1
        if "first" in marks and n % 2 == 0:
            # once the view shows, every other key scrolls it
            ms = scroll(tmux)
            if ms is None:
                unscrolled += 1
            else:
                scrolls.append(ms)
        else:
            ms, sent = ping(tmux, n)
            (after if "loaded" in marks and sent >= marks["loaded"] else during).append(ms)
        # ~100 ms between pings, the screen looked at every 10 ms meanwhile
        pause = time.monotonic() + 0.1
        while time.monotonic() < pause:
            look()
            tmux.pump(0.01)
        look()
    gap, gap_at = nv.worst_gap()
    rss, hwm = rss_of(tmux.pane_pid())
    steps_text = read_steps(tmp, tmux)
    filtered = None
    if filter_text:
        if os.path.exists(nv.gap):
            os.remove(nv.gap)
        keys, to_count, count = filter_phase(tmux, filter_text, pace)
        frss, fhwm = rss_of(tmux.pane_pid())
        filtered = {"steps": read_steps(tmp, tmux, "longest"), "keys": keys, "to_count": to_count, "count": count, "gap": nv.worst_gap()[0],
                    "rss": frss, "hwm": fhwm}
    tmux.close()
    return {
        "during": during, "after": after, "scrolls": scrolls, "unscrolled": unscrolled, "gap": gap, "gap_at": gap_at,
        "start": t_start, "marks": marks, "rss": rss, "hwm": hwm, "steps": steps_text,
        "filtered": filtered,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100, help="corpus size in MB (default 100)")
    ap.add_argument("--corpus", help="the digest (default: bench/out/corpus-<size>mb.txt, "
                    "generated when missing, as is a missing FILE)")
    ap.add_argument("--baseline", type=float, default=5,
                    help="seconds bare Neovim is pinged, each way (default 5)")
    ap.add_argument("--view", default="", help="the view to open (default: the configured one)")
    ap.add_argument("--runs", type=int, default=1, help="bqw runs after the baselines")
    ap.add_argument("--load-nice", metavar="N[,M...]",
                    help="setup's load_nice; a list runs each in turn, --runs times")
    ap.add_argument("--busy", type=int, default=0, metavar="N",
                    help="N busy loops at nice 0 throughout, as a build would run")
    ap.add_argument("--check", action="store_true",
                    help="also ping a Neovim that stalls 150 ms every 500 ms")
    ap.add_argument("--filter", metavar="TEXT",
                    help="once the view is drawn, type TEXT into the live filter (/)")
    ap.add_argument("--type-ms", type=int, default=200, metavar="MS",
                    help="ms between the filter's keys (default 200)")
    ap.add_argument("root", nargs="?", default=os.path.dirname(here))
    args = ap.parse_args()
    for tool in ("tmux", "nvim"):
        if not shutil.which(tool):
            sys.exit("bench/nvim.py: %s is not installed: run scripts/deps.sh" % tool)
    root = os.path.abspath(args.root)
    corpus = os.path.abspath(args.corpus) if args.corpus else \
        os.path.join(root, "bench", "out", "corpus-%dmb.txt" % args.size)
    if not (os.path.exists(corpus) and os.path.getsize(corpus)):
        os.makedirs(os.path.dirname(corpus), exist_ok=True)
        subprocess.run(["lua5.4", os.path.join(root, "bench", "gen_corpus.lua"),
                        str(args.size), corpus], check=True, stdout=sys.stderr)
    os.environ.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    tmp = tempfile.mkdtemp(prefix="bqw-nvim-bench.")
    busy = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(args.busy)]
    try:
        bare_pings, bare_gap = bare(tmp, args.baseline, busy=False)
        busy_pings, busy_gap = bare(tmp, args.baseline, busy=True)
        print("bench/nvim.py: %d MB corpus (%s), view %s, tmux %dx%d%s"
              % (args.size, corpus, args.view or "default", COLS, ROWS,
                 ", %d busy loops throughout" % args.busy if args.busy else ""))
        print(stats("bare Neovim", bare_pings))
        print(stats("bare, one core busy", busy_pings))
        # a screenful scrolled in plain text: 20,000 lines of the corpus
        text = os.path.join(tmp, "text.txt")
        with open(corpus, "rb") as src, open(text, "wb") as dst:
            dst.writelines(line for _, line in zip(range(20000), src))
        scroll_pings, _ = bare(tmp, args.baseline, busy=False, text=text)
        print(stats("bare, Ctrl-F/B in text", [v for v in scroll_pings if v is not None]))
        if args.filter:
            typed, typed_gap = bare_typing(tmp, args.filter, args.type_ms / 1000)
            print(stats("bare, typing %s" % args.filter, typed) + "  (loop stall %s ms)" % typed_gap)
        if args.check:
            stall_pings, stall_gap = bare(tmp, args.baseline, busy=False, stall=True)
            print(stats("check: 150 ms stalls", stall_pings) + "  (loop stall %s ms)" % stall_gap)
        nices = [int(v) for v in args.load_nice.split(",")] if args.load_nice else [None]
        for run in range(args.runs * len(nices)):
            nice = nices[run % len(nices)]
            r = bqw_run(tmp, root, corpus, args.view, nice, args.filter, args.type_ms / 1000)
            marks, t0 = r["marks"], r["start"]
            ms = lambda t: (t - t0) * 1000  # noqa: E731
            loaded = marks.get("loaded", marks["done"])
            if args.runs > 1 or len(nices) > 1:
                print("run %d%s" % (run + 1, "" if nice is None else ", load_nice = %d" % nice))
            print(stats("bqw: during load and draw", r["during"] + r["after"]))
            print(stats("  of which during the load", r["during"]))
            print(stats("  of which after the load", r["after"]))
            print(stats("bqw: Ctrl-F/B in the view", r["scrolls"])
                  + ("  (%d did not scroll in 5 s)" % r["unscrolled"] if r["unscrolled"] else ""))
            # uv.hrtime() and time.monotonic() both read CLOCK_MONOTONIC
            gap_at = r["gap_at"] / 1e9 if r["gap_at"] is not None else None
            print("longest loop stall            bare %s ms (one core busy %s ms), bqw %s ms%s"
                  % (bare_gap, busy_gap, r["gap"], "" if gap_at is None else
                     " (ending %.0f ms after :Bqw, %.0f ms after the load)"
                     % (ms(gap_at), (gap_at - loaded) * 1000)))
            print(":Bqw to the end of the load  %.0f ms" % ms(loaded))
            print(":Bqw to first screen         %.0f ms (%.0f ms after the load)"
                  % (ms(marks.get("first", marks["done"])),
                     (marks.get("first", marks["done"]) - loaded) * 1000))
            print(":Bqw to drawing done         %.0f ms" % ms(marks["done"]))
            print("Neovim RSS after drawing     %d MB (peak %d MB)" % (r["rss"], r["hwm"]))
            print("bqw steps on Neovim's thread %s" % r["steps"])
            f = r["filtered"]
            if f:
                print(stats("bqw: typing %s" % args.filter, f["keys"])
                      + "  (loop stall %s ms)" % f["gap"])
                print("last key to the count        %.0f ms (%s)" % (f["to_count"], f["count"]))
                print("Neovim RSS after the filter  %d MB (peak %d MB)" % (f["rss"], f["hwm"]))
                print("steps while filtering        %s" % f["steps"].split(";")[0])
    finally:
        for b in busy:
            b.kill()
            b.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
