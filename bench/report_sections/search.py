"""Search at scale: the scale runs, pgvector's settings, the IVF comparison, the in-process graph, a search's stages."""

from __future__ import annotations

import plots

from .basics import GOAL_RECALL, fmt_conditions, fmt_ms


def best_ef(row: dict) -> dict | None:
    """The smallest ef_search of the sweep meeting the recall goal, else the one with the best recall."""
    sweep = row.get("ef_sweep") or []
    good = [p for p in sweep if p["recall_at_10"] >= GOAL_RECALL]
    return (good[0] if good else max(sweep, key=lambda p: p["recall_at_10"])) if sweep else None


def search_section(scale: dict | None, optimisations: dict | None) -> str:
    if not scale:
        return "## 2. Search at scale\n\nNot measured (`bench/search_scale.py`)."
    fit = scale["fit"]
    lines = [
        "## 2. Search at scale",
        "",
        "`bench/search_scale.py`: one face set per size in the scratch database `facelib_bench`, searched by "
        "`facesets.search.face_set_search` itself (latency of the search call alone: SQL, no HTTP, no "
        f"inference), {scale['queries']} queries per cell (new photos of enrolled identities), top {scale['limit']}. "
        "Vectors are drawn from a model fitted on the real SFace embeddings of `shared/data/faces` (mean "
        "direction, shrunk between- and within-identity covariances, per-identity spread; 2–9 photos per "
        "identity); the fit:",
        "",
        "| | same-person cosine mean (sd) | different-people cosine mean (sd) | different p99.9 |",
        "|---|---|---|---|",
    ]
    for label, stats in (("real photos", fit["real"]), ("synthetic", fit["synthetic"])):
        lines.append(
            f"| {label} | {stats['genuine_mean']:.3f} ({stats['genuine_sd']:.3f}) | {stats['impostor_mean']:.3f} "
            f"({stats['impostor_sd']:.3f}) | {stats['impostor_p999']:.3f} |"
        )
    lines += [
        "",
        f"HNSW: m={scale['settings']['m']}, ef_construction={scale['settings']['ef_construction']}, "
        f"ef_search {scale['settings']['ef_search']}, iterative scan, exact fallback when short (the product's "
        "path; below 20,000 faces the product itself scans exactly — the 10k HNSW row is for comparison). "
        "Filters on `external_fields.bucket` (uniform 0–999): `bucket:[0 TO 99]` keeps 10 %, `bucket:7` 0.1 %. "
        "recall@k is against the exact result of the same filter; *complete* = as many results as exist.",
        "",
        "| faces | filter | exact p50 / p99 ms | HNSW p50 / p99 ms | HNSW recall@1 / @10 | complete | exact "
        "runs (planned or fallback) | right identity first (exact / HNSW) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in scale["sizes"]:
        for name in ("none", "10%", "0.1%"):
            exact, hnsw = row["exact"][name], row["hnsw"][name]
            identity = (
                f"{exact.get('identity_at_1', 0):.3f} / {hnsw.get('identity_at_1', 0):.3f}" if name == "none" else ""
            )
            lines.append(
                f"| {row['faces']:,} | {name if name != 'none' else '–'} | {fmt_ms(exact['ms'])} / "
                f"{fmt_ms(exact['ms'], 'p99')} | {fmt_ms(hnsw['ms'])} / {fmt_ms(hnsw['ms'], 'p99')} | "
                f"{hnsw['recall_at_1']:.3f} / {hnsw['recall_at_10']:.3f} | {hnsw['complete']:.2f} | "
                f"{hnsw['fallbacks']}/{exact['ms']['n']} | {identity} |"
            )
    lines += [
        "",
        "| faces | load (COPY) | HNSW build (CONCURRENTLY) | inserts into the indexed set, one face per "
        "transaction | member table | b-tree indexes | HNSW index | face table | total per million faces |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in scale["sizes"]:
        sizes, insert = row["sizes"], row["insert_indexed"]
        lines.append(
            f"| {row['faces']:,} | {row['copy_faces_per_s']:,.0f} faces/s | {row['build_seconds']:.0f} s | "
            f"{insert['faces_per_s']:.0f} faces/s (p50 {fmt_ms(insert['ms'])}, p99 {fmt_ms(insert['ms'], 'p99')} ms)"
            f" | {sizes['member_table_mb_per_million']:,.0f} MB | "
            f"{sizes['member_btree_indexes_mb_per_million']:,.0f} MB | {sizes['hnsw_index_mb_per_million']:,.0f}"
            f" MB | {sizes['face_table_mb_per_million']:,.0f} MB | {sizes['total_mb_per_million']:,.0f} MB |"
        )
    notices = [n for row in scale["sizes"] for n in row.get("build_notices", [])]
    if notices:
        lines += ["", "PostgreSQL said during the builds: " + "; ".join(f"“{n}”" for n in sorted(set(notices)))]
    lines += [
        "",
        f"![search latency]({plots.search(scale)})",
        "",
        "### ef_search: recall against latency",
        "",
        "Unfiltered, the product's path with only ef_search changed. Each cell: recall@10 against exact · "
        "p50 / p99 ms.",
        "",
        "| ef_search | " + " | ".join(f"{row['faces']:,} faces" for row in scale["sizes"]) + " |",
        "|---|" + "---|" * len(scale["sizes"]),
    ]
    efs = sorted({p["ef_search"] for row in scale["sizes"] for p in row["ef_sweep"]})
    for ef in efs:
        cells = []
        for row in scale["sizes"]:
            point = next((p for p in row["ef_sweep"] if p["ef_search"] == ef), None)
            if point is None:
                cells.append("–")
                continue
            cells.append(f"{point['recall_at_10']:.3f} · {fmt_ms(point['ms'])} / {fmt_ms(point['ms'], 'p99')}")
        lines.append(f"| {ef} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"![ef sweep]({plots.ef_sweep(scale)})",
        "",
        "### Filtered search with an expression index",
        "",
        "The same filtered queries after a partial b-tree index on the filtered field's typed expression "
        "(`((external_fields ->> 'bucket'))::bigint`, `WHERE face_set_id = …`), the expression the filter "
        "compiler emits, so the planner can find the matching rows first and rank only them exactly:",
        "",
        "| faces | filter | index build | exact p50 / p99, before → after | product path p50 / p99 and recall@10, "
        "before → after |",
        "|---|---|---|---|---|",
    ]
    for row in scale["sizes"]:
        for name in ("10%", "0.1%"):
            exact_before, exact_after = row["exact"][name], row["exact_with_expression_index"][name]
            before, after = row["hnsw"][name], row["hnsw_with_expression_index"][name]
            lines.append(
                f"| {row['faces']:,} | {name} | {row['expression_index_seconds']:.1f} s | "
                f"{fmt_ms(exact_before['ms'])} / {fmt_ms(exact_before['ms'], 'p99')} → {fmt_ms(exact_after['ms'])} / "
                f"{fmt_ms(exact_after['ms'], 'p99')} ms | {fmt_ms(before['ms'])} / {fmt_ms(before['ms'], 'p99')} ms, "
                f"{before['recall_at_10']:.3f} → {fmt_ms(after['ms'])} / {fmt_ms(after['ms'], 'p99')} ms, "
                f"{after['recall_at_10']:.3f} |"
            )
    for row in scale["sizes"]:
        if row.get("reused"):
            lines += [
                "",
                f"The {row['faces']:,} row was measured with the current code on the set, index and graph file the "
                "run before it left in the scratch database (`search_scale.py --reuse`; that run built pgvector's "
                f"index in {row['build_seconds'] / 60:.0f} min and the graph in "
                f"{row['graph']['build_seconds'] / 60:.0f} min); its load rate and build times are that run's.",
            ]
    lines += ["", f"Conditions: {', '.join(fmt_conditions(row['conditions_start']) for row in scale['sizes'])}."]
    if optimisations and optimisations.get("search_notes"):
        lines += ["", optimisations["search_notes"]]
    return "\n".join(lines)


def tuning_section(tuning: dict | None, build_before: dict | None = None) -> str:
    """The rebuild with more build memory and the filtered searches with field indexes (bench/search_tuning.py)."""
    if not tuning:
        return ""
    lines = ["### The 1M-face index build, before and after (`bench/search_tuning.py`)", ""]
    if build_before:
        progress = ", ".join(
            f"{p['tuples_done'] / 1000:.0f}k after {p['minutes']:.0f} min" for p in build_before["progress"]
        )
        lines += [
            f"Before: {build_before['what']} Progress: {progress}; "
            f"{build_before['rate_in_memory_per_min'] / 1000:.1f}k faces/min while the graph was in memory, "
            f"{build_before['rate_on_disk_per_min'] / 1000:.1f}k/min after, about "
            f"{build_before['projected_total_minutes']} min projected in all ({build_before['conditions']}).",
            "",
        ]
    if tuning.get("build_seconds"):
        before = tuning.get("build_seconds_before")
        lines.append(
            f"HNSW build through `face_set_index_ensure`, its session's maintenance_work_mem raised to "
            f"{tuning['build_memory']} (it also builds the field indexes now): "
            f"{tuning['build_seconds'] / 60:.1f} min"
            + (f", against {before / 60:.1f} min with the server's 1 GB in the run above." if before else ".")
            + " The 1M row of the tables above was measured on this rebuilt index (`search_scale.py --reuse`)."
        )
        if tuning.get("build_notices"):
            lines.append("PostgreSQL said: " + "; ".join(f"“{n}”" for n in tuning["build_notices"]))
        lines.append("")
    if tuning.get("note"):
        lines += [tuning["note"], ""]
    if not tuning.get("filters"):
        return "\n".join(lines + [f"Conditions: {fmt_conditions(tuning['conditions_start'])}."])
    lines += [
        "Filtered searches through the product path with the field index the set now gets (queries: new photos "
        "near stored faces; recall against the exact filtered result):",
        "",
        "| filter | ef_search | p50 / p99 ms | recall@1 / @10 | complete | exact fallbacks |",
        "|---|---|---|---|---|---|",
    ]
    for name, rows in tuning["filters"].items():
        for row in rows:
            lines.append(
                f"| {name} | {row['ef_search']} | {fmt_ms(row['ms'])} / {fmt_ms(row['ms'], 'p99')} | "
                f"{row['recall_at_1']:.3f} / {row['recall_at_10']:.3f} | {row['complete']:.2f} | {row['fallbacks']} |"
            )
    lines += ["", f"Conditions: {fmt_conditions(tuning['conditions_start'])}."]
    return "\n".join(lines)


def ivf_section(ivf: dict | None, scale: dict | None) -> str:
    """IVFFlat against the HNSW index on the same 1M faces (bench/search_ivf.py): measured and not adopted."""
    if not ivf:
        return ""
    lines = [
        "### IVFFlat instead of HNSW? Measured, not adopted",
        "",
        f"`bench/search_ivf.py` on the same {ivf['faces']:,} faces and the product's query shape: IVFFlat with "
        f"{ivf['lists']} lists builds in {ivf['build_seconds']:.0f} s ({ivf['index_mb']:.0f} MB) against ~43 min "
        "for the HNSW graph, and a filter costs it nothing extra (a list is scanned whole), but face embeddings "
        "have no clusters for the lists to follow — the nearest other people of a face are spread over every list:",
        "",
        "| probes | p50 / p99 ms | recall@1 / @10 |",
        "|---|---|---|",
    ]
    for row in ivf["probes"]:
        lines.append(
            f"| {row['probes']} | {fmt_ms(row['ms'])} / {fmt_ms(row['ms'], 'p99')} | "
            f"{row['recall_at_1']:.3f} / {row['recall_at_10']:.3f} |"
        )
    big = scale["sizes"][-1] if scale and scale.get("sizes") else None
    if big and big["faces"] == ivf["faces"]:
        hnsw = big["hnsw"]["none"]
        lines += [
            "",
            f"HNSW on the same set: recall@10 {hnsw['recall_at_10']:.3f} at {fmt_ms(hnsw['ms'], 'p99')} ms p99.",
        ]
    lines += ["", f"Conditions: {fmt_conditions(ivf['conditions_start'])}."]
    return "\n".join(lines)


def search_trace_section(trace: dict | None) -> str:
    """Where a search by photo spends its time beyond the engine (bench/search_trace.py)."""
    if not trace:
        return "### Where a search's time goes\n\nNot measured (`bench/search_trace.py`)."
    lines = [
        "### Where a search's time goes",
        "",
        f"`bench/search_trace.py`: the stages of a Huawei search by photo, one after the other in one process, on the "
        f"benchmark's set of {trace['faces']:,} faces; {trace['repeat']} queries, medians (p99). Both vector searches "
        f"ran on every query: the in-memory scan returned the same faces in the same order as PostgreSQL's exact scan "
        f"for {trace['same_answer']:.0%} of them. Conditions: {fmt_conditions(trace['conditions'])}.",
        "",
        "| stage | p50 (ms) | p99 (ms) |",
        "|---|---|---|",
    ]
    for name, figures in trace["stages"].items():
        lines.append(f"| {name} | {figures['p50']:.2f} | {figures['p99']:.2f} |")
    return "\n".join(lines)


def graph_section(scale: dict | None) -> str:
    """The in-process graph of each size: build, file, recovery, the product path through it, its ef sweep."""
    sizes = [row for row in (scale or {}).get("sizes", []) if row.get("graph")]
    if not sizes:
        return ""
    lines = [
        "### The in-process graph (usearch), the product's path since issue 16",
        "",
        "The same sets and queries through the product's search with its in-process graph: usearch HNSW (m="
        f"{scale['settings']['m']}, ef_construction={scale['settings']['ef_construction']}, vectors stored as "
        f"{sizes[-1]['graph']['dtype']}) in a checksummed file that every searching process memory-maps; PostgreSQL "
        "then ranks the graph's candidates by the exact cosine of the stored vectors, together with any row added "
        "since the file was written. *build* is `face_set_graph_refresh` (read the set from PostgreSQL, build, write "
        "the file and its checksum); *reopen* is what a restarted process pays before its first search (checksum "
        "read, file mapped). *person's photos*: of the query person's photos in the exact top 10, the share "
        "returned.",
        "",
        "| faces | build | file | reopen | filter | p50 / p99 ms | recall@10 | right person first (exact) "
        "| person's photos | complete | SQL answered |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sizes:
        graph = row["graph"]
        for name in ("none", "10%", "0.1%"):
            cell = graph[name]
            first = (
                f"{cell['identity_at_1']:.3f} ({row['exact']['none'].get('identity_at_1', 0):.3f})"
                if name == "none"
                else ""
            )
            own = f"{cell['persons_photos']:.4f}" if name == "none" else ""
            head = (
                f"{row['faces']:,} | {graph['build_seconds']:.0f} s | {graph['file_mb']:,.0f} MB | "
                f"{graph['reopen_seconds']['p50']:.2f} s"
                if name == "none"
                else " | | | "
            )
            lines.append(
                f"| {head} | {name if name != 'none' else '–'} | {fmt_ms(cell['ms'])} / {fmt_ms(cell['ms'], 'p99')} | "
                f"{cell['recall_at_10']:.3f} | {first} | {own} | {cell['complete']:.2f} | "
                f"{cell['fallbacks']}/{cell['ms']['n']} |"
            )
    lines += [
        "",
        "*SQL answered*: queries the graph handed back to PostgreSQL (a filter that few enough rows pass is ranked "
        "exactly through the field index; that is the 0.1 % row).",
        "",
        "Graph ef sweep (the candidate list, `FACELIB_GRAPH_EF_SEARCH`); each cell: recall@10 · person's photos · "
        "p50 / p99 ms.",
        "",
        "| ef | filter | " + " | ".join(f"{row['faces']:,} faces" for row in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    points = sorted({(p["ef_search"], p["filter"]) for row in sizes for p in row["graph"].get("ef_sweep", [])})
    for ef, name in points:
        cells = []
        for row in sizes:
            point = next(
                (p for p in row["graph"].get("ef_sweep", []) if p["ef_search"] == ef and p["filter"] == name), None
            )
            cells.append(
                "–"
                if point is None
                else f"{point['recall_at_10']:.3f} · {point['persons_photos']:.3f} · {fmt_ms(point['ms'])} / "
                f"{fmt_ms(point['ms'], 'p99')}"
            )
        lines.append(f"| {ef} | {name if name != 'none' else '–'} | " + " | ".join(cells) + " |")

    def reached(sweep: list) -> set[int]:
        return {p["ef_search"] for p in sweep if p["filter"] == "none" and p["recall_at_10"] >= GOAL_RECALL}

    def points(sweep: list, name: str) -> str:
        return ", ".join(
            f"{p['ef_search']}: {p['recall_at_10']:.4f} · {fmt_ms(p['ms'], 'p99')} ms"
            for p in sweep
            if p["filter"] == name
        )

    for row in sizes:
        first = (row.get("graph_first_queries") or {}).get("ef_sweep")
        if not first:
            continue
        both = sorted(reached(first) & reached(row["graph"].get("ef_sweep", [])))
        lines += [
            "",
            f"At {row['faces']:,} faces the run that built the set, with its own {scale['queries']} queries (another "
            f"draw of the same kind), measured recall@10 · p99 by ef: unfiltered {points(first, 'none')}; 10 % "
            f"filter {points(first, '10%')}. The smallest ef with recall@10 ≥ {GOAL_RECALL} on both draws: "
            f"{both[0] if both else 'none swept'}.",
        ]
    return "\n".join(lines)
