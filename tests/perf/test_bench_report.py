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
