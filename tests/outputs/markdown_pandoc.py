"""The Markdown export's grid tables (--table grid) through pandoc (Debian's pandoc 2.17)
to HTML and to docx (issue 21, item 6): every cell reads back as the record's text, a
record's measures on lines of their own (<br /> in HTML, <w:br/> in docx), the Chinese
text's columns measured as pandoc measures them (a Han character takes 2 cells; a width
counted in characters moves the column bars and pandoc splits the cells wrongly).

usage: markdown_pandoc.py BQW_EXE SOURCE_DIR WORKDIR; prints "markdown pandoc ok" when
every check holds.
"""
import html.parser
import json
import os
import re
import subprocess
import sys
import zipfile
from xml.etree import ElementTree

exe, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)


def run(*words, **kw):
    return subprocess.run(list(words), check=True, capture_output=True, **kw).stdout


# The digest with record 1 made of text pandoc's Markdown would read as markup: a list
# start, math, a citation, a superscript, a line block, raw HTML, smart quotes, East
# Asian ambiguous characters (1 cell) and fullwidth ones (2).
with open(os.path.join(source, "data", "bqw-digest-2023.txt"), encoding="utf-8") as f:
    lines = f.read().split("\n")
assert lines[8].startswith("●《"), lines[8]
lines[8] = "●《關于<b>粗</b> & \"引\" 'q' -- 措施...》"
lines[9] = "◎- 列表 1. 第一 $x$ @cite ^上^ ~下~ | 管道 \\ 反斜杠"
lines[10] = "◎“引號”—…●◎ 全角，（括號）ＡＢ 2023—2025年 {#id} <br> [l](x) *b*"
lines[11] = "◎#標題 > 引用 `碼` a_b_c  兩個空格"
data = os.path.join(work, "digest.txt")
with open(data, "w", encoding="utf-8") as f:
    f.write("\n".join(lines))


def expected_cells(shape):
    """{(id, measure index or 0): {column: text}} as export_util.cell makes cells."""
    doc = json.loads(run(exe, "export", "--data", data, "--format", "json", "--shape", shape))
    cells = {}
    for r in doc["records"]:
        row = {}
        for key, value in r.items():
            if isinstance(value, list):
                value = ("\n" if key == "measures" else "; ").join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            row[key] = str(value)
        cells[(r["id"], r.get("measure_index", 0))] = row
    return doc["records"], cells


class Tables(html.parser.HTMLParser):
    """The tables of pandoc's HTML: header and rows of cell texts, <br /> as a newline."""

    def __init__(self):
        super().__init__()
        self.tables, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "br" and self.cell is not None:
            self.cell += "\n"
        elif self.cell is not None:
            raise AssertionError("markup in a cell: <%s>" % tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self.cell)
            self.cell = None

    def handle_data(self, text):
        if self.cell is not None:
            # pandoc writes a newline after <br />; any other newline wraps a long line
            if self.cell.endswith("\n") and text.startswith("\n"):
                text = text[1:]
            self.cell += text.replace("\n", " ")


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_tables(path):
    """The tables of a docx: rows of cell texts, <w:br/> as a newline, paragraphs too."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    tables = []
    for tbl in root.iter(W + "tbl"):
        rows = []
        for tr in tbl.iter(W + "tr"):
            cells = []
            for tc in tr.iter(W + "tc"):
                paras = []
                for p in tc.iter(W + "p"):
                    text = ""
                    for el in p.iter():
                        if el.tag == W + "t":
                            text += el.text or ""
                        elif el.tag == W + "br":
                            text += "\n"
                    paras.append(text)
                cells.append("\n".join(paras))
            rows.append(cells)
        tables.append(rows)
    return tables


def check(tables, cells, records, what):
    """Every row of every table is a record's (or measure's) cells, in order."""
    seen = []
    for table in tables:
        header, rows = table[0], table[1:]
        assert header[0] == "id", (what, header)
        for row in rows:
            assert len(row) == len(header), (what, header, row)
            got = dict(zip(header, row))
            key = (int(got["id"]), int(got.get("measure_index") or 0))
            want = cells[key]
            for column, text in got.items():
                # Markdown reads a run of spaces as one space, and none at a line's ends
                expected = re.sub(r" *\n *", "\n", re.sub(r" +", " ", want.get(column, ""))).strip()
                assert text == expected, (what, key, column, text, expected)
            seen.append(key)
    assert seen == [(r["id"], r.get("measure_index", 0)) for r in records], (what, len(seen))


for shape in ("record", "measure"):
    records, cells = expected_cells(shape)
    md = os.path.join(work, "grid-%s.md" % shape)
    run(exe, "export", "--data", data, "--format", "markdown", "--table", "grid", "--shape", shape, "-o", md)
    page = run("pandoc", "-f", "markdown", "-t", "html", md).decode("utf-8")
    parsed = Tables()
    parsed.feed(page)
    check(parsed.tables, cells, records, "html " + shape)
    docx = os.path.join(work, "grid-%s.docx" % shape)
    run("pandoc", "-f", "markdown", "-o", docx, md)
    check(docx_tables(docx), cells, records, "docx " + shape)
    if shape == "record":
        # record 1's three measures: one cell, two breaks between them, in both
        assert cells[(1, 0)]["measures"].count("\n") == 2, cells[(1, 0)]["measures"]
        assert re.search(r"<td>[^<]+<br />\n[^<]+", page), "no <br /> between two lines of a cell"
        with zipfile.ZipFile(docx) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert re.search(r"</w:t></w:r><w:r><w:br ?/></w:r><w:r><w:t[^>]*>", xml), "no <w:br/> in a cell"
        # the same rows from the engine's own pass (no filter) and through a Lua-side one
        sub = run(exe, "export", "--data", data, "--format", "markdown", "--table", "grid", "--where", "id=1")
        assert sub.decode("utf-8").count("\n+===") == 1, sub

# The default stays GitHub's pipe tables with <br> (what pandoc's docx writer drops).
pipe = run(exe, "export", "--data", data, "--format", "markdown", "--where", "id=1").decode("utf-8")
assert "<br>" in pipe and "\n| id |" in pipe and "+---" not in pipe, pipe
bad = subprocess.run([exe, "export", "--data", data, "--format", "markdown", "--table", "html"], capture_output=True)
assert bad.returncode == 2 and b"--table" in bad.stderr, bad
bad = subprocess.run([exe, "export", "--data", data, "--format", "csv", "--table", "grid"], capture_output=True)
assert bad.returncode != 0 and b"table" in bad.stderr, bad
print("markdown pandoc ok")
