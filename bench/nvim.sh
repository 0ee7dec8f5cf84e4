#!/bin/sh
# bench/nvim.sh -- Neovim's responsiveness while bqw loads and draws a large digest,
# measured as a user sees it: Neovim in tmux (150x40), a command typed every ~100 ms
# (`:echo "ping N"`), and the time until its answer is on the screen. The same pings
# against bare Neovim (no plugin) in the same run give the baseline.
#
#   bench/nvim.sh [--size MB] [--view NAME] [ROOT]
#
# Reports, for bqw: the time from `:Bqw` to the end of the load (g:bqw_loading), to
# the first screenful of the view, to the end of the drawing (b:bqw_drawing), the worst
# and median ping latency over that time, and the longest time Neovim's loop did not
# turn (a 2 ms timer inside Neovim: how long a key waited at worst, without tmux's
# polling), and the longest of bqw's own steps on Neovim's thread (wall and CPU time);
# for bare Neovim: the same, idle and while a busy loop at nice 10 takes a core (the
# pings through tmux need a core too). Needs tmux; `make nvim` first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
size=100
view=
while [ $# -gt 0 ]; do
  case $1 in
  --size) size=$2; shift 2 ;;
  --view) view=$2; shift 2 ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) root=$1; shift ;;
  esac
done
corpus=$root/bench/out/corpus-${size}mb.txt
[ -s "$corpus" ] || lua5.4 "$root/bench/gen_corpus.lua" "$size" "$corpus" >&2

TMP=$(mktemp -d)
SOCK=$TMP/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
T() { tmux -u -S "$SOCK" "$@"; }
trap 'T kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT INT TERM
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
screen() { T capture-pane -p -t b 2>/dev/null; }
wait_for() { # TEXT SECONDS
  end=$(($(date +%s) + $2))
  until screen | grep -qF -- "$1"; do
    [ "$(date +%s)" -lt "$end" ] || { echo "nvim.sh: waited $2 s for: $1" >&2; screen >&2; exit 1; }
    sleep 0.005
  done
}

# Inside Neovim: a 2 ms timer; the longest gap between its ticks goes to $TMP/gap.
GAP_LUA="local uv = vim.uv or vim.loop
local last, worst = uv.hrtime(), 0
uv.new_timer():start(0, 2, function()
  local now = uv.hrtime()
  if now - last > worst then
    worst = now - last
    local sec, usec = uv.gettimeofday()
    local f = io.open('$TMP/gap', 'w')
    f:write(math.floor(worst / 1e6), ' ', ('%d%06d000'):format(sec, usec), '\\n')
    f:close()
  end
  last = now
end)"

start() { # INIT_LUA: a fresh tmux server each time
  printf '%s\n%s\n' "$1" "$GAP_LUA" >"$TMP/init.lua"
  rm -f "$TMP/gap"
  T kill-server >/dev/null 2>&1 || true
  SOCK=$TMP/tmux-$(now).sock
  T new-session -d -s b -x 150 -y 40 "nvim -u '$TMP/init.lua' -i NONE -n"
  wait_for "~" 20
}

# ping N: types :echo "ping N", returns (prints) the ms until the answer shows.
ping() {
  T send-keys -t b -l ":echo \"ping $1\""
  t0=$(now)
  T send-keys -t b Enter
  wait_for "ping $1" 60
  ms "$t0" "$(now)"
}

# Pings every ~100 ms while COND (a shell command) succeeds; prints the latencies.
pings_while() {
  i=0
  while eval "$1"; do
    i=$((i + 1))
    ping "$i"
    sleep 0.1
  done
}

stats() { # name, file of latencies
  sort -n "$2" | awk -v name="$1" '{ a[NR] = $1 } END {
    if (NR == 0) { printf "%-28s no pings\n", name; exit }
    printf "%-28s %4d pings  median %5d ms  worst %5d ms\n", name, NR, a[int((NR + 1) / 2)], a[NR] }'
}

# bare Neovim, pinged for 5 s
start "vim.o.shortmess = vim.o.shortmess .. 'I'"
end_at=$(($(date +%s) + 5))
pings_while '[ "$(date +%s)" -lt "$end_at" ]' >"$TMP/bare"
gap_bare=$(cut -d' ' -f1 "$TMP/gap")

# bare Neovim again, while another process keeps one core busy at nice 10 (as bqw's
# view job does): on a 2-core machine this says what the pings through tmux cost when
# a core is taken, whoever takes it
sh -c 'end=$(($(date +%s) + 6)); while [ "$(date +%s)" -lt "$end" ]; do :; done' &
burner=$!
renice -n 10 -p "$burner" >/dev/null
end_at=$(($(date +%s) + 5))
pings_while '[ "$(date +%s)" -lt "$end_at" ]' >"$TMP/bare_busy"
wait "$burner" 2>/dev/null || true

# bqw: :Bqw on the corpus, pinged from the command until the drawing is done (the
# status line shows g:bqw_loading and b:bqw_drawing, which bqw sets while it loads and
# while it draws: unset, the view is not drawn yet)
start "vim.opt.runtimepath:prepend('$root')
vim.o.shortmess = vim.o.shortmess .. 'I'
vim.o.statusline = '%f %{get(g:, \"bqw_loading\", 0) ? \"LOADING\" : \"LOADED\"} %{get(b:, \"bqw_drawing\", 1) ? \"DRAWING\" : \"IDLE\"}'
vim.cmd('runtime plugin/bqw.lua')
require('bqw.nvim').setup({ data = '$corpus' })"
rm -f "$TMP/gap"
T send-keys -t b -l ":Bqw${view:+ view $view}"
t_start=$(now)
T send-keys -t b Enter
# the end of the load, then the first screenful: the view's lines on the screen (its
# third line no longer empty or ~)
(
  until screen | grep -q "bqw://.* LOADED"; do
    sleep 0.01
  done
  now >"$TMP/loaded"
  until screen | sed -n 3p | grep -q '[^~ ]'; do
    sleep 0.01
  done
  now >"$TMP/first"
) &
watcher=$!
: >"$TMP/bqw"
: >"$TMP/bqw_load"
: >"$TMP/bqw_draw"
i=0
while :; do
  i=$((i + 1))
  p=$(ping "$i")
  echo "$p" >>"$TMP/bqw"
  # a ping sent once the load had finished counts as the drawing's
  if [ -e "$TMP/loaded" ]; then echo "$p" >>"$TMP/bqw_draw"; else echo "$p" >>"$TMP/bqw_load"; fi
  if screen | grep -q "bqw://.* IDLE"; then
    break
  fi
  sleep 0.1
done
t_done=$(now)
wait $watcher 2>/dev/null || true
t_loaded=$(cat "$TMP/loaded" 2>/dev/null || echo "$t_done")
t_first=$(cat "$TMP/first" 2>/dev/null || echo "$t_done")
gap_bqw=$(cut -d' ' -f1 "$TMP/gap")
gap_at=$(cut -d' ' -f2 "$TMP/gap")
rss=$(ps -o rss= -C nvim | sort -n | tail -1)
pid=$(ps -o pid=,rss= -C nvim | sort -k2 -n | tail -1 | awk '{ print $1 }')
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
# bqw's own steps on Neovim's thread (draw.steps): the longest in wall and in CPU time
# of that thread, which a busy machine inflates less than the wall time
T send-keys -t b -l ":lua local s = require('bqw.nvim.draw').steps or {} vim.fn.writefile({('%d steps, longest %d ms wall (%s), %d ms CPU (%s); built in %d ms, drawn in %d ms from the start of the jobs'):format(s.count or 0, s.wall_ms or 0, s.wall_what or '-', s.cpu_ms or 0, s.cpu_what or '-', s.built_ms or 0, s.drawn_ms or 0)}, '$TMP/steps')"
T send-keys -t b Enter
end=$(($(date +%s) + 20))
until [ -s "$TMP/steps" ] || [ "$(date +%s)" -ge "$end" ]; do sleep 0.05; done

echo "bench/nvim.sh: ${size} MB corpus ($corpus), view ${view:-default}, tmux 150x40"
stats "bare Neovim" "$TMP/bare"
stats "bare, one core busy" "$TMP/bare_busy"
stats "bqw: during load and draw" "$TMP/bqw"
stats "  of which during the load" "$TMP/bqw_load"
stats "  of which after the load" "$TMP/bqw_draw"
echo "longest loop stall            bare $gap_bare ms, bqw $gap_bqw ms (ending $(ms "$t_start" "$gap_at") ms after :Bqw, $(ms "$t_loaded" "$gap_at") ms after the load)"
echo ":Bqw to the end of the load  $(ms "$t_start" "$t_loaded") ms"
echo ":Bqw to first screen         $(ms "$t_start" "$t_first") ms ($(ms "$t_loaded" "$t_first") ms after the load)"
echo ":Bqw to drawing done         $(ms "$t_start" "$t_done") ms"
echo "Neovim RSS after drawing     $((rss / 1024)) MB (peak $((hwm / 1024)) MB)"
echo "bqw steps on Neovim's thread $(cat "$TMP/steps" 2>/dev/null || echo "not known")"
