"""`python manage.py import_faces FOLDER --face-set NAME`: enrol a folder of photos (thousands) into a face set.

Layout: photos directly in FOLDER are enrolled without a person; each sub-folder is a person (found by exact name or
created), and every photo below it is enrolled to that person (its largest face). The work runs in the Celery
workers, in batches of `--batch` photos (one task each, visible on the dashboard's Tasks page); the command shows a
progress bar and ends with a summary.

Resuming: each photo's external_image_id is derived from its path (`<person folder>_<file stem>`, or the stem for
top-level photos; sanitised to 1-36 of [A-Za-z0-9_-]), and each task item is named by the photo's path relative to
FOLDER. A second run of the same command skips
  - photos whose task item of an earlier run finished or failed for a reason a retry cannot cure (no face, not an
    image, ...; `--retry-failed` retries them), and waits for those still queued instead of submitting them again;
  - photos whose external_image_id is already in the face set (this survives the 24 h purge of finished tasks).
So an interrupted import (Ctrl-C, a closed terminal, a crashed worker) is finished by running it again.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from facesets import selectors
from facesets.exceptions import DomainError
from facesets.fields import external_image_id_from_filename
from facesets.models import Project, Task
from facesets.services.enrolment import Photo, face_set_enrol_submit
from facesets.services.library import person_get_or_create_by_name

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
# Failures a retry cannot cure: the photo itself is the problem.
FINAL_FAILURES = {"no_face", "face_too_small", "image_invalid", "invalid_external_image_id"}
POLL_SECONDS = 0.2


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0].split(": ", 1)[1]

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--face-set", required=True, help="name of the face set (see --create)")
        parser.add_argument("--project", help="project name (needed when there is more than one project)")
        parser.add_argument("--create", action="store_true", help="create the face set if it does not exist")
        parser.add_argument(
            "--all-faces",
            action="store_true",
            help="enrol every face of a top-level photo, not "
            "only the largest (photos of a person always give their largest face)",
        )
        parser.add_argument("--batch", type=int, default=50, help="photos per task (default 50)")
        parser.add_argument(
            "--in-flight", type=int, default=200, help="photos queued at once, at least one batch (default 200)"
        )
        parser.add_argument("--retry-failed", action="store_true", help="retry photos that failed in an earlier run")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be enrolled")

    # ---------------------------------------------------------------------------------------------------------
    def handle(self, *args, folder: Path, face_set: str, project: str | None, **options) -> None:
        from facesets.services.audit import Actor, acting

        # What the import changes (the set it may create, every photo's enrolment in the workers) is recorded in the
        # audit log as this command's.
        with acting(Actor(interface="command", label="import_faces")):
            self._import(folder=folder, face_set=face_set, project=project, **options)

    def _import(self, *, folder: Path, face_set: str, project: str | None, **options) -> None:
        root = folder.expanduser().resolve()
        if not root.is_dir():
            raise CommandError(f"{folder} is not a folder")
        self.root = str(root)
        project_obj = self._project(project)
        try:
            face_set_obj = selectors.face_set_get(project=project_obj, name=face_set)
        except DomainError:
            if not options["create"]:
                raise CommandError(
                    f"project {project_obj.name} has no face set {face_set!r} (create it in the dashboard, or pass "
                    "--create)"
                ) from None
            from facesets.services.library import face_set_create

            try:
                face_set_obj = face_set_create(project=project_obj, name=face_set)
            except DomainError as error:
                raise CommandError(error.message) from error

        plan, ignored = self._scan(root)
        states = selectors.import_item_states(face_set=face_set_obj, root=str(root))
        present = selectors.face_set_external_ids(face_set=face_set_obj)
        todo: dict[str, list[tuple[str, Path, str]]] = defaultdict(list)
        skipped = Counter()
        for person_name, relative, path, external_id in plan:
            status, code = states.get(relative, ("", ""))
            if status == Task.Status.DONE:
                skipped["already enrolled"] += 1
            elif status == Task.Status.FAILED and (code in FINAL_FAILURES and not options["retry_failed"]):
                skipped[f"failed before ({code})"] += 1
            elif status in (Task.Status.PENDING, Task.Status.PROCESSING):
                skipped["queued by an earlier run (waited for)"] += 1
            elif external_id in present:
                skipped["already in the face set"] += 1
            else:
                todo[person_name].append((relative, path, external_id))
        count = sum(len(files) for files in todo.values())
        self.stderr.write(
            f"{root}: {len(plan)} photos in {len({p for p, *_ in plan} - {''})} person folders"
            + (f", {ignored} other files ignored" if ignored else "")
            + f"; {count} to enrol into {face_set_obj.name}"
            + "".join(f"; {number} {reason}" for reason, number in sorted(skipped.items()))
        )
        leftover = selectors.import_tasks_unfinished(face_set=face_set_obj, root=self.root)
        if options["dry_run"] or not (count or leftover):
            self._summary(Counter(), skipped, 0, [], 0)
            return
        self._run(face_set_obj, todo, count, skipped, options, leftover)

    def _project(self, name: str | None) -> Project:
        if name:
            project = Project.objects.filter(name=name).first()
            if project is None:
                raise CommandError(f"no project named {name!r}")
            return project
        projects = list(Project.objects.all()[:2])
        if len(projects) != 1:
            raise CommandError("pass --project NAME (there is not exactly one project)")
        return projects[0]

    def _scan(self, root: Path) -> tuple[list[tuple[str, str, Path, str]], int]:
        """(person folder name or "", relative path, path, external_image_id) of every photo, in a stable order."""
        plan, ignored = [], 0
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                ignored += 1
                continue
            person = relative.parts[0] if len(relative.parts) > 1 else ""
            stem_name = "_".join(relative.parts[1:]) if person else relative.name
            external_id = external_image_id_from_filename(stem_name, prefix=person)
            plan.append((person, relative.as_posix(), path, external_id))
        return plan, ignored

    # ---------------------------------------------------------------------------------------------------------
    def _run(self, face_set, todo, count: int, skipped: Counter, options, leftover: list[Task]) -> None:
        """Submit the batches, keeping about `--in-flight` photos queued, and follow them (and the earlier run's
        leftovers, so that the import is complete when the command returns)."""
        batch_size = max(1, options["batch"])
        in_flight_max = max(1, options["in_flight"])
        batches = []
        for person_name, files in todo.items():
            for start in range(0, len(files), batch_size):
                batches.append((person_name, files[start : start + batch_size]))
        outcomes: Counter = Counter()
        failures: list[tuple[str, str]] = []
        persons_created = 0
        persons: dict[str, object] = {}
        running: list[Task] = list(leftover)
        count += sum(task.total for task in leftover)
        finished_done = 0
        started = time.monotonic()
        last_progress = (0, started)
        warned = False
        try:
            while batches or running:
                # Enough queued that the workers never wait for the next batch (person folders make small batches).
                queued = sum(task.total - task.done for task in running if task not in leftover)
                while batches and (queued == 0 or queued + len(batches[0][1]) <= in_flight_max):
                    person_name, files = batches.pop(0)
                    person = None
                    if person_name:
                        if person_name not in persons:
                            persons[person_name], created = person_get_or_create_by_name(
                                project=face_set.project, name=person_name
                            )
                            persons_created += int(created)
                        person = persons[person_name]
                    photos = [
                        Photo(name=relative, data=path.read_bytes(), external_image_id=external_id)
                        for relative, path, external_id in files
                    ]
                    queued += len(files)
                    running.append(
                        face_set_enrol_submit(
                            face_set=face_set,
                            photos=photos,
                            person=person,
                            single=bool(person) or not options["all_faces"],
                            source="import_faces",
                            extra_params={"root": self.root},
                        )
                    )
                time.sleep(POLL_SECONDS)
                still = []
                in_progress = 0
                # One query for every running task's progress (not one each: ~30 tasks in flight, 5 polls a second).
                by_pk = {task.pk: task for task in running}
                for row in Task.objects.filter(pk__in=list(by_pk)).values("pk", "status", "done", "total"):
                    task = by_pk[row["pk"]]
                    task.status, task.done, task.total = row["status"], row["done"], row["total"]
                for task in running:
                    if task.status in (Task.Status.DONE, Task.Status.FAILED):
                        finished_done += task.total
                        for item in selectors.task_items(task=task):
                            if item.status == Task.Status.DONE:
                                outcomes["photos enrolled"] += 1
                                outcomes["faces added"] += len((item.result or {}).get("faces") or [])
                            else:
                                outcomes[item.error_code or "failed"] += 1
                                failures.append((item.name, item.error_message))
                    else:
                        in_progress += task.done
                        still.append(task)
                running = still
                done = finished_done + in_progress
                self._bar(done, count, started, outcomes)
                if done != last_progress[0]:
                    last_progress = (done, time.monotonic())
                elif not warned and time.monotonic() - last_progress[1] > 60:
                    warned = True
                    self.stderr.write("\nno progress for a minute: is a worker running (make run)?")
        except KeyboardInterrupt:
            self.stderr.write(
                "\ninterrupted: the photos already queued are still processed by the workers; run the same command "
                "again to enrol the rest (nothing is enrolled twice)."
            )
            sys.exit(130)
        self.stderr.write("")
        self._summary(outcomes, skipped, persons_created, failures, time.monotonic() - started)

    def _bar(self, done: int, total: int, started: float, outcomes: Counter) -> None:
        fraction = done / total if total else 1.0
        width = 30
        filled = int(width * fraction)
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0
        failed = sum(value for key, value in outcomes.items() if key not in ("photos enrolled", "faces added"))
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% {done}/{total} photos"
            f" · {outcomes['faces added']} faces · {failed} not enrolled · {rate:.1f}/s"
            + (f" · {int(eta // 60)}m{int(eta % 60):02d}s left" if done < total and rate > 0 else "")
        )
        self.stderr.write(line, ending="")
        self.stderr.flush()

    def _summary(self, outcomes: Counter, skipped: Counter, persons_created: int, failures, elapsed: float) -> None:
        lines = ["summary:"]
        lines.append(f"  photos enrolled:   {outcomes.get('photos enrolled', 0)}")
        lines.append(f"  faces added:       {outcomes.get('faces added', 0)}")
        lines.append(f"  persons created:   {persons_created}")
        for key, value in sorted(outcomes.items()):
            if key not in ("photos enrolled", "faces added"):
                lines.append(f"  {key + ':':<18} {value}")
        for reason, value in sorted(skipped.items()):
            lines.append(f"  skipped, {reason}: {value}")
        if elapsed:
            lines.append(f"  time:              {elapsed:.1f}s")
        for name, message in failures[:20]:
            lines.append(f"  ! {name}: {message}")
        if len(failures) > 20:
            lines.append(f"  ! ... and {len(failures) - 20} more (see the Tasks page)")
        self.stdout.write("\n".join(lines))
