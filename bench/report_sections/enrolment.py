"""Enrolment: the stages of a photo, throughput through the API and import_faces, before and after."""

from __future__ import annotations

import numpy as np
import plots

from .basics import GOAL_IMPORT, STAGES, fmt_conditions, fmt_ms, fmt_verdict


def stages_section(stages: dict | None) -> str:
    if not stages:
        return "### Where the time of one photo goes\n\nNot measured (`bench/stages.py`)."
    image = plots.stages(stages, STAGES)
    lines = [
        "### Where the time of one photo goes",
        "",
        f"`bench/stages.py`: the engine's steps one by one, then `face_set_enrol` storing the result; "
        f"{stages['repeat']} repetitions, medians (p99 in brackets), ms. Conditions: "
        f"{fmt_conditions(stages['conditions_start'])}.",
        "",
        "| photo | " + " | ".join(STAGES) + " | sum | `engine.detect` alone |",
        "|---|" + "---|" * (len(STAGES) + 2),
    ]
    for label, row in stages["photos"].items():
        cells = [f"{fmt_ms(row['stages_ms'][s])} ({fmt_ms(row['stages_ms'][s], 'p99')})" for s in STAGES]
        lines.append(
            f"| {label}, {row['width']}×{row['height']}, {row['bytes'] // 1000} KB | "
            + " | ".join(cells)
            + f" | {row['sum_of_medians_ms']:.0f} | {fmt_ms(row['stages_ms']['engine_detect_total'])} |"
        )
    batching = stages.get("batching")
    if batching:
        ratio = batching["per_face_calls_ms"]["p50"] / batching["batched_ms"]["p50"]
        lines += [
            "",
            f"Embedding the {batching['faces']} faces of a group photo (`{stages['batching_photo']}`): one "
            f"ONNX call {fmt_ms(batching['batched_ms'])} ms, one call per face {fmt_ms(batching['per_face_calls_ms'])}"
            f" ms (per-face calls take {ratio:.2f}× the batched call). The engine already makes one call per photo; "
            "on this CPU a batch saves "
            + ("little" if ratio < 1.3 else "a good part")
            + " of the per-face cost, so batching across photos (the workers take one photo at a time) is not where "
            "the time is.",
        ]
    lines += ["", f"![stages]({image})"]
    return "\n".join(lines)


def api_section(api: dict | None, stages: dict | None, *, enrol_only: bool) -> str:
    title = "## 1. Enrolment throughput" if enrol_only else "## 3. End-to-end API latency and throughput"
    if not api or (enrol_only and not api.get("enrol")) or (not enrol_only and not api.get("latency")):
        return f"{title}\n\nNot measured (`bench/api_bench.py`)."
    if enrol_only:
        lines = [
            title,
            "",
            f"`bench/api_bench.py` starts its own FaceLib (gunicorn 2×4 threads + `celery worker --concurrency "
            f"N`, database `facelib_bench_api`, loopback). Photos: {api['photo_count']} 640×480 JPEGs of "
            f"{api['photo_bytes']['p50'] / 1000:.0f} KB median, cut from the labelled photos; `people/` = the "
            f"63 original labelled photos (up to 4600 px). Conditions: {fmt_conditions(api['conditions_start'])}.",
            "",
            "| path | photos | workers | photos/s | faces/s | request p50 / p99 ms |",
            "|---|---|---|---|---|---|",
        ]
        for row in api["enrol"]:
            a = row["api"]
            lines.append(
                f"| Huawei add-face API, 4 clients | 640×480 ×{a['requests']} | {row['workers']} | "
                f"{a['photos_per_s']:.1f} | {a['faces_per_s']:.1f} | {fmt_ms(a['ms'])} / {fmt_ms(a['ms'], 'p99')} |"
            )
        for key, label in (("import_640", "640×480 (person folders)"), ("import_people", "`people/` originals")):
            for row in api["enrol"]:
                block = row[key]
                if "photos_per_s" in block:
                    own = (
                        f" (its own clock: {block['command_photos_per_s']:.1f} photos/s)"
                        if "command_photos_per_s" in block
                        else ""
                    )
                    lines.append(
                        f"| `import_faces` | {label}, {block['photos']} | {row['workers']} | "
                        f"{block['photos_per_s']:.1f} | {block['faces_per_s']:.1f} | whole command "
                        f"{block['seconds']:.1f} s{own} |"
                    )
                else:
                    lines.append(
                        f"| `import_faces` | {label} | {row['workers']} | failed: {block.get('error', '')[:80]} | | |"
                    )
        rates = {row["workers"]: row for row in api["enrol"]}
        if 1 in rates and 2 in rates and "photos_per_s" in rates[1].get("import_640", {}):
            api_ratio = rates[2]["api"]["photos_per_s"] / max(rates[1]["api"]["photos_per_s"], 1e-9)
            import_ratio = rates[2]["import_640"]["photos_per_s"] / max(rates[1]["import_640"]["photos_per_s"], 1e-9)
            lines += [
                "",
                f"Two workers against one: {api_ratio:.2f}× through the API, {import_ratio:.2f}× through import_faces."
                " Here the web server, the clients and the import command share the 2 cores with the workers, and "
                "import_faces is timed with its start-up; the workers alone are measured below (enrol_throughput).",
            ]
        return "\n".join(lines)
    lines = [
        title,
        "",
        "Huawei FRS v2 through `huaweicloudsdkfrs` (AK/SK signed) on loopback, 2 worker processes, "
        "the 640×480 photos; search runs against a face set of 10,000 faces. Each cell: "
        f"{api['latency']['detect'][0]['requests']} requests. Conditions: {fmt_conditions(api['conditions_start'])}.",
        "",
        "| operation | clients | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for operation, runs in api["latency"].items():
        for run in runs:
            lines.append(
                f"| {operation} | {run['concurrency']} | {run['requests_per_s']:.1f} | {fmt_ms(run['ms'])} | "
                f"{fmt_ms(run['ms'], 'p99')} | {run['errors']} |"
            )
    lines += ["", f"![api]({plots.api(api)})"]
    return "\n".join(lines)


def enrol_tuning_section(throughput: dict | None) -> str:
    """Worker throughput before/after the enrolment fixes (bench/enrol_throughput.py, two checkouts, same machine)."""
    if not throughput or "after" not in throughput:
        return "### Enrolment fixes\n\nNot measured (`bench/enrol_throughput.py`)."
    lines = [
        "### Enrolment: what the figures motivated, before → after",
        "",
        f"`bench/enrol_throughput.py`: one task of {throughput['after']['photos']} photos (640×480) submitted "
        "in-process, so only the workers are measured: photos/s from submit to the task's end, median of 3 rounds "
        "after a warm-up round. *before* runs the workers from a checkout of the commit before the fixes "
        f"({throughput.get('before', {}).get('commit', '?')}, `--repo` on a `git worktree`), on the same machine "
        "and database, minutes apart.",
        "",
        "| code | 1 worker | 2 workers | conditions |",
        "|---|---|---|---|",
    ]
    labels = {
        "before": "before the fixes",
        "after": "after (2 engine threads per worker, the default)",
        "after-1thread": "after, 1 engine thread per worker",
        "after-solo": "after, 2 `--pool solo` workers (1 thread each) instead of one prefork worker",
        "before-analysis": "later: before the face analysis stage",
        "with-analysis": "later: with the face analysis stage (enrolment does not run it)",
    }
    for label, text in labels.items():
        row = throughput.get(label)
        if not row:
            continue
        runs = row["runs"]
        cells = [f"{runs[k]['photos_per_s']:.1f} photos/s" if k in runs else "–" for k in ("1", "2")]
        lines.append(f"| {text} | {cells[0]} | {cells[1]} | {fmt_conditions(row['conditions'])} |")
    before, after = throughput.get("before", {}).get("runs", {}), throughput["after"]["runs"]
    if "2" in before and "2" in after:
        lines += ["", f"Two workers: {after['2']['photos_per_s'] / before['2']['photos_per_s']:.2f}× the photos/s."]
    without, with_stage = (throughput.get(label, {}).get("runs", {}) for label in ("before-analysis", "with-analysis"))
    if "2" in without and "2" in with_stage:
        ratio = with_stage["2"]["photos_per_s"] / without["2"]["photos_per_s"]
        lines += [
            "",
            f"The face analysis stage ({throughput['with-analysis']['commit']} against "
            f"{throughput['before-analysis']['commit']}, measured alternately, minutes apart, on the same machine "
            f"and database): {ratio:.2f}× the photos/s with two workers — enrolment did not slow down.",
        ]
    scaling = ""
    if "1" in before and "2" in before:
        scaling = f" (before: two workers {before['2']['photos_per_s'] / before['1']['photos_per_s']:.2f}× one"
        if "1" in after and "2" in after:
            scaling += f"; now {after['2']['photos_per_s'] / after['1']['photos_per_s']:.2f}×"
        scaling += ")"
    lines += [
        "",
        "What changed (each found by profiling a worker):",
        "",
        "- **A worker locked the whole project while it worked.** `select_for_update()` over the item's join also "
        "locked its task and project rows (PostgreSQL's FOR UPDATE covers every joined table), for the whole "
        f"inference: a second worker of the same project waited{scaling}, and `psycopg` waits were half of a "
        'worker\'s time. Now `of=("self",)`: the item row only.',
        "- **Threads per worker** (`FACELIB_ENGINE_THREADS`): 1 or 2 per worker enrol alike with 2 workers on 2 "
        "cores (the two *after* rows), so the default stays 2, which answers a lone request sooner.",
        "- **A new database connection per photo.** Celery's Django fix-up closes the connection around every "
        "task: a new connection and a cold server backend (empty catalogue caches) for each photo. Connections "
        "are now kept and checked as Django does between requests (`config/celery.py`).",
        "- **Photo bytes were compressed by PostgreSQL on every upload.** JPEG/PNG do not compress; the attempt "
        "cost ~4× the write (a 2.2 MB JPEG: 60 → 14 ms a row). The photo columns are stored `EXTERNAL` now.",
        "- `import_faces` keeps ~200 photos queued (it kept 4 batches, which with person folders of 4–6 photos "
        "let the workers run dry between polls).",
        "",
        "Later (issue 16, round two): SFace moved from ONNX Runtime to OpenCV's DNN engine, which runs the same "
        "graph in half the time here (the engine threads table below); a photo gets one engine thread when other "
        "threads already hold the cores; decoding swaps colour channels with OpenCV (6.6 → 3.0 ms a 640×480 JPEG); "
        "the items' task results are no longer written to the result backend. The *solo* row shows what Celery's "
        "prefork hand-off costs on top.",
    ]
    return "\n".join(lines)


ENROL_PATHS = (
    ("api", "Huawei add-face API, 4 clients, 640×480"),
    ("import_640", "`import_faces`, 640×480 person folders"),
    ("import_people", "`import_faces`, `people/` originals"),
)


def enrol_median(block: dict, label: str, path: str, key: str = "photos_per_s") -> float | None:
    values = [run[path][key] for run in block["runs"][label] if key in run.get(path, {})]
    return float(np.median(values)) if values else None


def enrol_before_after_section(api: dict | None) -> str:
    """Issue 16 item 2: the three enrolment paths with 2 workers, before and after, served alternately."""
    block = (api or {}).get("enrol_before_after")
    if not block:
        return ""
    lines = [
        "### Enrolment through the API and `import_faces`, before and after",
        "",
        f"`bench/api_bench.py --before {block['before']}`: the same stack (2 workers) served alternately from "
        f"{block['before']} (before) and {block['after']} (after), {block['rounds']} rounds each, on the same database "
        f"and photos; medians over the rounds. Conditions: {fmt_conditions(api.get('conditions_start'))}.",
        "",
        "| path | before photos/s | after photos/s | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    for path, label in ENROL_PATHS:
        before, after = enrol_median(block, "before", path), enrol_median(block, "after", path)
        if before is None or after is None:
            continue
        goal = f"≥ {GOAL_IMPORT:.0f}: {fmt_verdict(after >= GOAL_IMPORT)}" if path != "import_people" else "–"
        lines.append(f"| {label} | {before:.1f} | {after:.1f} | {after / before:.2f} | {goal} |")
        own_before = enrol_median(block, "before", path, "command_photos_per_s")
        own_after = enrol_median(block, "after", path, "command_photos_per_s")
        if own_before is not None and own_after is not None:
            lines.append(
                f"| … the command's own clock (no start-up) | {own_before:.1f} | {own_after:.1f} "
                f"| {own_after / own_before:.2f} | |"
            )
    return "\n".join(lines)
