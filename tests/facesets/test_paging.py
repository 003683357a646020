"""The one pager (selectors.page / page_between) every interface uses."""

from __future__ import annotations

import pytest

from facesets.exceptions import InvalidArgument
from facesets.models import Project
from facesets.selectors import page, page_between
from facesets.services import projects


def test_pages_of_a_sequence_know_whether_more_follow():
    rows = list(range(10))
    first = page(rows, offset=0, limit=4)
    assert (first.rows, first.has_more, first.next_offset) == ([0, 1, 2, 3], True, 4)
    last = page(rows, offset=8, limit=4)
    assert (last.rows, last.has_more, last.next_offset) == ([8, 9], False, None)
    assert page(rows, offset=6, limit=4).has_more is False
    assert page_between(rows, start=1, end=3, first=1).rows == [0, 1, 2]


@pytest.mark.parametrize(
    ("offset", "limit", "field"), [(-1, 5, "offset"), (0, 0, "limit"), (0, 11, "limit"), (True, 5, "offset")]
)
def test_bad_bounds(offset, limit, field):
    with pytest.raises(InvalidArgument) as error:
        page([], offset=offset, limit=limit, max_limit=10)
    assert error.value.field == field


@pytest.mark.django_db
def test_a_queryset_page_reads_one_row_more_and_counts_nothing(django_assert_num_queries):
    for number in range(5):
        projects.project_get_or_create(name=f"paged-{number}")
    with django_assert_num_queries(1):
        second = page(Project.objects.filter(name__startswith="paged-").order_by("name"), offset=2, limit=2)
    assert [project.name for project in second.rows] == ["paged-2", "paged-3"] and second.has_more
