"""Enrolment throughput and end-to-end API latency, on a FaceLib the benchmark starts itself (bench/stack.py).

    .venv/bin/python bench/api_bench.py [--quick] [--before REV [--rounds 2]]

1. Enrolment, with 1 and then 2 Celery worker processes:
   * the Huawei add-face API (``huaweicloudsdkfrs``, ``add_faces_by_base64``) from 4 client threads, over the
     640x480 ~200 KB benchmark photos: photos/s and faces/s, and per-request latency;
   * ``manage.py import_faces FOLDER --face-set NAME --create``: the benchmark photos laid out as person folders
     (links in var/bench/, photos never copied into the repo), and the real ``people/`` folder of shared/data/faces
     (63 photos, up to 4600 px): photos/s and faces/s, wall clock of the whole command (and its own clock).
   With ``--before REV``, the three again with 2 workers, served alternately from a checkout of REV (a git
   worktree, as bench/sync_latency.py) and from this checkout, ``--rounds`` times each: the before/after.
2. End-to-end latency and throughput of detect, compare and search (a face set of 10,000 faces) through the Huawei
   API on loopback, with 2 workers (the default), from 1, 2, 4 and 8 concurrent clients: requests/s, p50/p99.

Results go to bench/results/api.json.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from common import CACHE, REPO, conditions, log, save_result, summary
from stack import Stack, api_setup, b64, bench_photos, credential, stack_env

SEARCH_SET_FACES = 10_000


def _client(stack: Stack, cred: dict):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkfrs.v2 import FrsClient

    credentials = BasicCredentials(cred["access_key"], cred["secret_key"], cred["project_id"])
    return FrsClient.new_builder().with_credentials(credentials).with_endpoints([stack.url]).build()


class Clients:
    """One SDK client per thread (the SDK's HTTP session is not shared between threads)."""

    def __init__(self, stack: Stack, cred: dict) -> None:
        self.stack, self.cred, self.local = stack, cred, threading.local()

    def get(self):
        if getattr(self.local, "client", None) is None:
            self.local.client = _client(self.stack, self.cred)
        return self.local.client


def _load(clients: Clients, calls: list, concurrency: int) -> dict:
    """Run the calls (each a function of a client) from `concurrency` threads: throughput and latency."""
    latencies: list[float] = []
    errors: list[str] = []

    def one(call):
        client = clients.get()
        begin = time.perf_counter()
        try:
            outcome = call(client)
        except Exception as error:  # counted and reported, not hidden
            errors.append(f"{type(error).__name__}: {str(error)[:200]}")
            return None
        latencies.append((time.perf_counter() - begin) * 1000)
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(one, calls))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(calls),
        "concurrency": concurrency,
        "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "ms": summary(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "outcomes": outcomes,
    }


def _clean_face_sets(prefix: str) -> None:
    from facesets.models import FaceSet, Person, Project

    project = Project.objects.filter(name="bench").first()
    if project is not None:
        for face_set in FaceSet.objects.filter(project=project, name__startswith=prefix):
            from facesets.services.library import face_set_delete
            from facesets.services.lifecycle import Release

            face_set_delete(face_set=face_set, release=Release.DELETE)
        Person.objects.filter(project=project).delete()


def enrol_api(stack: Stack, cred: dict, photos: list[bytes], count: int, workers: int) -> dict:
    from huaweicloudsdkfrs.v2 import model as frs

    clients = Clients(stack, cred)
    name = f"enrol-api-{workers}"
    _clean_face_sets(name)
    clients.get().create_face_set(frs.CreateFaceSetRequest(body=frs.CreateFaceSetReq(face_set_name=name)))
    encoded = [b64(photo) for photo in photos]

    def add(index: int):
        return lambda client: len(
            client.add_faces_by_base64(
                frs.AddFacesByBase64Request(
                    face_set_name=name, body=frs.AddFacesBase64Req(image_base64=encoded[index % len(encoded)])
                )
            ).faces
        )

    _load(clients, [add(i) for i in range(4)], 2)  # warm-up
    run = _load(clients, [add(i) for i in range(count)], 4)
    faces = sum(value or 0 for value in run.pop("outcomes"))
    return {**run, "photos_per_s": run["requests_per_s"], "faces_per_s": faces / run["seconds"], "faces": faces}


def _import_folder(photos: list[Path], persons: int, per_person: int) -> Path:
    folder = CACHE / f"import-{persons}x{per_person}"
    if not folder.is_dir():
        for person in range(persons):
            sub = folder / f"person{person:03d}"
            sub.mkdir(parents=True, exist_ok=True)
            for k in range(per_person):
                link = sub / f"photo{k}.jpg"
                if not link.exists():
                    link.symlink_to(photos[(person * per_person + k) % len(photos)])
    return folder


def enrol_import(folder: Path, label: str, workers: int, repo: Path = REPO) -> dict:
    name = f"import-{label}-{workers}"
    _clean_face_sets(name)
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            str(repo / "manage.py"),
            "import_faces",
            str(folder),
            "--face-set",
            name,
            "--create",
            "--project",
            "bench",
        ],
        cwd=repo,
        env=stack_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        return {"error": result.stderr[-500:], "seconds": elapsed}
    photos = int(re.search(r"photos enrolled:\s+(\d+)", result.stdout).group(1))
    faces = int(re.search(r"faces added:\s+(\d+)", result.stdout).group(1))
    # The command's own clock (its summary's "time:"), from its first submit to its last result: without the
    # interpreter's and Django's start-up, which the wall clock above includes.
    own = re.search(r"time:\s+([0-9.]+)s", result.stdout)
    return {
        "photos": photos,
        "faces": faces,
        "seconds": elapsed,
        "photos_per_s": photos / elapsed,
        "faces_per_s": faces / elapsed,
        **(
            {"command_seconds": float(own.group(1)), "command_photos_per_s": photos / float(own.group(1))}
            if own
            else {}
        ),
        "summary": result.stdout.strip().splitlines()[:8],
    }


def enrol_rows(workers: int, photos: list[bytes], count: int, folder: Path, people: Path, repo: Path = REPO) -> dict:
    """The three enrolment paths on one stack served from `repo`."""
    with Stack(workers=workers, repo=repo) as stack:
        cred = credential()
        row: dict = {"workers": workers}
        row["api"] = enrol_api(stack, cred, photos, count, workers)
        log(f"add-face API, {workers} worker(s): {row['api']['photos_per_s']:.1f} photos/s")
        row["import_640"] = enrol_import(folder, "640", workers, repo)
        log(f"import_faces 640x480, {workers} worker(s): {row['import_640'].get('photos_per_s', 0):.1f}/s")
        row["import_people"] = enrol_import(people, "people", workers, repo)
        log(f"import_faces people/, {workers} worker(s): {row['import_people'].get('photos_per_s', 0):.1f}/s")
    return row


def _search_set(clients: Clients, photos: list[bytes]) -> str:
    """A face set of SEARCH_SET_FACES faces: the benchmark photos enrolled through the API, the rest synthetic
    SFace-like vectors (bench/scale_data.py) tagged with the engine's model, so the search scans them all."""
    from faces_data import facelib_embeddings
    from huaweicloudsdkfrs.v2 import model as frs
    from scale_data import FaceModel, load_face_set

    from facesets.models import FaceSet

    name = "search-10k"
    _clean_face_sets(name)
    clients.get().create_face_set(frs.CreateFaceSetRequest(body=frs.CreateFaceSetReq(face_set_name=name)))
    for photo in photos:
        clients.get().add_faces_by_base64(
            frs.AddFacesByBase64Request(face_set_name=name, body=frs.AddFacesBase64Req(image_base64=b64(photo)))
        )
    face_set = FaceSet.objects.get(name=name, project__name="bench")
    _, identities, vectors = facelib_embeddings()
    load_face_set(
        face_set,
        FaceModel.fit(vectors, identities),
        SEARCH_SET_FACES - len(photos),
        np.random.default_rng(5),
        model_name="sface-2021dec",
        keep_count=True,
    )
    return name


def search_set(clients: Clients, photos: list[bytes]) -> str:
    """The name of the benchmark's search set: the one an earlier benchmark left, else built here and left to settle
    (a process ranks rows younger than MEMORY_SETTLED_SECONDS by SQL until it reads them again: the steady state is
    what is measured, as for a set enrolled minutes ago)."""
    from facesets.models import FaceSet
    from facesets.search import MEMORY_SETTLED_SECONDS

    face_set = FaceSet.objects.filter(name="search-10k", project__name="bench").first()
    if face_set is not None:
        return face_set.name
    name = _search_set(clients, photos)
    time.sleep(MEMORY_SETTLED_SECONDS + 5)
    return name


def latency(
    stack: Stack, cred: dict, photos: list[bytes], levels: list[int], per_level: int, face_set: str | None = None
) -> dict:
    """Requests/s and p50/p99 of detect, compare and search (in `face_set`, built here when None) at each level of
    concurrent clients."""
    from huaweicloudsdkfrs.v2 import model as frs

    clients = Clients(stack, cred)
    face_set = face_set or _search_set(clients, photos)
    encoded = [b64(photo) for photo in photos]
    operations = {
        "detect": lambda i: (
            lambda c: c.detect_face_by_base64(
                frs.DetectFaceByBase64Request(body=frs.FaceDetectBase64Req(image_base64=encoded[i % len(encoded)]))
            )
        ),
        "compare": lambda i: (
            lambda c: c.compare_face_by_base64(
                frs.CompareFaceByBase64Request(
                    body=frs.FaceCompareBase64Req(
                        image1_base64=encoded[i % len(encoded)], image2_base64=encoded[(i + 1) % len(encoded)]
                    )
                )
            )
        ),
        "search": lambda i: (
            lambda c: c.search_face_by_base64(
                frs.SearchFaceByBase64Request(
                    face_set_name=face_set,
                    body=frs.FaceSearchBase64Req(image_base64=encoded[i % len(encoded)], top_n=10),
                )
            )
        ),
    }
    result = {}
    for operation, make in operations.items():
        _load(clients, [make(i) for i in range(4)], 2)  # warm-up
        result[operation] = []
        for concurrency in levels:
            run = _load(clients, [make(i) for i in range(per_level)], concurrency)
            run.pop("outcomes")
            result[operation].append(run)
            log(
                f"{operation} x{concurrency}: {run['requests_per_s']:.1f} req/s, p50 {run['ms'].get('p50', 0):.0f} ms,"
                f" p99 {run['ms'].get('p99', 0):.0f} ms, errors {run['errors']}"
            )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--workers", default="1,2", help="worker process counts for enrolment")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-enrol", action="store_true")
    parser.add_argument(
        "--before",
        help="also enrol (2 workers) with this commit's code, alternately with this checkout, --rounds times each",
    )
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the before/after enrolment")
    args = parser.parse_args()
    photos = api_setup()
    photo_paths = bench_photos()
    count = 40 if args.quick else 120
    data_dir = Path(__import__("faces_data").default_data_dir())
    result = {
        "conditions_start": conditions(),
        "photo_bytes": summary(len(p) for p in photos),
        "photo_count": len(photos),
        "enrol": [],
        "latency": None,
    }
    if not args.skip_enrol:
        # A bulk import of 240 photos (40 person folders of 6) in a full run: long enough that the command's start-up
        # is a small part of its wall clock, which is still what is reported (with the command's own clock beside it).
        folder = _import_folder(photo_paths, 10 if args.quick else 40, 4 if args.quick else 6)
        people = data_dir / "people"
        for workers in (int(v) for v in args.workers.split(",")):
            result["enrol"].append(enrol_rows(workers, photos, count, folder, people))
            save_result("api", result)
        if args.before:
            from sync_latency import worktree

            sha, before_repo = worktree(args.before)
            after_sha = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True).strip()
            runs: dict[str, list] = {"before": [], "after": []}
            for round_number in range(args.rounds):
                for label, repo in (("before", before_repo), ("after", REPO)):
                    log(f"enrolment round {round_number + 1}: {label}")
                    runs[label].append(enrol_rows(2, photos, count, folder, people, repo))
            result["enrol_before_after"] = {"before": sha, "after": after_sha, "rounds": args.rounds, "runs": runs}
            save_result("api", result)
    if not args.skip_latency:
        with Stack(workers=2) as stack:
            levels = [1, 2, 4] if args.quick else [1, 2, 4, 8]
            result["latency"] = latency(stack, credential(), photos, levels, 24 if args.quick else 60)
    result["conditions_end"] = conditions()
    save_result("api", result)
    log("wrote bench/results/api.json")


if __name__ == "__main__":
    main()
