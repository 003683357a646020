"""Accuracy and the models' other outputs: recognition accuracy, false-positive rates, analysis, liveness, reviews,
clustering."""

from __future__ import annotations

import math

import plots

from .basics import fmt_conditions, fmt_ms


def accuracy_section(accuracy: dict | None) -> str:
    if not accuracy:
        return "## 4. Accuracy\n\nNot measured (`bench/accuracy.py`)."
    systems = accuracy["systems"]
    names = {
        "facelib": "FaceLib (YuNet + SFace)",
        "peer": "face_recognition 1.3.0 (dlib), photos ≤ 1600 px",
        "peer_640": "face_recognition (dlib), photos at 640 px",
    }
    lines = [
        "## 4. Accuracy on shared/data/faces, side by side with face_recognition (dlib)",
        "",
        f"`bench/accuracy.py`: {accuracy['photos']} labelled photos of {accuracy['identities']} people, the "
        "largest face of each; both systems get the same decoded pixels in the same run, interleaved photo by "
        "photo. Rank-1: the first photo of each person with two or more is enrolled, every other photo "
        "queries. Verification: every pair of photos. A photo without a detected face counts as an error. "
        f"Time = detect + embed per photo (decoding, shared, {fmt_ms(accuracy['decode_ms'])} ms median, is "
        f"excluded). Conditions: {fmt_conditions(accuracy['conditions_start'])}.",
        "",
        "| system | faces found | rank-1 | verification accuracy | TAR at FAR 1e-3 | EER | pairs.csv at its own "
        "threshold | ms per photo p50 / p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, row in systems.items():
        lines.append(
            f"| {names.get(key, key)} | {row['faces_found']}/{row['photos']} | {row['rank1']:.3f} "
            f"({row['probes']} queries) | {row['verification_accuracy']:.4f} | {row['tar_at_far_1e3']:.3f} | "
            f"{row['eer']:.4f} | {row['pairs_csv_accuracy']:.4f} | {fmt_ms(row['ms_per_photo'])} / "
            f"{fmt_ms(row['ms_per_photo'], 'p99')} |"
        )
    facelib = systems["facelib"]
    lines += [
        "",
        f"{facelib['genuine_pairs']} same-person and {facelib['impostor_pairs']} different-people pairs: "
        "FAR 1e-3 is the 0.999 quantile of the different-people scores, so TAR at FAR 1e-3 rests on the ~5 "
        "highest of them — a rough figure on a data set this small.",
        "",
        "Where each dialect's documented threshold falls (converted to a raw cosine by "
        "`recognition.calibration.raw_cosine_for`) and what it does on these pairs:",
        "",
        "| documented threshold | raw cosine | FAR here | FRR here |",
        "|---|---|---|---|",
    ]
    for mark in accuracy["dialect_thresholds"]:
        lines.append(f"| {mark['label']} | {mark['raw_cosine']:.4f} | {mark['far']:.4f} | {mark['frr']:.4f} |")
    lines += [
        "",
        "What those rates mean for a one-to-many search (the dashboard's *Thresholds* page computes the same from an "
        "operator's own labelled faces): the chance that at least one stranger of a set of N faces reaches the "
        "threshold, 1 − (1 − FAR)^N, from the FAR measured here; where no different-people pair passed, an upper "
        f"bound from FAR < 3 / {facelib['impostor_pairs']} (95 %). A FAR measured from a handful of pairs is rough, "
        "and so is this.",
        "",
        "| documented threshold | " + " | ".join(f"N = {size:,}" for size in FPIR_SIZES) + " |",
        "|---|" + "---|" * len(FPIR_SIZES),
    ]
    for mark in accuracy["dialect_thresholds"]:
        bound = mark["far"] == 0
        far = 3.0 / facelib["impostor_pairs"] if bound else mark["far"]
        cells = [("≤ " if bound else "") + f"{-math.expm1(size * math.log1p(-far)):.3f}" for size in FPIR_SIZES]
        lines.append(f"| {mark['label']} | " + " | ".join(cells) + " |")
    lines += ["", f"![score distributions]({plots.scores(accuracy)})"]
    return "\n".join(lines)


FPIR_SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)


def engine_section(engine: dict | None) -> str:
    """Enrolment throughput of the engine alone under each thread configuration (bench/engine_threads.py)."""
    if not engine:
        return "### Engine threads\n\nNot measured (`bench/engine_threads.py`)."
    lines = [
        "### Engine threads: the optimisation the enrolment figures motivated",
        "",
        f"`bench/engine_threads.py`: `FaceEngine.detect` (detect, align, quality, thumbnail, embed) on the 640×480 "
        f"photos for {engine['seconds']:.0f} s per cell, in 1 or 2 processes as Celery runs it; configurations "
        "alternated so load bursts hit all of them. `current` is recognition/engine.py as committed (SFace on "
        "OpenCV's DNN engine, two threads when the cores are otherwise idle, one when other threads hold them); the "
        "ONNX Runtime rows are the engine as it was before (SFace on ONNX Runtime, no spinning). Conditions: "
        f"{fmt_conditions(engine['conditions_start'])}.",
        "",
        "| configuration | processes | photos/s | ms per photo p50 / p99 |",
        "|---|---|---|---|",
    ]
    merged: dict[tuple[str, int], list[dict]] = {}
    for run in engine["runs"]:
        merged.setdefault((run["config"], run["processes"]), []).append(run)
    for (config, processes), runs in merged.items():
        rate = sum(run["photos_per_s"] for run in runs) / len(runs)
        p50 = sorted(run["ms"]["p50"] for run in runs)[len(runs) // 2]
        p99 = max(run["ms"]["p99"] for run in runs)
        lines.append(f"| {config} | {processes} | {rate:.1f} | {p50:.0f} / {p99:.0f} |")
    return "\n".join(lines)


def analysis_section(analysis: dict | None) -> str:
    if not analysis:
        return "### The face analysis\n\nNot measured (`bench/analysis.py`)."
    per_face, without, with_analysis = (
        analysis["analysis_per_face_ms"],
        analysis["enrolment_inference_ms"],
        analysis["with_analysis_ms"],
    )
    added = with_analysis["p50"] - without["p50"]
    return "\n".join(
        [
            "### The face analysis (dense mesh, pose, eyes, mouth)",
            "",
            f"`bench/analysis.py`: {analysis['photos']} labelled photos x {analysis['repeat']}, one process, one run. "
            f"Conditions: {fmt_conditions(analysis['conditions_start'])}.",
            "",
            "| | p50 ms | p99 ms |",
            "|---|---|---|",
            f"| analysis of one face (mesh + blendshapes + pose) | {fmt_ms(per_face)} | {fmt_ms(per_face, 'p99')} |",
            f"| enrolment inference (`image_analyse`, what enrolment runs) | {fmt_ms(without)} | "
            f"{fmt_ms(without, 'p99')} |",
            f"| the same with `analysis=True` | {fmt_ms(with_analysis)} | {fmt_ms(with_analysis, 'p99')} |",
            "",
            f"A caller who asks for landmarks or attributes pays about {added:.0f} ms more per photo (median). "
            "Enrolment never asks for the analysis, so its inference time, and the enrolment throughput measured "
            "above, stay what they were.",
        ]
    )


def liveness_section(liveness: dict | None) -> str:
    if not liveness:
        return "### Video liveness\n\nNot measured (`bench/liveness.py`)."
    lines = [
        "### Video liveness (live-detect): CPU per second of video",
        "",
        f"`bench/liveness.py`: synthetic H.264 clips (a photo's face mesh turned, nodded, mouth and eyes moved), "
        f"analysed at up to 15 frames a second in one process with a worker's thread settings (2 threads), median of "
        f"{liveness['repeat']} run(s). "
        f"Conditions: {fmt_conditions(liveness['conditions_start'])}.",
        "",
        "| clip | seconds | frames analysed | CPU s per video s | wall s per video s | actions found |",
        "|---|---|---|---|---|---|",
    ]
    for row in liveness["clips"]:
        found = "yes" if row["actions_found"] else "no"
        lines.append(
            f"| {row['size']} {row['fps']} fps | {row['seconds']} | {row['frames_analysed']} | "
            f"{row['cpu_s_per_video_s']:.2f} | {row['wall_s_per_video_s']:.2f} | {found} |"
        )
    lines += [
        "",
        "A liveness check runs in a worker of its own (one clip at a time by default, `FACELIB_LIVENESS_WORKERS`), so "
        "a 15 s clip costs the CPU time above, spread over the engine's two threads, while enrolment goes on in the "
        "other worker. "
        '"Actions found" only shows that the synthetic clips exercised the whole pipeline; it is no accuracy figure.',
    ]
    return "\n".join(lines)


def identity_review_section(review: dict | None) -> str:
    """The identity review's cost and behaviour at library sizes, on synthetic faces (bench/identity_review.py)."""
    if not review:
        return "### Identity review at library sizes\n\nNot measured (`bench/identity_review.py`)."
    lines = [
        "### Identity review and threshold calibration at library sizes",
        "",
        "`bench/identity_review.py`: the dashboard's identity review (`facesets/selectors/identities.py`, computed "
        f"exactly) on **synthetic** faces from the fitted generator, {review['per_person']} faces a person, with "
        "mistakes planted: 1 % of the persons entered twice (their faces split between two persons) and 0.5 % of the "
        "faces given to a random other person; threshold 0.93 on the Huawei scale. Time: the whole computation, "
        "median; reading the vectors from PostgreSQL is not included. The generator makes many look-alike "
        "identities (in its 1M-face set a query's exact top 10 holds ~4.6 strangers above 0.93), so the other pairs "
        "it proposes say more about the generator than about real libraries; it claims no accuracy. "
        f"Conditions: {fmt_conditions(review['conditions'])}.",
        "",
        "| faces | persons | time (ms) | twice-entered persons proposed | other pairs proposed "
        "| misgiven faces flagged | other faces flagged | threshold calibration (ms; genuine / impostor pairs) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in review["sizes"]:
        calibration = "—"
        if "calibration_ms" in row:
            kinds = "/".join(
                "every pair" if row[f"calibration_{kind}_exact"] else "2M sampled" for kind in ("genuine", "impostor")
            )
            calibration = f"{row['calibration_ms']['p50']:,.0f} ({kinds})"
        lines.append(
            f"| {row['faces']:,} | {row['persons']:,} | {row['ms']['p50']:,.0f} | "
            f"{row['twice_entered_proposed']} / {row['twice_entered']} | {row['other_pairs_proposed']:,} | "
            f"{row['misgiven_flagged']} / {row['misgiven']} | {row['other_faces_flagged']:,} | {calibration} |"
        )
    return "\n".join(lines)


def clustering_section(clustering: dict | None) -> str:
    """Suggested persons: clustering quality on the labelled photos and cost at the size limit (bench/clustering.py)."""
    if not clustering:
        return "### Suggested persons (clustering)\n\nNot measured (`bench/clustering.py`)."
    lines = [
        "### Suggested persons (clustering)",
        "",
        f"`bench/clustering.py`: the largest face of each of the {clustering['photos']} labelled photos "
        f"({clustering['people']} people, {clustering['people_with_two_or_more']} of them with two photos or more), "
        'grouped at the dashboard\'s "same person" threshold (0.93). Purity: the share of grouped photos that belong '
        "to their group's main person; completeness: scikit-learn's (1.0 when each person's photos all land in one "
        "group; a photo left alone counts as its own group). "
        f"Conditions: {fmt_conditions(clustering['conditions'])}.",
        "",
        "| method | groups of 2+ | photos grouped | purity | completeness |",
        "|---|---|---|---|---|",
    ]
    for label, row in clustering["methods"].items():
        lines.append(
            f"| {label} | {row['groups']} | {row['grouped_share']:.0%} | {row['purity']:.3f} | "
            f"{row['completeness']:.3f} |"
        )
    scale = clustering.get("scale")
    if not scale:
        return "\n".join(lines)
    lines += [
        "",
        "At library sizes, on synthetic faces (the fitted generator, 5 photos a person), each size in a process of its "
        "own: scikit-learn on the full matrix of pair distances (what a run uses up to 5,000 faces) beside the sparse "
        "path beyond (close pairs only, groups scored exactly from their sums; `facesets/selectors/clusters.py`), and "
        "scikit-learn's own sparse mode (a 30-nearest-neighbour `connectivity` graph, which averages over the graph's "
        "edges only). ARI: adjusted Rand index against the full matrix's groups (1.000: identical). Homogeneity and "
        "completeness against the generator's identities.",
        "",
        "| faces | full matrix | sparse path | sparse vs full (ARI) | faces with >50 close pairs | process peak memory "
        "(sparse / full) | homogeneity / completeness | kNN connectivity: homogeneity, ARI |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in scale:
        full = f"{row['full_matrix_ms'] / 1000:.1f} s" if "full_matrix_ms" in row else "—"
        ari = f"{row['sparse_vs_full_ari']:.3f}" if "sparse_vs_full_ari" in row else "—"
        memory = f"{row['peak_rss_gb']:.1f} GB"
        if "full_matrix_peak_rss_gb" in row:
            memory += f" / {row['full_matrix_peak_rss_gb']:.1f} GB"
        knn = (
            f"{row['knn_connectivity_homogeneity']:.3f}, {row['knn_connectivity_vs_full_ari']:.3f}"
            if "knn_connectivity_homogeneity" in row
            else "—"
        )
        lines.append(
            f"| {row['faces']:,} | {full} | {row['sparse_ms'] / 1000:.1f} s | {ari} | {row['sparse_crowded_faces']:,} "
            f"| {memory} | {row['homogeneity']:.3f} / {row['completeness']:.3f} | {knn} |"
        )
    return "\n".join(lines)
