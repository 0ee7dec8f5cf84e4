#!/bin/sh
# The real-terminal harness: one case, one child Neovim inside a private tmux server
# (150x40), driven with send-keys and read back with capture-pane, polling with a
# deadline instead of fixed sleeps. Sourced by tests/nvim/tmux/run.sh.
#
# A case uses: start [LUA] (Neovim with bqw on the runtimepath and LUA run at
# startup), keys KEY… (tmux key names), type TEXT (literal), wait_for TEXT [SECONDS],
# wait_gone TEXT [SECONDS], screen, alive, fail MESSAGE.
set -u

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bqw-tmux.XXXXXX")
SOCK=$TMP/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
# generous: the machine running the suite may be busy
WAIT=${BQW_TMUX_WAIT:-20}

T() { tmux -u -S "$SOCK" "$@"; }

cleanup() {
  T kill-server >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

screen() { T capture-pane -p -t bqw 2>/dev/null; }

fail() {
  echo "FAILED ($CASE): $*"
  echo "--- the screen:"
  screen
  echo "---"
  exit 1
}

# wait_for TEXT [SECONDS]: until TEXT (a fixed string) is on the screen.
wait_for() {
  deadline=$(($(date +%s) + ${2:-$WAIT}))
  while ! screen | grep -qF -- "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "waited ${2:-$WAIT}s for: $1"
    sleep 0.05
  done
}

# wait_gone TEXT [SECONDS]: until TEXT is no longer on the screen.
wait_gone() {
  deadline=$(($(date +%s) + ${2:-$WAIT}))
  while screen | grep -qF -- "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "waited ${2:-$WAIT}s for this to go: $1"
    sleep 0.05
  done
}

keys() { T send-keys -t bqw "$@"; }
type_text() { T send-keys -t bqw -l -- "$1"; }

# Neovim still runs (it did not abort, exit or hang): it answers a command.
alive() {
  screen | grep -q "NVIM-EXITED" && fail "Neovim exited"
  keys Escape
  type_text ":echo 'alive' . (6 * 7)"
  keys Enter
  wait_for "alive42"
}

# start [LUA]: Neovim with only bqw, the given Lua run at startup.
start() {
  cat >"$TMP/init.lua" <<INIT
vim.opt.runtimepath:prepend("$ROOT")
vim.o.swapfile = false
vim.o.shortmess = vim.o.shortmess .. "I"
vim.cmd("runtime plugin/bqw.lua")
${1:-}
INIT
  T new-session -d -s bqw -x 150 -y 40 \
    "cd '$TMP' && XDG_CONFIG_HOME='$TMP' XDG_DATA_HOME='$TMP' XDG_STATE_HOME='$TMP' nvim -u '$TMP/init.lua' -i NONE -n; echo NVIM-EXITED-\$?; sleep 600"
  # Neovim is up when its empty buffer's tildes show
  wait_for "~"
}

# The shipped digest as a data file in the case's directory.
data_file() {
  cp "$ROOT/data/bqw-digest-2023.txt" "$TMP/digest.txt"
  echo "$TMP/digest.txt"
}

# A generated digest of 10 MB (26,376 records: more than draw.LARGE, so the view is
# built and drawn in slices) in the case's directory.
large_file() {
  lua5.4 "$ROOT/bench/gen_corpus.lua" 10 "$TMP/large.txt" 2>/dev/null || fail "gen_corpus.lua"
  echo "$TMP/large.txt"
}

# start_large [VIEW]: Neovim on the large digest, :Bqw [view VIEW] typed; the status
# line says DRAWING until bqw has drawn the whole view (b:bqw_drawing).
start_large() {
  f=$(large_file)
  start "vim.o.statusline = '%f %{get(b:, \"bqw_drawing\", 1) ? \"DRAWING\" : \"IDLE\"}'
require('bqw.nvim').setup({ data = '$f', debounce = 50 })"
  type_text ":Bqw${1:+ view $1}"
  keys Enter
}

