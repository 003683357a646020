"""One way to page through an ordered queryset, for every interface: the dialects' offset/limit and start/end
arguments and the dashboard's pager. Limited offset paging: one extra row is read to know whether more follow, so no
page ever counts the whole table, and no list comes back unbounded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..exceptions import InvalidArgument


@dataclass(frozen=True)
class Page:
    """`rows` of a queryset starting at `offset` (0-based), at most `limit` of them; `has_more` when rows follow."""

    rows: list[Any]
    offset: int
    limit: int
    has_more: bool

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, None on the last page."""
        return self.offset + len(self.rows) if self.has_more else None


def page(queryset, *, offset: int = 0, limit: int, max_limit: int | None = None) -> Page:
    """One page of an ordered queryset (or any sliceable sequence). InvalidArgument for a negative offset or a limit
    below 1 or above `max_limit`."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidArgument("offset must be a whole number from 0", field="offset")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1 or (max_limit and limit > max_limit):
        bound = f" to {max_limit}" if max_limit else ""
        raise InvalidArgument(f"limit must be a whole number from 1{bound}", field="limit")
    rows = list(queryset[offset : offset + limit + 1])
    return Page(rows=rows[:limit], offset=offset, limit=limit, has_more=len(rows) > limit)


def page_between(queryset, *, start: int, end: int, first: int = 0, max_limit: int | None = None) -> Page:
    """The rows from position `start` to `end` inclusive, counting from `first` (0 or 1, as the dialect numbers
    them): the start/end form of page()."""
    if isinstance(start, bool) or not isinstance(start, int) or start < first:
        raise InvalidArgument(f"start must be a whole number from {first}", field="start")
    if isinstance(end, bool) or not isinstance(end, int) or end < start:
        raise InvalidArgument("end must not be before start", field="end")
    return page(queryset, offset=start - first, limit=end - start + 1, max_limit=max_limit)
