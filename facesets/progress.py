"""How far a long computation in a worker has got, for whoever waits for it (services.tasks.StageReporter keeps it
where the dashboard reads it). A computation takes a `progress` callable and calls it with what it is doing and the
fraction of the whole done so far; without one, nothing is reported."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]


def quiet(stage: str, fraction: float) -> None:
    """Progress reported to no one."""
