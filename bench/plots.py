"""PNG plots of the benchmark results (matplotlib, headless), written to bench/plots/ and linked from REPORT.md."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from common import PLOTS  # noqa: E402

STAGE_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def _save(figure, name: str) -> str:
    PLOTS.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(PLOTS / name, dpi=110)
    plt.close(figure)
    return f"plots/{name}"


def scores(accuracy: dict) -> str:
    """Same / different person score histograms, FaceLib (with each dialect's threshold) beside the peer."""
    figure, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    facelib, peer = accuracy["systems"]["facelib"], accuracy["systems"]["peer"]
    bins = np.linspace(-0.3, 1.0, 66)
    axes[0].hist(facelib["impostor_scores"], bins=bins, density=True, alpha=0.6, label="different people")
    axes[0].hist(facelib["genuine_scores"], bins=bins, density=True, alpha=0.6, label="same person")
    seen = {}
    styles = ["-", "--", ":", "-."]
    for mark in accuracy["dialect_thresholds"]:
        key = round(mark["raw_cosine"], 4)
        seen.setdefault(key, []).append(mark["label"])
    for number, (raw, labels) in enumerate(sorted(seen.items())):
        axes[0].axvline(
            raw, color="k", linestyle=styles[number % 4], linewidth=1, label=f"{raw:.3f}: " + " / ".join(labels)
        )
    axes[0].set_title("FaceLib (SFace): cosine similarity of photo pairs")
    axes[0].set_xlabel("raw cosine (dialect thresholds converted with recognition/calibration.py)")
    axes[0].legend(fontsize=6.5, loc="upper left")
    distance_bins = np.linspace(0.0, 1.1, 56)
    axes[1].hist(
        -np.array(peer["impostor_scores"]), bins=distance_bins, density=True, alpha=0.6, label="different people"
    )
    axes[1].hist(-np.array(peer["genuine_scores"]), bins=distance_bins, density=True, alpha=0.6, label="same person")
    axes[1].axvline(0.6, color="k", linewidth=1, label="tolerance 0.6 (its documented threshold)")
    axes[1].set_title("face_recognition (dlib): euclidean distance of photo pairs")
    axes[1].set_xlabel("distance (smaller = more alike)")
    axes[1].legend(fontsize=7)
    return _save(figure, "scores.png")


def stages(stage_result: dict, names: tuple[str, ...]) -> str:
    """Stacked median time per stage for each photo size."""
    figure, axis = plt.subplots(figsize=(10, 3.2))
    labels = list(stage_result["photos"])
    left = np.zeros(len(labels))
    for colour, stage in zip(STAGE_COLOURS, names, strict=False):
        values = np.array([stage_result["photos"][label]["stages_ms"][stage]["p50"] for label in labels])
        axis.barh(range(len(labels)), values, left=left, color=colour, label=stage)
        left += values
    for position, total in enumerate(left):
        axis.annotate(f"{total:.0f} ms", (total, position), xytext=(4, -3), textcoords="offset points", fontsize=8)
    axis.set_yticks(range(len(labels)))
    axis.set_yticklabels([label.split(" (")[0] for label in labels])
    axis.set_xlabel("median ms per photo (one face enrolled)")
    axis.set_xlim(0, left.max() * 1.12)
    axis.legend(fontsize=8, ncol=6, loc="upper center", bbox_to_anchor=(0.5, 1.25), frameon=False)
    return _save(figure, "stages.png")


def search(scale: dict) -> str:
    """p50 / p99 of the search query vs face-set size, exact and HNSW (product path), per filter."""
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    sizes = [row["faces"] for row in scale["sizes"]]
    for axis, name in zip(axes, ("none", "10%", "0.1%"), strict=True):
        for kind, colour in (("exact", "#c44e52"), ("hnsw", "#4c72b0")):
            axis.plot(
                sizes, [row[kind][name]["ms"]["p50"] for row in scale["sizes"]], "o-", color=colour, label=f"{kind} p50"
            )
            axis.plot(
                sizes,
                [row[kind][name]["ms"]["p99"] for row in scale["sizes"]],
                "o--",
                color=colour,
                label=f"{kind} p99",
            )
        if all("hnsw_with_expression_index" in row for row in scale["sizes"]) and name != "none":
            axis.plot(
                sizes,
                [row["hnsw_with_expression_index"][name]["ms"]["p99"] for row in scale["sizes"]],
                "s:",
                color="#55a868",
                label="with field index p99",
            )
        axis.axhline(20 if name == "none" else 50, color="grey", linewidth=0.8, linestyle=":")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(f"filter keeps {'all' if name == 'none' else name}")
        axis.set_xlabel("faces in the set")
    axes[0].set_ylabel("ms per search query")
    axes[0].legend(fontsize=7)
    return _save(figure, "search_latency.png")


def ef_sweep(scale: dict) -> str:
    """Recall@10 against p99 latency for the ef_search values, one line per size."""
    figure, axis = plt.subplots(figsize=(6.5, 4))
    for row in scale["sizes"]:
        points = row.get("ef_sweep") or []
        axis.plot(
            [p["ms"]["p99"] for p in points], [p["recall_at_10"] for p in points], "o-", label=f"{row['faces']:,} faces"
        )
        for point in points:
            axis.annotate(str(point["ef_search"]), (point["ms"]["p99"], point["recall_at_10"]), fontsize=7)
    axis.axhline(0.99, color="grey", linestyle=":", linewidth=0.8)
    axis.axvline(20, color="grey", linestyle=":", linewidth=0.8)
    axis.set_xscale("log")
    axis.set_xlabel("p99 ms (unfiltered search)")
    axis.set_ylabel("recall@10 vs exact")
    axis.set_title("HNSW ef_search sweep (labels = ef_search)")
    axis.legend(fontsize=8)
    return _save(figure, "ef_sweep.png")


def api(api_result: dict) -> str:
    """Requests/s and p99 against concurrent clients for detect, compare, search."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for operation, runs in (api_result.get("latency") or {}).items():
        levels = [run["concurrency"] for run in runs]
        axes[0].plot(levels, [run["requests_per_s"] for run in runs], "o-", label=operation)
        axes[1].plot(levels, [run["ms"].get("p99", np.nan) for run in runs], "o-", label=operation)
    axes[0].set_ylabel("requests/s")
    axes[1].set_ylabel("p99 ms")
    for axis in axes:
        axis.set_xlabel("concurrent clients")
        axis.set_xscale("log", base=2)
        axis.legend(fontsize=8)
    return _save(figure, "api.png")
