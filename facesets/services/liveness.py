"""The liveness request's arguments as every interface writes them (Huawei's live-detect, the dashboard): actions
"1,3" and windows "0-2000,2000-4000" (ms). A bad one is an InvalidArgument naming `actions` (details["reason"]
"too_many" beyond MAX_ACTIONS, "unsupported" otherwise) or `action_time`."""

from __future__ import annotations

from recognition.liveness import ACTIONS, MAX_ACTIONS

from ..exceptions import InvalidArgument


def actions_parse(text: str) -> list[int]:
    parts = [part.strip() for part in (text or "").split(",")]
    if len(parts) > MAX_ACTIONS:
        raise InvalidArgument(f"{len(parts)} actions; at most {MAX_ACTIONS}", field="actions", reason="too_many")
    actions = []
    for part in parts:
        if not part.isdigit() or int(part) not in ACTIONS:
            raise InvalidArgument(f"action {part!r} is not supported (1-5)", field="actions", reason="unsupported")
        actions.append(int(part))
    return actions


def windows_parse(text: str | None, count: int) -> list[tuple[float, float]] | None:
    """One "start-end" window (ms from the start, start < end) per action; None for no windows."""
    if text is None or not text.strip():
        return None
    windows = []
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit()) or int(start) >= int(end):
            raise InvalidArgument(
                f"{part.strip()!r} is not start-end in milliseconds with start < end", field="action_time"
            )
        windows.append((float(start), float(end)))
    if len(windows) != count:
        raise InvalidArgument(f"{len(windows)} windows for {count} actions", field="action_time")
    return windows
