"""Celery tasks of the engine alone (the tasks that drive the library are in facesets.tasks)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def health_check() -> dict:
    """Answer from a worker: proves the worker is up and reports its recognition model."""
    from .engine import get_engine

    engine = get_engine()
    return {"model": engine.model_name, "dimensions": engine.dimensions, "detector": engine.detector_name}
