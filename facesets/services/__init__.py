"""Writes of the domain. Dialects, the dashboard, tasks and commands call these and nothing below them."""

from . import operations  # noqa: F401  (registers the task operations)
