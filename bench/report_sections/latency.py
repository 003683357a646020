"""Synchronous answers: latency and throughput before and after, Server-Timing's breakdown, the CPU a request costs."""

from __future__ import annotations

import numpy as np

from .basics import fmt_conditions, fmt_verdict


def sync_latency_section(sync: dict | None, step: dict | None = None) -> str:
    if not sync:
        return "### Synchronous answers, before and after\n\nNot measured (`bench/sync_latency.py --before REV`)."
    engine = sync["engine_ms"]["p50"]

    def level(label: str, operation: str, clients: int, key: str) -> float:
        return sync_level(sync, label, operation, clients, key)

    rounds = round_references(sync)
    if rounds:
        engines = [measured["engine_ms"]["p50"] for measured in rounds]
        engine_text = (
            f"is measured in every round, between its two sides: {min(engines):.0f}-{max(engines):.0f} ms p50 "
            "(the machine's speed drifts; each round's answers are held against its own references, the ratios below "
            "are the medians over the rounds)"
        )
    else:
        engine_text = f"is {engine:.0f} ms p50 in the same run"
    lines = [
        "### Synchronous answers, before and after",
        "",
        f"`bench/sync_latency.py`: {sync['before']} (before) and {sync['after']} (after) served alternately "
        f"({sync['rounds']} rounds each) by the same stack on the same database; Huawei detect, compare and search "
        f"(10,000 faces), {sync['requests']} requests per level; the engine's own time for the same photos (decode, "
        f"detect, align, embed) {engine_text}. Conditions: {fmt_conditions(sync['conditions_start'])}.",
        "",
        "| call | 1 client p50 before → after (ms) | ratio | × engine after | goal | 8 clients req/s before → after |",
        "|---|---|---|---|---|---|",
    ]
    two = sync.get("engine_two_processes")
    for operation in ("detect", "search", "compare"):
        before, after = level("before", operation, 1, "p50"), level("after", operation, 1, "p50")
        rate_before, rate_after = level("before", operation, 8, "rate"), level("after", operation, 8, "rate")
        multiple, _, name = sync_multiple(sync, operation)
        measured = sync_share(sync, operation)
        throughput = ""
        if measured is not None:
            share, cores = measured
            throughput = f" ({share:.0%} of the cores' {cores:.1f} photos/s: {fmt_verdict(share >= 0.8)})"
        lines.append(
            f"| {operation} | {before:.0f} → {after:.0f} | {after / before:.2f} | {multiple:.2f} × {name} | "
            f"≤ 1.5 × {name}: {fmt_verdict(multiple <= 1.5)} | {rate_before:.1f} → {rate_after:.1f}{throughput} |"
        )
    lines += [""]
    if rounds:
        pairs = [measured["engine_two_processes"]["pair_ms"]["p50"] for measured in rounds]
        rates = [measured["engine_two_processes"]["photos_per_s"] for measured in rounds]
        lines.append(
            f"References measured in each round: the engine alone {min(engines):.0f}-{max(engines):.0f} ms p50 per "
            f"photo; two photos at once in two worker-like processes {min(pairs):.0f}-{max(pairs):.0f} ms p50 "
            f"(compare's reference: it embeds its two photos in parallel); two busy processes "
            f"{min(rates):.1f}-{max(rates):.1f} photos/s (the 8-client goal: within 20 % of it, compare counting two "
            "photos a request)."
        )
    elif two:
        lines.append(
            f"References measured in the same run: the engine alone {engine:.0f} ms p50 per photo; two photos at once "
            f"in two worker-like processes {two['pair_ms']['p50']:.0f} ms p50 (compare's reference: it embeds its "
            f"two photos in parallel); two busy processes {two['photos_per_s']:.1f} photos/s (the 8-client goal: "
            "within 20 % of it, compare counting two photos a request)."
        )
    else:
        lines.append(
            "Compare's goal is 1.5 × two detections in parallel, which on two idle cores is about one engine time."
        )
    if step:
        lines += [
            "",
            f"The last step alone (`sync_latency.py --before {step['before']} --name sync_latency_step`, "
            f"{step['before']} → {step['after']}, {step['rounds']} rounds each, engine {step['engine_ms']['p50']:.0f} "
            f"ms p50 in that run; conditions: {fmt_conditions(step['conditions_start'])}):",
            "",
            "| call | 1 client p50 before → after (ms) | ratio | 8 clients req/s before → after |",
            "|---|---|---|---|",
        ]
        for operation in ("detect", "search", "compare"):
            before, after = (sync_level(step, label, operation, 1, "p50") for label in ("before", "after"))
            rates = [sync_level(step, label, operation, 8, "rate") for label in ("before", "after")]
            lines.append(
                f"| {operation} | {before:.0f} → {after:.0f} | {after / before:.2f} | {rates[0]:.1f} → {rates[1]:.1f} |"
            )
    return "\n".join(lines)


def server_timing_section(timing: dict | None) -> str:
    """Where one synchronous request's time goes, as the server reports it (bench/server_timing.py)."""
    if not timing:
        return "### Where a request's time goes, end to end\n\nNot measured (`bench/server_timing.py`)."
    operations = timing["operations"]
    names: list[str] = []  # every operation's stages in the order they ended, merged
    for stages in operations.values():
        previous = None
        for name in stages:
            if name in ("total", "client", "other"):
                continue
            if name not in names:
                names.insert(names.index(previous) + 1 if previous else len(names), name)
            previous = name
    lines = [
        "### Where a request's time goes, end to end",
        "",
        f"`bench/server_timing.py`: the benchmark stack (gunicorn 2×4 threads, one Celery worker of 2 processes, "
        f"pool {timing.get('pool', 'prefork')}) with `FACELIB_SERVER_TIMING` on serves {timing['requests']} Huawei "
        "requests of each kind to one client through the SDK; each answer's `Server-Timing` header breaks it down. "
        "Medians in ms. `call-wait` is the web process waiting for the worker; the rows in *italics* are its parts "
        "(sending the message and the broker's hand-off, the worker's own stages, the reply's way back), measured "
        "by the worker and across processes. `other` is what the web process's stages leave of its total (the "
        "view's own checks, rendering, middleware); `client − total` is the HTTP exchange and the SDK's own work. A "
        "comparison's two photos run in parallel, so its worker rows add up to more than its wait. The engine alone "
        f"(decode, detect, embed, in one process) took {timing['engine_ms']['p50']:.1f} ms a photo in the same run. "
        f"Conditions: {fmt_conditions(timing['conditions_start'])}.",
        "",
        "| stage | " + " | ".join(operations) + " |",
        "|---|" + "---|" * len(operations),
    ]

    def cell(stages: dict, name: str) -> str:
        return f"{stages[name]:.1f}" if name in stages else "–"

    for name in names:
        label = f"*{name}*" if name.startswith(("wait-", "worker-")) else name
        lines.append(f"| {label} | " + " | ".join(cell(stages, name) for stages in operations.values()) + " |")
    for name in ("other", "total"):
        lines.append(f"| {name} | " + " | ".join(cell(stages, name) for stages in operations.values()) + " |")
    gaps = [f"{stages['client'] - stages['total']:.1f}" for stages in operations.values()]
    lines.append("| client − total | " + " | ".join(gaps) + " |")
    lines.append("| **client** | " + " | ".join(f"**{stages['client']:.1f}**" for stages in operations.values()) + " |")
    paused = timing.get("after_pause")
    if paused:
        pause_ms = timing["pause_s"] * 1000
        lines += [
            "",
            f"The same process, after the requests: a few steps a request makes, each timed back to back and after a "
            f"pause of {pause_ms:.0f} ms (about how long a search's web process waits for its worker), medians in ms. "
            "On this virtual machine a process that has just been idle runs slower, and a round trip to a process "
            "that has been idle too (PostgreSQL, Redis) costs most: the web process's stages above run after such a "
            "wait, and a search makes about a dozen round trips one after another (web: credential, rate limit, face "
            "set, the call's photo, the message; worker: the photo, the face set, the ranking, the reply; web: the "
            "hits), each through a process that was idle a moment before.",
            "",
            f"| step | back to back | after {pause_ms:.0f} ms idle | ratio |",
            "|---|---|---|---|",
        ]
        labels = {
            "postgresql": "PostgreSQL round trip (`SELECT 1`)",
            "redis": "Redis round trip (`PING`)",
            "python": "Python alone (parse a 20 KB JSON document)",
            "engine": "the engine on one photo (decode, detect, embed)",
        }
        for name, label in labels.items():
            hot, cold = paused[f"{name}_hot"], paused[f"{name}_after_pause"]
            lines.append(f"| {label} | {hot:.2f} | {cold:.2f} | {cold / hot:.1f} × |")
    return "\n".join(lines)


def cpu_share_section(share: dict | None) -> str:
    """Where the CPU of a request goes with the cores busy, by process group (bench/cpu_share.py)."""
    title = "### Where the CPU goes at 8 clients"
    if not share:
        return f"{title}\n\nNot measured (`bench/cpu_share.py`)."
    cores, reference = share["cores"], share["reference_photos_per_s"]
    web = share.get("web", [2, 4])  # gunicorn's processes and threads (runs before it was recorded: the default)
    groups = ("clients", "web", "consumer", "workers", "postgres", "redis")
    lines = [
        title,
        "",
        f"`bench/cpu_share.py`: the benchmark stack serves {share['requests']} Huawei requests of each kind to "
        f"{share['clients']} concurrent SDK clients in the benchmark's own process, and the kernel's CPU time of each "
        "process group is read before and after: the clients (the official SDK signing and encoding the requests), "
        f"the web server (gunicorn, {web[0]} processes of {web[1]} threads), the broker's consumer (Celery's main "
        "process), the workers (Celery's pool "
        "processes: decoding, inference, search and their own bookkeeping), PostgreSQL and Redis. The reference is "
        "what two worker-like processes analyse in the same run (before and after the requests: "
        + " and ".join(f"{rate:.1f}" for rate in share.get("references_photos_per_s", [reference]))
        + f" photos/s; their mean {reference:.1f}), "
        f"{cores * 1000.0 / reference:.1f} ms of CPU a photo on {cores} cores. *Without the web server*: the share the "
        "same requests would reach if the web server's CPU were nil and every other group's stayed. Conditions: "
        f"{fmt_conditions(share['conditions_start'])}.",
        "",
        "| call | req/s | photos/s | of the reference | CPU ms a request: "
        + " / ".join(groups)
        + " | total | without the web server |",
        "|---|---|---|---|---|---|---|",
    ]
    for operation, measured in share["operations"].items():
        cpu = measured["cpu_ms"]
        total = sum(cpu[group] for group in groups)
        photos = measured["requests_per_s"] * measured["photos_per_request"]
        bound = cores * 1000.0 / (total - cpu["web"]) * measured["photos_per_request"]
        lines.append(
            f"| {operation} | {measured['requests_per_s']:.1f} | {photos:.1f} | {photos / reference:.0%} | "
            + " / ".join(f"{cpu[group]:.1f}" for group in groups)
            + f" | {total:.1f} | {bound / reference:.0%} |"
        )
    return "\n".join(lines)


def sync_reference(sync: dict, operation: str) -> tuple[float, str]:
    """What a call's one-client time is held against: the engine's time for one photo, or for compare two photos at
    once in two processes when that was measured."""
    two = sync.get("engine_two_processes")
    if operation == "compare" and two:
        return two["pair_ms"]["p50"], "two in parallel"
    return sync["engine_ms"]["p50"], "engine"


def photos_per_call(operation: str) -> int:
    """Photos a call analyses: a comparison two."""
    return 2 if operation == "compare" else 1


def sync_row(run: dict, operation: str, clients: int) -> dict:
    """One round's measurement of a call at one client count."""
    return next(row for row in run[operation] if row["concurrency"] == clients)


def round_references(sync: dict) -> list[dict] | None:
    """The references measured in each round (bench/sync_latency.py since it measures them per round), or None."""
    references = sync.get("references") or []
    return references if references and len(references) == len(sync["runs"]["after"]) else None


def sync_multiple(sync: dict, operation: str) -> tuple[float, float, str]:
    """The one-client answer after the change as a multiple of its reference: the median over the rounds of each
    round's p50 over that round's reference (where measured per round), with the median reference and its name."""
    reference, name = sync_reference(sync, operation)
    rounds = round_references(sync)
    if not rounds:
        return sync_level(sync, "after", operation, 1, "p50") / reference, reference, name
    multiples, references = [], []
    for run, measured in zip(sync["runs"]["after"], rounds, strict=True):
        own, _ = sync_reference(measured, operation)
        references.append(own)
        multiples.append(sync_row(run, operation, 1)["ms"]["p50"] / own)
    return float(np.median(multiples)), float(np.median(references)), name


def sync_share(sync: dict, operation: str) -> tuple[float, float] | None:
    """8 clients' photos/s after the change as a share of two busy processes' photos/s (the median over the rounds of
    each round's share, where measured per round), with the median photos/s; None when not measured."""
    photos = photos_per_call(operation)
    rounds = round_references(sync)
    if not rounds:
        two = sync.get("engine_two_processes")
        if not two:
            return None
        return sync_level(sync, "after", operation, 8, "rate") * photos / two["photos_per_s"], two["photos_per_s"]
    shares, rates = [], []
    for run, measured in zip(sync["runs"]["after"], rounds, strict=True):
        cores = measured["engine_two_processes"]["photos_per_s"]
        rates.append(cores)
        shares.append(sync_row(run, operation, 8)["requests_per_s"] * photos / cores)
    return float(np.median(shares)), float(np.median(rates))


def sync_level(sync: dict, label: str, operation: str, clients: int, key: str) -> float:
    """Median over the rounds of one call's p50 (ms) or requests/s at one client count."""
    values = []
    for run in sync["runs"][label]:
        row = sync_row(run, operation, clients)
        values.append(row["ms"]["p50"] if key == "p50" else row["requests_per_s"])
    return float(np.median(values))


def sync_rows(sync: dict | None) -> list[str]:
    """Issue 16 item 1: the synchronous calls against the engine's own time (bench/sync_latency.py)."""
    if not sync:
        return []
    rows = []
    for operation in ("detect", "search", "compare"):
        before = sync_level(sync, "before", operation, 1, "p50")
        after = sync_level(sync, "after", operation, 1, "p50")
        multiple, reference, name = sync_multiple(sync, operation)
        rows.append(
            f"| {operation}, one client, p50 (before → after) | ≤ 1.5 × {name} ({1.5 * reference:.0f} ms) "
            f"| {before:.0f} → {after:.0f} ms ({multiple:.2f} × {name}) "
            f"| {fmt_verdict(multiple <= 1.5)} |"
        )
    for operation in ("detect", "search", "compare"):
        measured = sync_share(sync, operation)
        if measured is None:
            continue
        share, cores = measured
        rate = sync_level(sync, "after", operation, 8, "rate") * photos_per_call(operation)
        rows.append(
            f"| {operation}, 8 clients, photos/s | ≥ 0.8 × the cores ({0.8 * cores:.1f}) "
            f"| {rate:.1f} ({share:.0%} of the cores) | {fmt_verdict(share >= 0.8)} |"
        )
    return rows
