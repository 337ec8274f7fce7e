"""`make bench SMALL=1` writes its report to var/bench/ and leaves the committed full-size
figures in docs/ alone; the full run writes docs/ (issue 18)."""

from pathlib import Path

from bench.common import OUT, ROOT
from bench.report import report_dir, write_reports


def _results() -> dict:
    return {
        "started": "2026-11-30T08:00:00+00:00",
        "seconds": 1,
        "load_at_start": (0.1, 0.1, 0.1),
        "machine": {"cpu": "test", "cores": 2, "memory": "24 GB", "python": "3.11", "postgresql": "15"},
        "incidents": 20000,
        "years": 1,
        "users": 10,
        "duration": 10,
        "counts": {"incidents_incident": 20000},
        "scenarios": {"handler_home": {"p50": 10, "p95": 20, "p99": 30, "count": 5, "failures": 0}},
        "references": {"bare_page": {"p95": 10}},
    }


def test_a_small_run_reports_under_var_bench_not_docs():
    assert report_dir(small=True) == OUT
    assert report_dir(small=False) == ROOT / "docs"


def test_the_report_is_written_where_it_is_told(tmp_path: Path):
    docs = [(ROOT / "docs" / name).read_bytes() for name in ("BENCHMARKS.md", "benchmarks.json")]
    write_reports(_results(), tmp_path)
    assert "handler_home" in (tmp_path / "BENCHMARKS.md").read_text()
    assert '"handler_home"' in (tmp_path / "benchmarks.json").read_text()
    assert [(ROOT / "docs" / name).read_bytes() for name in ("BENCHMARKS.md", "benchmarks.json")] == docs


def _cpu() -> dict:
    """bench/cpu.py's figures as it writes them: each page's CPU per request and its ratio to
    bare_signed, and bare_signed against the bare Django project."""
    from argparse import Namespace

    from bench.cpu_report import summarise

    runs = {"bare_signed": [0.002, 0.0021], "supervisor_home": [0.008, 0.0082], "bare": [0.0015, 0.0016]}
    results = {
        name: {"group": group, "url": "/", "status": 200, "queries": 3, "runs": runs[name]}
        for name, group in (("bare_signed", "reference"), ("supervisor_home", "supervisor"), ("bare", "reference"))
    }
    return summarise(results, Namespace(runs=2, number=5), "0.1 0.1 0.1", incidents=20000)


def test_cpu_ratios_are_to_bare_signed_and_the_floor_to_the_bare_project():
    cpu = _cpu()
    home = cpu["pages"]["supervisor_home"]
    assert (home["ratio_median"], home["target"], home["met"]) == (3.95, 2.5, False)
    assert (cpu["floor"]["ratio_median"], cpu["floor"]["met"]) == (1.32, True)


def test_the_cpu_section_is_added_at_the_end_and_replaced_on_the_next_run(tmp_path: Path):
    from bench.cpu_report import write

    write_reports(_results(), tmp_path)
    write(_cpu(), tmp_path)
    write(_cpu(), tmp_path)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert text.count("| supervisor_home | supervisor |") == 1
    assert text.index("bench-cpu:begin") > text.index("bench:end")
    data = (tmp_path / "benchmarks.json").read_text()
    assert '"scenarios"' in data  # the load test's figures are kept beside the CPU's
    assert '"ratio_median": 3.95' in data
