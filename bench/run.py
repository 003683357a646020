"""`make bench`: run every benchmark, then write bench/REPORT.md (with bench/plots/*.png) and print it.

    .venv/bin/python bench/run.py [--quick] [--report-only]
        [--only accuracy,stages,analysis,liveness,engine,identities,clustering,enrol,api,timing,cpu,search,tuning]

Each part runs in its own process and writes bench/results/<part>.json; a part that fails is reported and the
others still run, and the report then says which figures are missing. PostgreSQL and Redis must be up (`make bench`
starts them through `make start`); the API parts start their own web server and workers on a scratch database and
stop them afterwards. One-off comparisons are not part of the run and keep their committed results:
bench/enrol_throughput.py --label before --repo <checkout of an older commit> (the enrolment before/after) and
bench/search_ivf.py (IVFFlat against HNSW on the 1M set). Full run: about an hour and a half on 2 cores, most of
it the 1M-face HNSW build; --quick takes minutes (10k/50k faces, fewer requests) and writes
search_scale_quick.json beside the full results.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import BENCH, REPO, log

PARTS = {
    "accuracy": (["accuracy.py"], []),
    "stages": (["stages.py"], ["--repeat", "20"]),
    "analysis": (["analysis.py"], ["--repeat", "2"]),
    "liveness": (["liveness.py"], ["--repeat", "1"]),
    "engine": (["engine_threads.py"], ["--seconds", "8", "--rounds", "1"]),
    "identities": (["identity_review.py"], ["--sizes", "10000", "--repeat", "1"]),
    "clustering": (["clustering.py"], []),
    "enrol": (["enrol_throughput.py"], ["--workers", "2", "--rounds", "1"]),
    "api": (["api_bench.py"], ["--quick"]),
    "timing": (["server_timing.py"], ["--requests", "20"]),  # after "api": it searches the set api left
    "cpu": (["cpu_share.py"], ["--requests", "80"]),  # the same set
    "search": (["search_scale.py"], ["--quick"]),
    "tuning": (["search_tuning.py"], ["--queries", "100"]),  # after "search": it works on the set search left
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (minutes)")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts: " + ", ".join(PARTS))
    parser.add_argument("--report-only", action="store_true", help="re-render the report from the stored results")
    args = parser.parse_args()
    failed = []
    if not args.report_only:
        for part in args.only.split(","):
            script, quick_args = PARTS[part]
            command = [sys.executable, str(BENCH / script[0]), *(quick_args if args.quick else [])]
            log(f"{part}: {' '.join(command[1:])}")
            started = time.monotonic()
            code = subprocess.call(command, cwd=REPO)
            log(f"{part}: exit {code} after {time.monotonic() - started:.0f} s")
            if code != 0:
                failed.append(part)
    subprocess.check_call([sys.executable, str(BENCH / "report.py")], cwd=REPO)
    if failed:
        log(f"failed parts (their figures are missing or stale in the report): {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
