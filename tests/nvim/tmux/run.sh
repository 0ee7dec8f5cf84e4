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

# The live filter: a lone ! shows an error inline (and does not hang), the filter is
# edited, replaced, and cleared with an empty prompt.
case_live_filter() {
  start "require('bqw.nvim').setup({ debounce = 50 })"
  type_text ":Bqw view list"
  keys Enter
  wait_for "广州"
  keys /
  wait_for "bqw filter:"
  type_text "!"
  wait_for "filter: ! — error"
  keys BSpace
  type_text "region=粤北"
  wait_for "filter: region=粤北 — 5 records"
  keys Enter
  wait_gone "广州"
  keys /
  wait_for "bqw filter: region=粤北"
  keys C-u
  type_text "region=粤东"
  keys Enter
  wait_for "filter: region=粤东 — 4 records"
  keys /
  keys C-u
  keys Enter
  wait_gone "filter: region"
  wait_for "广州"
  alive
}

# gs opens the record's source line in a split, the view staying; :q goes back.
case_source_and_back() {
  start
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
  type_text "27G"
  keys g s
  wait_for "bqw-digest-2023.txt"
  screen | grep -qF "bqw://list" || fail "the view is gone"
  screen | grep -qF "韶關" || fail "not at the record's raw line"
  type_text ":q"
  keys Enter
  wait_gone "bqw-digest-2023.txt"
  wait_for "韶关"
  type_text "]]"
  alive
}

# :Bqw pick records through vim.ui.select (Neovim's own: a numbered list); the choice
# opens in a split.
case_picker() {
  start
  type_text ":Bqw view list region=粤东"
  keys Enter
  wait_for "汕头"
  type_text ":Bqw pick records"
  keys Enter
  wait_for "bqw record"
  type_text "2"
  keys Enter
  wait_for "bqw://detail"
  alive
}

"case_$CASE" || exit 1
echo "$CASE ok"
