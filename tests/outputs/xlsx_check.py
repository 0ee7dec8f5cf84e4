"""Reads back `bqw export --format xlsx` with openpyxl (Debian python3-openpyxl).

usage: xlsx_check.py BQW_EXE WORKDIR; prints "xlsx ok" when every check holds.
"""
import json
import os
import subprocess
import sys

import openpyxl

exe, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)


def bqw(*words, **kw):
    return subprocess.run([exe, *words], check=True, capture_output=True, **kw).stdout


records = json.loads(bqw("list", "--json"))
path = os.path.join(work, "records.xlsx")
bqw("export", "--format", "xlsx", "-o", path)
wb = openpyxl.load_workbook(path)
assert wb.sheetnames == ["records", "codings", "codes", "about"], wb.sheetnames
# the codings sheet: every piece of evidence `bqw code` lists, typed, hand-checked on
# record 1's third measure (line 12): 探索 [0, 2) and 飞地 [9, 11)
units = json.loads(bqw("code", "--json"))["units"]
evidence = sum(len(u["evidence"]) for u in units)
codings = list(wb["codings"].iter_rows(values_only=True))
assert codings[0] == ("record_id", "measure_index", "code", "label", "codebook", "text", "char_start",
                      "char_stop", "line"), codings[0]
assert len(codings) - 1 == evidence, (len(codings) - 1, evidence)
third = sorted(r for r in codings[1:] if r[0] == 1 and r[1] == 3)
assert [(r[2], r[5], r[6], r[7], r[8]) for r in sorted(third, key=lambda r: r[6])] == [
    ("策略性措施", "探索", 0, 2, 12), ("产业转移", "飞地", 9, 11, 12)], third
codes = list(wb["codes"].iter_rows(values_only=True))
assert codes[0] == ("code", "label", "parent", "codebook", "description"), codes[0]
assert ("人才培养", "供给型", "policy-tools") in [(r[0], r[2], r[3]) for r in codes[1:]], codes
ws = wb["records"]
header = [c.value for c in ws[1]]
assert header[:3] == ["id", "kind", "level"], header
assert ws.max_row == len(records) + 1, (ws.max_row, len(records))
assert ws.freeze_panes == "A2", ws.freeze_panes
assert ws.auto_filter.ref == "A1:%s%d" % (openpyxl.utils.get_column_letter(len(header)), len(records) + 1)
col = {name: i for i, name in enumerate(header)}
rows = list(ws.iter_rows(min_row=2, values_only=True))
for r, row in zip(records, rows):
    assert row[col["id"]] == r["id"] and isinstance(row[col["id"]], int)
    assert (row[col["title"]] or None) == r.get("title"), (row[col["title"]], r.get("title"))
    if r.get("date"):
        d = row[col["date"]]
        assert d.strftime("%Y-%m-%d") == r["date"], (d, r["date"])
    if r.get("period_from"):
        assert row[col["period_from"]] == r["period_from"]
titles = [row[col["title"]] for row in rows]
assert "广东省乡村建设行动实施方案" in titles
# typed cells only: no formula anywhere, the date cell formatted as a date
for line in ws.iter_rows():
    for c in line:
        assert c.data_type != "f", c.coordinate
date_cell = next(c for c in ws[openpyxl.utils.get_column_letter(col["date"] + 1)][1:] if c.value)
assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd", date_cell.number_format
# widths from display width: a title (Han text) column is wide and capped, ids narrow;
# long text wraps
letter = openpyxl.utils.get_column_letter
assert 40 <= ws.column_dimensions[letter(col["title"] + 1)].width <= 62
assert ws.column_dimensions[letter(col["id"] + 1)].width < 8
measures_cell = next(c for c in ws[letter(col["measures"] + 1)][1:] if c.value)
assert measures_cell.alignment.wrap_text
about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
assert about["records"] == len(records) and about["filter"] == "(all records)", about

# measure shape, a filter, and stdout (not a file)
data = bqw("export", "--format", "xlsx", "--shape", "measure", "--where", "region=粤北")
path = os.path.join(work, "north.xlsx")
with open(path, "wb") as fh:
    fh.write(data)
wb = openpyxl.load_workbook(path)
ws = wb["measures"]
north = json.loads(bqw("list", "--json", "--where", "region=粤北"))
n = sum(max(len(r.get("measures", [])), 1) for r in north)
assert ws.max_row == n + 1, (ws.max_row, n)
about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
assert about["filter"] == "region=粤北" and about["records"] == len(north) and about["rows"] == n, about
header = [c.value for c in ws[1]]
cities = {row[header.index("city")] for row in ws.iter_rows(min_row=2, values_only=True)}
assert cities == {r["city"] for r in north}, cities
# the codings of the rows exported only
north_ids = {r["id"] for r in north}
want = sum(len(u["evidence"]) for u in units if u["id"] in north_ids)
got = list(wb["codings"].iter_rows(min_row=2, values_only=True))
assert len(got) == want and {r[0] for r in got} <= north_ids, (len(got), want)

# --sort: city entries in pinyin order, as the about sheet says
path = os.path.join(work, "sorted.xlsx")
bqw("export", "--format", "xlsx", "--where", "kind=city", "--sort", "city", "-o", path)
wb = openpyxl.load_workbook(path)
ws = wb["records"]
header = [c.value for c in ws[1]]
cities = [row[header.index("city")] for row in ws.iter_rows(min_row=2, values_only=True)]
assert cities[:4] == ["潮州", "东莞", "佛山", "广州"], cities
about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
assert about["sort"] == "city", about
# past Excel's 1,048,576 rows a sheet, rows go on to "records 2", ... with the header
# again: the same plugin with a limit of 10 rows (header included) shows it on the digest
plugins = os.path.join(work, "plugins", "export")
os.makedirs(plugins, exist_ok=True)
source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "export", "xlsx.lua")
with open(os.path.join(plugins, "xlsx10.lua"), "w") as fh:
    fh.write("local M = dofile(%s)\nM.name = 'xlsx10'\nM.max_rows = 10\nreturn M\n" % json.dumps(source))
path = os.path.join(work, "split.xlsx")
bqw("export", "--format", "xlsx10", "-o", path,
    env=dict(os.environ, BQW_PLUGIN_PATH=os.path.join(work, "plugins")))
wb = openpyxl.load_workbook(path)
sheets = (len(records) + 8) // 9
assert wb.sheetnames == ["records"] + ["records %d" % n for n in range(2, sheets + 1)] + [
    "codings", "codes", "about"], wb.sheetnames
ids = []
for name in wb.sheetnames[:-3]:
    ws = wb[name]
    assert [c.value for c in ws[1]][:3] == ["id", "kind", "level"], name
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:"), name
    assert 2 <= ws.max_row <= 10, (name, ws.max_row)
    ids += [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
assert ids == [r["id"] for r in records], ids
about = {r[0]: r[1] for r in wb["about"].iter_rows(min_row=2, values_only=True)}
assert about["rows"] == len(records) and about["sheets"] == sheets, about

# A cell over Excel's 32,767 characters (UTF-16 units) is cut with a visible marker and a
# warning naming the record and its source line, never an aborted export; text like
# _x0041_ is written escaped (ECMA-376 ST_Xstring: _x005F_x0041_), so Excel shows it as
# it is. openpyxl hands back the escaped text: excel_text() reads it as Excel does.
import re
import zipfile


def excel_text(value):
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def utf16_units(s):
    return len(s.encode("utf-16-le")) // 2


root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(root, "data", "bqw-digest-2023.txt"), encoding="utf-8") as fh:
    lines = fh.read().split("\n")
assert lines[11].startswith("◎") and lines[12].startswith("●《"), lines[11:13]
lines[11] = "◎" + "探索多種形式_x0041_雙向飛地經濟模式𠮶" * 1600 + "。"  # 35,201 characters
lines[12] = "●《關于_x0041_推動的_x004a_若干_x00zz_措施_x005F_與_X0042_》"
digest = os.path.join(work, "long.txt")
with open(digest, "w", encoding="utf-8") as fh:
    fh.write("\n".join(lines))
listed = json.loads(bqw("list", "--json", "--data", digest))
by_id = {r["id"]: r for r in listed}
long_record = next(r for r in listed if any(len(m) > 32767 for m in r.get("measures", [])))
escaped_record = next(r for r in listed if "_x0041_" in (r.get("title") or ""))
for shape, column in (("record", "measures"), ("measure", "measure")):
    path = os.path.join(work, "long-%s.xlsx" % shape)
    run = subprocess.run([exe, "export", "--data", digest, "--format", "xlsx", "--shape", shape, "-o", path],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    col = {name: i for i, name in enumerate(header)}
    # the title round-trips as Excel reads it, escapes and all
    titles = [excel_text(row[col["title"]]) for row in rows if row[col["id"]] == escaped_record["id"]]
    assert titles and all(t == escaped_record["title"] for t in titles), (titles, escaped_record["title"])
    # the long cell: the text's start, then the marker, within Excel's limit
    if shape == "record":
        whole = "\n".join(long_record["measures"])
        line = long_record["line"]
    else:
        whole = next(m for m in long_record["measures"] if len(m) > 32767)
        line = long_record["measure_lines"][long_record["measures"].index(whole)]
    cells = [row[col[column]] for row in rows
             if row[col["id"]] == long_record["id"] and row[col[column]] and len(excel_text(row[col[column]])) > 20000]
    assert len(cells) == 1, len(cells)
    shown = excel_text(cells[0])
    marker = re.search(r"…\[cut by bqw: (\d+) more characters; Excel holds 32,767 in a cell\]$", shown)
    assert marker, shown[-120:]
    kept = shown[: marker.start()]
    assert whole.startswith(kept) and len(kept) + int(marker.group(1)) == len(whole), (len(kept), marker.group(1))
    assert utf16_units(shown) <= 32767 and len(cells[0]) <= 32767, (utf16_units(shown), len(cells[0]))
    # one warning, naming the file, the source line, the record and the column
    warnings = [w for w in run.stderr.splitlines() if "warning: export xlsx" in w]
    want = "%s:%d:1: warning: export xlsx: record %d, column %s: %d characters" % (
        digest, line, long_record["id"], column, len(whole))
    assert len(warnings) == 1 and warnings[0].startswith(want), (run.stderr, want)
    assert "cut" in warnings[0]
    # the bytes: the underscore of a literal _xHHHH_ is itself escaped
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "关于_x005F_x0041_推动的_x005F_x004a_若干_x00zz_措施_x005F_x005F_与_X0042_" in xml
    assert "_x0041_推动" not in xml.replace("_x005F_x0041_推动", "")
print("xlsx ok")
