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

# The data file is rewritten as a text with no records (a good reload first, so the
# watcher has a dataset of its own to replace): the view keeps the last good data and
# one line says why; a digest again reloads.
case_no_records() {
  f=$(data_file)
  start "require('bqw.nvim').setup({ data = '$f' })"
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
  sed -i 's/若干措施》$/若干新措施》/' "$f"
  wait_for "税收支持广东高质量发展的若干新措施"
  wait_for "reloaded"
  cp "$f" "$TMP/good.txt"
  echo "hello world" >"$f"
  wait_for "the last good data stays"
  screen | grep -qF "no records" || fail "not said why"
  screen | grep -q "Press ENTER" && fail "a hit-enter prompt"
  screen | grep -qF "韶关" || fail "the view lost its data"
  type_text ":echo 'count:' . luaeval('require(\"bqw.nvim.data\").current():count()')"
  keys Enter
  wait_for "count:"
  screen | grep -q "count:[1-9][0-9]" || fail "the last good dataset is gone"
  cp "$TMP/good.txt" "$f"
  wait_for "reloaded"
  screen | grep -qF "韶关" || fail "the view lost its data"
  alive
}

# :help bqw opens the top of bqw's help.
case_help() {
  start "vim.cmd('helptags $ROOT/doc')"
  type_text ":help bqw"
  keys Enter
  wait_for "百千万工程 policy digest"
  screen | head -1 | grep -qF "百千万工程 policy digest" || fail "not the top of bqw.txt"
}

# The live filter: a lone ! shows an error inline (and does not hang), one record is
# counted as "1 record", the filter is edited, replaced, and cleared with an empty prompt.
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
  type_text "id=3"
  wait_for "filter: id=3 — 1 record"
  screen | grep -qF "1 records" && fail "1 records"
  keys C-u
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

# gS opens the source beside its cleaned text; q in either closes both, back to the
# view, and the source file keeps no q of bqw's.
case_cleaned_close() {
  start
  type_text ":Bqw view list"
  keys Enter
  wait_for "韶关"
  type_text "27G"
  keys g S
  wait_for "bqw://cleaned/"
  wait_for "bqw-digest-2023.txt"
  keys q
  wait_gone "bqw://cleaned/"
  wait_gone "bqw-digest-2023.txt"
  wait_for "韶关"
  keys g S
  wait_for "bqw://cleaned/"
  keys C-w l
  type_text ":echo 'in:' . expand('%:t')"
  keys Enter
  wait_for "in:bqw-digest-2023.txt"
  keys q
  wait_gone "bqw://cleaned/"
  screen | sed '$d' | grep -qF "bqw-digest-2023.txt" && fail "the source stays"
  screen | grep -qF "bqw://list" || fail "the view is gone"
  type_text ":echo 'qmap:' . luaeval('#vim.tbl_filter(function(m) return m.lhs == \"q\" end, vim.api.nvim_buf_get_keymap(vim.fn.bufnr(\"bqw-digest-2023.txt\"), \"n\"))')"
  keys Enter
  wait_for "qmap:"
  screen | grep -q "qmap:0" || fail "q stays mapped in the source file"
  alive
}

# The table's header is pinned on the view window's first row (a float on 0.7, the
# window bar on 0.8+): the row under the status line of the window above it (ABOVE)
# shows it, or, with no ABOVE, the screen's first row; nowhere else.
header_at_row() {
  if [ -n "${1:-}" ]; then
    row=$(screen | grep -nF -- "$1" | head -1 | cut -d: -f1)
    [ -n "$row" ] || return 1
    row=$((row + 1))
  else
    row=1
  fi
  screen | sed -n "${row}p" | grep -q "^id  *kind  *line  *city" || return 1
  [ "$(screen | grep -c "^id  *kind  *line  *city")" = 1 ]
}
header_on_top() {
  deadline=$(($(date +%s) + WAIT))
  until header_at_row "${1:-}"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "the header is not alone on the first row of the view${1:+ (under $1)}"
    sleep 0.05
  done
  # and stays there (a late float would move it)
  sleep 0.2
  header_at_row "${1:-}" || fail "the header moved off the view's first row${1:+ (under $1)}"
}

# The header follows its window through splits, closes, <CR>, gS and resizes.
case_pinned_header() {
  start
  type_text ":Bqw view table"
  keys Enter
  wait_for "韶关"
  type_text "40Gzt"
  header_on_top
  keys Enter
  wait_for "bqw://detail"
  header_on_top "bqw://detail"
  type_text ":resize +5"
  keys Enter
  header_on_top "bqw://detail"
  keys q
  wait_gone "bqw://detail"
  header_on_top
  type_text "40Gzt"
  keys g S
  wait_for "bqw://cleaned/"
  header_on_top "bqw://cleaned/"
  keys q
  wait_gone "bqw://cleaned/"
  header_on_top
  type_text ":new"
  keys Enter
  header_on_top "[No Name]"
  type_text ":close"
  keys Enter
  header_on_top
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

# The prompts: Ctrl-C cancels a picker and the e prompts quietly (no "Keyboard
# interrupt", no hit-enter); e's format prompt completes export formats with <Tab>,
# its file prompt file names.
case_prompts() {
  start
  type_text ":Bqw view list region=粤东"
  keys Enter
  wait_for "汕头"
  type_text ":Bqw pick records"
  keys Enter
  wait_for "bqw record"
  keys C-c
  wait_gone "Type number"
  screen | grep -qi "interrupt" && fail "the cancel is not quiet"
  screen | grep -q "Press ENTER" && fail "a hit-enter prompt"
  keys e
  wait_for "bqw export format: csv"
  keys C-u
  type_text "xl"
  keys Tab
  wait_for "bqw export format: xlsx"
  screen | grep -qF "xl^I" && fail "a literal Tab"
  keys Enter
  wait_for "bqw export to: bqw.xlsx"
  keys C-u
  type_text "init.l"
  keys Tab
  wait_for "bqw export to: init.lua"
  keys C-c
  wait_gone "bqw export to"
  screen | grep -qi "interrupt" && fail "the cancel is not quiet"
  screen | grep -q "Press ENTER" && fail "a hit-enter prompt"
  alive
}

# A large view (26,376 records): the first screen comes without a key press, a command
# typed while it is drawn is answered before the drawing ends, and once drawn the
# records show unfolded, each record a fold of its own.
case_large_draw() {
  start_large
  wait_for "L9    关于开展百校联百县"
  wait_for "drawing 26376 records"
  type_text ":echo 'pong' . (6 * 7)"
  keys Enter
  wait_for "pong42"
  screen | grep -qF "drawing 26376 records" || fail "the answer came only after the drawing"
  wait_for " IDLE" 60
  screen | grep -qF "+--" && fail "the view is drawn folded"
  screen | grep -qF "L11   2023年广东金融" || fail "not the view's first records"
  type_text "5G"
  keys z c
  wait_for "lines: L11   2023年广东金融"
  alive
}

# ]] and [[ move from record to record in a large view.
case_large_next() {
  start_large
  wait_for " IDLE" 60
  type_text "gg]]]]"
  type_text ":echo 'at:' . matchstr(getline('.'), 'L[0-9]\\+')"
  keys Enter
  wait_for "at:L11"
  type_text "[["
  type_text ":echo 'back:' . matchstr(getline('.'), 'L[0-9]\\+')"
  keys Enter
  wait_for "back:L9"
}

# In a drawn table view: s on the header's city column, then the first row must be
# 潮州's (pinyin order, not code points).
sort_by_city() {
  # the table's header, not the screen of the view before (its IDLE can still show)
  deadline=$(($(date +%s) + WAIT))
  until screen | head -1 | grep -q "city"; do
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 0.05
  done
  col=$(screen | head -1 | awk '{ print index($0, "city") }')
  [ "$col" -gt 0 ] || fail "no city column"
  type_text "gg0$((col - 1))l"
  keys s
  wait_for "sorted by city"
  wait_for " IDLE" 60
  screen | sed -n 3p | grep -qF "潮州" || fail "the first row is not 潮州's"
}

# The record under the cursor, echoed as "id:N"; prints N.
record_under_cursor() {
  keys Escape
  type_text ":echo 'id:' . luaeval('require(\"bqw.nvim.draw\").id_under_cursor(vim.api.nvim_get_current_buf())')"
  keys Enter
  wait_for "id:"
  screen | grep -o "^id:[0-9]*" | tail -1 | cut -d: -f2
}

# s on a record's line (LINE, in the city column) of a drawn table view: the cursor
# stays on that record, now at another line.
sort_keeps_record() {
  col=$(screen | head -1 | awk '{ print index($0, "city") }')
  [ "$col" -gt 0 ] || fail "no city column"
  type_text "${1}G0$((col - 1))l"
  before=$(record_under_cursor)
  [ -n "$before" ] || fail "no record on line $1"
  type_text ":echo 'line:' . line('.')"
  keys Enter
  wait_for "line:"
  line_before=$(screen | grep -o "^line:[0-9]*" | tail -1)
  keys s
  wait_for "sorted by city"
  wait_for "${2:-sorted}" 60
  after=$(record_under_cursor)
  [ "$before" = "$after" ] || fail "after s the cursor is on record $after, not $before"
  type_text ":echo 'line:' . line('.')"
  keys Enter
  wait_for "line:"
  line_after=$(screen | grep -o "^line:[0-9]*" | tail -1)
  [ "$line_before" != "$line_after" ] || fail "the record did not move ($line_after): no test"
}

# s on a record's line keeps the cursor on that record.
case_sort_keeps_record() {
  start
  type_text ":Bqw view table"
  keys Enter
  wait_for "韶关"
  sort_keeps_record 12
  alive
}

# s sorts a large table view by the column under the cursor, names in pinyin order;
# the cursor stays on its record.
case_large_sort() {
  start_large table
  wait_for " IDLE" 60
  sort_by_city
  sort_keeps_record 30 " IDLE"
  alive
}

# The live filter on a large view narrows it, shows the count, and an empty filter
# brings the whole view back.
case_large_filter() {
  start_large
  wait_for " IDLE" 60
  keys /
  wait_for "bqw filter:"
  type_text "region=粤北"
  keys Enter
  wait_for "filter: region=粤北 — 2355 records" 60
  wait_for " IDLE" 60
  screen | grep -qF "广州" && fail "the view did not narrow"
  keys /
  keys C-u
  keys Enter
  wait_gone "filter: region" 60
  wait_for " IDLE" 60
  wait_for "L9    关于开展百校联百县"
  alive
}

# Views built by view jobs, with the threshold lowered (large = 500) so a 1 MB digest
# (2,632 records) is large: the first screen comes without a key press, the view is
# held in C (the buffer's view object, not Lua tables), folds close, ]] moves to the
# next record, s sorts by a column, the live filter narrows the view and counts, and
# a user's view plugin (on plugin_path) is built the same way.
case_large_job() {
  lua5.4 "$ROOT/bench/gen_corpus.lua" 1 "$TMP/small.txt" 2>/dev/null || fail "gen_corpus.lua"
  mkdir -p "$TMP/plugins/view"
  cat >"$TMP/plugins/view/ids.lua" <<'LUA'
return { name = "ids", kind = "view", description = "one line a record",
  render = function(records, opts, ctx)
    local b = ctx.util.builder()
    for _, r in ipairs(records) do b:line({ { "record#" .. r.id, "BqwId" } }, r.id) end
    return b:result()
  end }
LUA
  start "vim.o.statusline = '%f %{get(b:, \"bqw_drawing\", 1) ? \"DRAWING\" : \"IDLE\"}'
require('bqw.nvim').setup({ data = '$TMP/small.txt', large = 500, debounce = 50, plugin_path = { '$TMP/plugins' } })"
  type_text ":Bqw"
  keys Enter
  wait_for "L9    关于开展百校联百县"
  wait_for " IDLE" 60
  type_text ":echo 'held:' . luaeval('require(\"bqw.nvim.draw\").buffers[vim.api.nvim_get_current_buf()].view:count()')"
  keys Enter
  wait_for "held:"
  screen | grep -q "held:[1-9]" || fail "the view is not held in C"
  type_text "5G"
  keys z c
  wait_for "lines: L11   2023年广东金融"
  type_text "zRgg]]]]"
  type_text ":echo 'at:' . matchstr(getline('.'), 'L[0-9]\\+')"
  keys Enter
  wait_for "at:L11"
  keys /
  wait_for "bqw filter:"
  type_text "region=粤北"
  keys Enter
  wait_for "filter: region=粤北 — 235 records" 60
  wait_for " IDLE" 60
  screen | grep -qF "广州" && fail "the view did not narrow"
  type_text ":Bqw view table"
  keys Enter
  wait_for " IDLE" 60
  sort_by_city
  type_text ":Bqw view ids"
  keys Enter
  wait_for "record#1"
  wait_for " IDLE" 60
  alive
}

# echo_value NAME VIMEXPR: the value of a Vim expression (a number), echoed as
# NAME:value: and read back from the screen.
echo_value() {
  keys Escape
  type_text ":echo '$1:' . ($2) . ':'"
  keys Enter
  deadline=$(($(date +%s) + WAIT))
  while :; do
    value=$(screen | sed -n "s/.*$1:\\([0-9][0-9]*\\):.*/\\1/p" | tail -n 1)
    [ -n "$value" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || fail "waited ${WAIT}s for $1"
    sleep 0.05
  done
  echo "$value"
}

# The live filter typed into a large view (10 MB, 26,376 records): a key every 100 ms,
# more than the debounce, so filters are built and drawn while the next keys come.
# Every key arrives, in order, the count is right, and the old view's lines went in
# several steps (draw.cleared counts them): the first filter's replacement of a view
# this size was one set_lines of 100s of ms.
case_large_live_filter() {
  start_large
  wait_for " IDLE" 60
  lines=$(echo_value lines "line('\$')")
  [ "${lines:-0}" -gt 20000 ] || fail "a view of $lines lines: too small to test"
  keys /
  wait_for "bqw filter:"
  for ch in r e g i o n = 粤 北; do
    type_text "$ch"
    sleep 0.1
  done
  wait_for "bqw filter: region=粤北"
  screen | tail -n 1 | grep -qx "bqw filter: region=粤北 *" || fail "the keys did not all arrive in order"
  wait_for "filter: region=粤北 — 2355 records" 60
  keys Enter
  wait_for " IDLE" 60
  screen | grep -qF "广州" && fail "the view did not narrow"
  steps=$(echo_value steps "luaeval('require(\"bqw.nvim.draw\").cleared.steps')")
  most=$(echo_value most "luaeval('require(\"bqw.nvim.draw\").cleared.most')")
  gone=$(echo_value gone "luaeval('require(\"bqw.nvim.draw\").cleared.lines')")
  [ "${gone:-0}" -ge $((lines - 200)) ] || fail "$gone of the old view's $lines lines deleted by steps"
  [ "${steps:-0}" -ge 2 ] || fail "the old view went in $steps steps"
  [ "${most:-0}" -lt $((lines - 200)) ] || fail "one step deleted $most of $lines lines"
  # a filter the view jobs cannot use says why and keeps the view and its filter
  keys /
  wait_for "bqw filter: region=粤北"
  type_text " region=火星"
  keys Enter
  wait_for 'unknown value "火星"' 60
  wait_for " IDLE" 60
  left=$(echo_value left "line('\$')")
  [ "${left:-0}" -gt 1000 ] || fail "a filter that does not compile left $left lines"
  keys /
  wait_for "bqw filter: region=粤北"
  keys Escape
  alive
}

# A second and a third view of a large digest (10 MB) wipe the one before, hidden
# now: one bqw buffer is left, and Neovim's RSS grows by less than the first view
# took (a view kept would add as much again each time: 40 -> 80 -> 103 -> 126 MB
# before, 41 -> 80 -> 94 -> 106 MB with the wipe).
case_second_view_wipes() {
  f=$(large_file)
  start "vim.o.statusline = '%f %{get(b:, \"bqw_drawing\", 1) ? \"DRAWING\" : \"IDLE\"}'
require('bqw.nvim').setup({ data = '$f' })"
  # the codings too (the first view would start a coding job whose result, a one-time
  # cost of the dataset, lands during a later view and reads as a view kept)
  type_text ":lua require('bqw.nvim.data').dataset():codings()"
  keys Enter
  rss0=$(echo_value rss0 "luaeval('vim.loop.resident_set_memory()')")
  for n in 1 2 3; do
    type_text ":Bqw view tree"
    keys Enter
    wait_for " IDLE" 60
    sleep 0.5
    eval "rss$n=\$(echo_value rss$n \"luaeval('(collectgarbage() or 0) + vim.loop.resident_set_memory()')\")"
  done
  views=$(echo_value views "len(filter(range(1, bufnr('\$')), 'bufexists(v:val) && bufname(v:val) =~# \"^bqw://\"'))")
  [ "$views" = 1 ] || fail "$views bqw buffers after the third view"
  echo "RSS: $((rss0 >> 20)) MB loaded, then $((rss1 >> 20)), $((rss2 >> 20)), $((rss3 >> 20)) MB with each view"
  # two views kept would add twice what one costs (about 50 MB here); the first view's
  # own growth can be small or negative (the GC, the allocator giving pages back), so the
  # room is that growth or 48 MB, whichever is more
  room=$((rss1 - rss0))
  [ "$room" -gt $((48 << 20)) ] || room=$((48 << 20))
  [ $((rss3 - rss1)) -lt "$room" ] || fail "RSS $rss0 -> $rss1 -> $rss2 -> $rss3: the views before were kept"
  alive
}

# The evidence of the codes is underlined (BqwCode, linked to Underlined) where a view
# shows it: record 1's title holds 产业有序转移, evidence of 产业转移 (產業有序轉移 as
# published); setup{ code_highlight = false } turns it off.
case_code_highlight() {
  start
  type_text ":Bqw view list"
  keys Enter
  wait_for "产业有序转移"
  under=$(printf '\033\\[4m(\033\\[[0-9;]*m)*产业有序转移')
  deadline=$(($(date +%s) + WAIT))
  while ! T capture-pane -p -e -t bqw | grep -qE "$under"; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "产业有序转移 not underlined"
    sleep 0.05
  done
  type_text ":lua require('bqw.nvim').setup({ code_highlight = false })"
  keys Enter
  type_text ":Bqw view list"
  keys Enter
  wait_for "产业有序转移"
  sleep 0.3
  T capture-pane -p -e -t bqw | grep -qE "$under" && fail "underlined with code_highlight = false"
  alive
}

# :Bqw code lists the codings; <CR> on one opens its record with the cursor on the
# coded measure, which shows its codes; gc says a record's codes.
case_code_jump() {
  start
  type_text ":Bqw code"
  keys Enter
  wait_for "codings"
  screen | grep -qF "1.1     L10    区域协调" || fail "no coding of 1.1"
  type_text ":call search('^1\\.3 ')"
  keys Enter
  keys Enter
  wait_for "code: 环境型; 策略性措施; 产业转移"
  type_text ":echo 'at:' . getline('.')"
  keys Enter
  wait_for "at:  3. L12"
  keys g c
  wait_for "#1.3 L12  环境型 策略性措施 产业转移"
  keys Enter
  alive
}

"case_$CASE" || exit 1
echo "$CASE ok"
