"""Small template helpers of the dashboard."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def percent(value, total) -> int:
    """`value` as a whole percentage of `total` (0 when total is 0), for bars."""
    try:
        return max(0, min(100, int(100 * float(value) / float(total)))) if total else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def fieldvalue(value) -> str:
    """A custom-field value as the filter language writes it (true/false for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def active(context, name: str) -> str:
    return "active" if context.get("nav") == name else ""


@register.simple_tag(takes_context=True)
def current(context, name: str) -> str:
    """aria-current="page" on the navigation link of the page shown (screen readers announce it)."""
    return mark_safe('aria-current="page"') if context.get("nav") == name else ""
