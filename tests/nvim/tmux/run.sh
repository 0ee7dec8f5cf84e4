#!/bin/sh
# tests/nvim/tmux/run.sh ROOT CASE: one case of the real-terminal tests (ctest runs
# each as its own test, nvim_tmux_CASE). Prints "CASE ok" or what failed, with the
# screen.
ROOT=$1
CASE=$2
. "$ROOT/tests/nvim/tmux/harness.sh"

# :Bqw on a data file: the load finishes in the background and the view is drawn
# without another key press.
case_background_load() {
  f=$(data_file)
  start "require('bqw.nvim').setup({ data = '$f' })"
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
}

# The data file changes on disk: the open view is redrawn without a key press.
case_change_redrawn() {
  f=$(data_file)
  start "require('bqw.nvim').setup({ data = '$f' })"
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
  sed -i 's/若干措施》$/若干新措施》/' "$f"
  wait_for "税收支持广东高质量发展的若干新措施"
}

# The data file turns invalid while a view is open: Neovim lives, the view keeps the
# last good data, and one line says why, once.
case_broken_file() {
  f=$(data_file)
  start "require('bqw.nvim').setup({ data = '$f' })"
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
  printf '\377\n' >>"$f"
  wait_for "the last good data stays"
  screen | grep -q "Press ENTER" && fail "a hit-enter prompt"
  printf '\377\n' >>"$f"
  sleep 1
  alive
  screen | grep -qF "韶关" || fail "the view lost its data"
  type_text ":messages"
  keys Enter
  n=$(screen | grep -cF "the last good data stays")
  [ "$n" = 1 ] || fail "the reason said $n times, not once"
}

# :help bqw opens the top of bqw's help.
case_help() {
  start "vim.cmd('helptags $ROOT/doc')"
  type_text ":help bqw"
  keys Enter
  wait_for "百千万工程 policy digest"
  screen | head -1 | grep -qF "百千万工程 policy digest" || fail "not the top of bqw.txt"
}

"case_$CASE" || exit 1
echo "$CASE ok"
