"""What the report's sections share: the goals' figures, how a timing, a verdict and a run's conditions are written."""

from __future__ import annotations

STAGES = ("decode", "detect", "align", "quality_thumbnail", "embed", "database")


GOAL_SEARCH_P99, GOAL_RECALL, GOAL_FILTERED_P99, GOAL_IMPORT = 20.0, 0.99, 50.0, 20.0


def fmt_ms(block: dict | None, key: str = "p50") -> str:
    if not block or key not in block:
        return "–"
    value = block[key]
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def fmt_verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def fmt_conditions(block: dict | None) -> str:
    if not block:
        return "unknown"
    text = f"{block['time']}, load average {block['loadavg_1m']} (1 min) / {block['loadavg_5m']} (5 min)"
    return f"{text}, {block['cpu']}" if block.get("cpu") else text  # the machine's host can change between runs
