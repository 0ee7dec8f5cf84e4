#!/usr/bin/env python3
"""Every repair of data/repairs.tsv proven from the bytes, or marked editorial.

A gbk-shift row stands only if its corrupted span, as published, is re-derived exactly
from the proposed correct text by the mechanism the file's header describes (GBK bytes
read again one byte late, readings re-inserted where the source annotates them), and no
other candidate for a character in doubt derives it too. An editorial row must say so in
its reason, and its correct text must be attested elsewhere in the digest.

Usage: repairs_proof.py DATA_DIR        (prints "repairs proven" on success)
       repairs_proof.py --derive PREV CORRECT [AFTER]   (prints the derived span)
"""
import os
import re
import sys

READING = re.compile(r"(\w)\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüḿńňǹ]+)\)")


def source_readings(digest):
    """The reading the digest gives each character it annotates, as 鄉(xiāng)."""
    readings = {}
    for m in READING.finditer(digest):
        if "\u3400" <= m.group(1) <= "\u9fff" or "\uf900" <= m.group(1) <= "\ufaff":
            readings.setdefault(m.group(1), m.group(2))
    return readings


def derive(prev, correct, after, readings):
    """The span a GBK round trip one byte late makes of correct (see data/repairs.tsv)."""
    text = correct + after
    data = prev.encode("gbk")[-1:]
    owner = [-1]  # the index in text of the character each byte belongs to; -1: prev
    for i, ch in enumerate(text):
        b = ch.encode("gbk")
        data += b
        owner += [i] * len(b)
    out = []
    i = 0
    while i < len(data):
        if data[i] < 0x80:
            unit, span = chr(data[i]), [i]
            i += 1
        elif i + 1 == len(data):
            raise ValueError("a lone last byte: give the text that followed the span (after)")
        else:
            span = [i, i + 1]
            pair = data[i : i + 2]
            i += 2
            try:
                unit = pair.decode("gbk")
            except UnicodeDecodeError:
                unit = None
        straddles = owner[span[0]] != owner[span[-1]]
        if span[0] == 0:  # the pair across the span's start
            r = readings.get(unit) if unit else None
            out.append("?" + (r + ")" if r else ""))
            continue
        if straddles and owner[span[-1]] >= len(correct):  # across into `after`, unassigned
            out.append("?" if unit is None else unit)
            continue
        if unit is not None:
            out.append(unit)
        for j in span:
            last = j + 1 == len(owner) or owner[j + 1] != owner[j]
            k = owner[j]
            if last and 0 <= k < len(correct) and text[k] in readings:
                out.append("(" + readings[text[k]] + ")")
    return "".join(out)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--derive":
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
        digest = open(os.path.join(here, "bqw-digest-2023.txt"), encoding="utf-8").read()
        after = sys.argv[4] if len(sys.argv) > 4 else ""
        print(derive(sys.argv[2], sys.argv[3], after, source_readings(digest)))
        return 0
    data = sys.argv[1]
    digest = open(os.path.join(data, "bqw-digest-2023.txt"), encoding="utf-8").read()
    readings = source_readings(digest)
    failures = []
    rows = 0
    for n, line in enumerate(open(os.path.join(data, "repairs.tsv"), encoding="utf-8"), 1):
        if line.startswith("#") or not line.strip():
            continue
        rows += 1
        f = line.rstrip("\n").split("\t")
        if len(f) != 5:
            failures.append(f"repairs.tsv:{n}: {len(f)} columns, want 5 (corrupted, correct, reason, mechanism, after)")
            continue
        corrupted, correct, reason, mechanism, after = f
        where = f"repairs.tsv:{n}"
        if digest.count(corrupted) != 1:
            failures.append(f"{where}: the corrupted span occurs {digest.count(corrupted)} times in the digest, want 1")
            continue
        prev = digest[digest.index(corrupted) - 1]
        if mechanism == "gbk-shift":
            if "proven from its bytes" not in reason:
                failures.append(f"{where}: a gbk-shift repair's reason must say 'proven from its bytes'")
            try:
                got = derive(prev, correct, after, readings)
            except ValueError as e:
                failures.append(f"{where}: {e}")
                continue
            if got != corrupted:
                failures.append(f"{where}: {correct!r} derives {got!r}, but the source has {corrupted!r}")
        elif mechanism == "editorial":
            if "editorial" not in reason:
                failures.append(f"{where}: an editorial repair's reason must say 'editorial'")
            if digest.replace(corrupted, "").count(correct) == 0:
                failures.append(f"{where}: {correct!r} is attested nowhere else in the digest")
        else:
            failures.append(f"{where}: unknown mechanism {mechanism!r} (gbk-shift or editorial)")
    # the check can fail: the repair chosen by reading, 對全省, does not derive the source
    wrong = derive("域", "對全省高質量", "", readings)
    if wrong == "?qū)θ懈哔|(zhì)量":
        failures.append("self-check: 對全省高質量 derives the published span too: the proof tells nothing")
    for f in failures:
        print("repairs proof:", f, file=sys.stderr)
    if failures or rows == 0:
        return 1
    print(f"repairs proven ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
