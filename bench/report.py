"""Render bench/REPORT.md (and bench/plots/*.png) from the JSON results of the benchmark scripts; print it.

    .venv/bin/python bench/report.py

A part that has not run is listed as not measured, with the command that measures it. The text around the figures
is generated from the figures (met / not met), so a re-run never leaves a stale verdict behind.
"""

from __future__ import annotations

from common import BENCH, load_result
from report_sections import (
    accuracy_section,
    analysis_section,
    api_section,
    clustering_section,
    cpu_share_section,
    engine_section,
    enrol_before_after_section,
    enrol_tuning_section,
    graph_section,
    header,
    headline,
    headline_16,
    identity_review_section,
    ivf_section,
    liveness_section,
    search_section,
    search_trace_section,
    server_timing_section,
    stages_section,
    sync_latency_section,
    tuning_section,
)


def build() -> str:
    """The whole report as markdown (plots are written as a side effect)."""
    results = {
        name: load_result(name)
        for name in (
            "accuracy",
            "search_scale",
            "search_scale_quick",
            "stages",
            "analysis",
            "liveness",
            "sync_latency",
            "sync_latency_step",
            "search_trace",
            "server_timing",
            "cpu_share",
            "identity_review",
            "clustering",
            "api",
            "optimisations",
            "engine_threads",
            "search_tuning",
            "search_build_before",
            "search_scale_before",
            "enrol_throughput",
            "search_ivf",
        )
    }
    scale = results["search_scale"] or results["search_scale_quick"]
    parts = [
        header(results),
        headline_16(results, scale),
        headline(results, scale),
        api_section(results["api"], results["stages"], enrol_only=True),
        enrol_before_after_section(results["api"]),
        sync_latency_section(results["sync_latency"], results["sync_latency_step"]),
        search_trace_section(results["search_trace"]),
        server_timing_section(results["server_timing"]),
        cpu_share_section(results["cpu_share"]),
        stages_section(results["stages"]),
        analysis_section(results["analysis"]),
        identity_review_section(results["identity_review"]),
        clustering_section(results["clustering"]),
        liveness_section(results["liveness"]),
        enrol_tuning_section(results["enrol_throughput"]),
        engine_section(results["engine_threads"]),
        search_section(scale, results["optimisations"]),
        graph_section(scale),
        tuning_section(results["search_tuning"], results["search_build_before"]),
        ivf_section(results["search_ivf"], scale),
        api_section(results["api"], None, enrol_only=False),
        accuracy_section(results["accuracy"]),
    ]
    return "\n\n".join(part.strip() for part in parts if part) + "\n"


def main() -> None:
    text = build()
    (BENCH / "REPORT.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
