"""The browser suite's accessibility check: axe-core (npm, pinned in package-lock.json, installed by
`make bootstrap-test`) injected into a page that Playwright shows, run on the whole document."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each (rule, help, the first
    offending elements); an empty list when there are none."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `make bootstrap-test` (npm ci installs axe-core)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in SERIOUS:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines
