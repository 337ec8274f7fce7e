"""What every part of `make bench` shares: where things are, the environment's settings, the
machine's load average beside each figure, and percentiles."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
OUT = ROOT / "var" / "bench"


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
