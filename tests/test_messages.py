"""Messages for the people who read them: every problem code is explained in Vietnamese, with its severity, in
problems.SUMMARIES and on the data dictionary page; problem lines and the counts under them are Vietnamese."""

from __future__ import annotations

import ast

from conftest import ROOT, html

from generator import parse
from generator.problems import SEVERITY_LABELS, SUMMARIES, Report, format_errors, format_warnings

# Calls that hand on a code already reported (a cell's problem, a portal record's problem): not new codes.
PASSED_ON = {"code", "p.code"}


def codes_in_source() -> dict[str, set[str]]:
    """Every problem code the generator can report, by reading its source: the code given to report.error,
    report.warning and report.add, a cell's problem tuple («"error", "invalid_count", …»), the problem of a parsed
    time or fee (ParsedTime, ParsedFee), and the codes of the statistics kinds. Code → severities it is given."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and ast.unparse(node.func.value).endswith("report") \
                    and node.func.attr in ("error", "warning", "add"):
                severity, code = (node.func.attr, node.args[0]) if node.func.attr != "add" else node.args[:2]
                if isinstance(code, ast.Constant):
                    severity = severity.value if isinstance(severity, ast.Constant) else severity
                    found.setdefault(code.value, set()).add(severity)
                else:
                    assert ast.unparse(code) in PASSED_ON, f"{where}: a code that is not a literal"
            elif isinstance(node, ast.Tuple) and len(node.elts) > 2 \
                    and all(isinstance(e, ast.Constant) for e in node.elts[:2]) \
                    and node.elts[0].value in SEVERITY_LABELS:
                found.setdefault(node.elts[1].value, set()).add(node.elts[0].value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("ParsedTime", "ParsedFee"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, set()).add("warning")  # parse_cell reports them as warnings
    for _, code, _ in parse._STATISTICS_KINDS.values():
        found.setdefault(code, set()).add("error")
    return found


def test_every_code_in_the_source_is_summarised_with_its_severity():
    found = codes_in_source()
    assert len(found) > 40
    assert sorted(set(found) - set(SUMMARIES)) == [], "a code without its Vietnamese line in problems.SUMMARIES"
    assert sorted(set(SUMMARIES) - set(found)) == [], "a summary of a code nothing reports"
    assert {code: {SUMMARIES[code][0]} for code in found} == found


def test_the_data_dictionary_lists_every_code(small_site):
    page = html(small_site / "du-lieu/tu-dien/index.html")
    rows = page.select("table.ck-problem-codes tbody tr")
    listed = {row["data-code"]: (row["data-severity"], [td.get_text(strip=True) for td in row.select("td")])
              for row in rows}
    assert len(rows) == len(SUMMARIES)
    assert listed == {code: (severity, [code, SEVERITY_LABELS[severity], summary])
                      for code, (severity, summary) in SUMMARIES.items()}
    severities = [row["data-severity"] for row in rows]
    assert severities == sorted(severities, key=lambda s: s != "error")  # errors first
    assert "tệp:hàng:cột: thông báo (cần …, nhận được …) [mã]" in page.get_text()


def test_problem_lines_and_counts_are_vietnamese():
    report = Report()
    report.error("invalid_count", "catalogue/documents.csv", 9, "copies", "không phải số nguyên ≥ 0", "0, 1, 2", "hai")
    for row in range(2, 1502):
        report.warning("missing_expected", "catalogue/procedures.csv", row, "agency", "ô trống", "Cơ quan", "")
    assert format_errors(report).splitlines() == [
        "catalogue/documents.csv:9:copies: không phải số nguyên ≥ 0 (cần 0, 1, 2, nhận được 'hai') [invalid_count]",
        "1 lỗi, 1.500 cảnh báo: không xuất bản gì.",
    ]
    lines = format_warnings(report).splitlines()
    summary = SUMMARIES["missing_expected"][1]
    assert lines[0] == f" 1.500 × catalogue/procedures.csv:agency: {summary} [missing_expected]"
    assert lines[1].strip().startswith("ví dụ: catalogue/procedures.csv:2:agency: ô trống (cần Cơ quan, nhận được '')")
    assert lines[-1] == "1.500 cảnh báo; `congkhai check --verbose` liệt kê từng cảnh báo."
    assert format_warnings(report, verbose=True).count("\n") == 1499


def test_command_line_usage_and_its_errors_are_vietnamese(capsys):
    """argparse's own words too: usage, help, a missing or unknown argument — and only while congkhai parses."""
    import argparse

    import pytest

    from generator.cli import main

    for argv, expected in ((["--help"], "cách dùng: congkhai"), (["convert"], "thiếu tham số bắt buộc: --data, --out"),
                           (["build", "--bogus"], "tham số không nhận ra: --bogus"),
                           (["blah"], "lựa chọn không có: 'blah'")):
        with pytest.raises(SystemExit):
            main(argv)
        said = capsys.readouterr()
        assert expected in said.out + said.err, argv
        assert "usage:" not in said.out + said.err and "error:" not in said.out + said.err, argv
    assert argparse._("usage: ") == "usage: "  # argparse is left as it was for everyone else
