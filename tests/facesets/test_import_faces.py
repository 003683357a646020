"""`manage.py import_faces`: a folder with one sub-folder per person, enrolled by a real worker; resumable."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from facesets.models import Face, FaceSet, Person, Task
from facesets.services.projects import project_get_or_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folder(tmp_path, shared_data):
    """Symlinks to the shared photos (never copies): two persons, a loose photo, a photo without a face, a README."""
    root = tmp_path / "import"
    layout = {
        "Ada Lovelace/img5.jpg": "people/person01/img5.jpg",
        "Ada Lovelace/img6.jpg": "people/person01/img6.jpg",
        "Bob/img12.jpg": "people/person02/img12.jpg",
        "visitor 1.jpg": "people/person04/img57.jpg",
        "brick.jpg": "no_face/brick.jpg",
    }
    for name, source in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(shared_data / source)
    (root / "README.txt").write_text("not a photo")
    return root


def run(folder, *extra):
    out, err = io.StringIO(), io.StringIO()
    arguments = [str(folder), "--face-set", "people", "--project", "imp", *extra]
    call_command("import_faces", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_resumes_after_an_interruption(worker, folder, monkeypatch):
    import facesets.management.commands.import_faces as command

    project = project_get_or_create(name="imp")
    with pytest.raises(SystemExit) as stopped, monkeypatch.context() as patch:
        # Ctrl-C right after the first batch (one photo) was queued.
        patch.setattr(command.time, "sleep", lambda seconds: (_ for _ in ()).throw(KeyboardInterrupt))
        run(folder, "--create", "--batch", "1", "--in-flight", "1")
    assert stopped.value.code == 130
    assert Task.objects.filter(project=project).count() == 1

    out, err = run(folder)
    assert "1 other files ignored" in err
    assert "queued by an earlier run (waited for): 1" in out
    assert "persons created:   1" in out  # Ada was created by the interrupted run, Bob now
    assert "no_face:" in out and "brick.jpg" in out
    face_set = FaceSet.objects.get(project=project, name="people")
    assert Task.objects.filter(project=project).exclude(status=Task.Status.DONE).count() == 0
    ids = sorted(face_set.members.values_list("face__external_image_id", flat=True))
    assert ids == ["Ada_Lovelace_img5", "Ada_Lovelace_img6", "Bob_img12", "visitor_1"]
    assert face_set.face_count == 4
    ada, bob = Person.objects.get(name="Ada Lovelace"), Person.objects.get(name="Bob")
    assert ada.faces.count() == 2 and bob.faces.count() == 1
    assert Face.objects.get(external_image_id="visitor_1").person is None

    # A third run has nothing to do.
    out, err = run(folder)
    assert "0 to enrol" in err
    assert "skipped, already enrolled: 4" in out and "skipped, failed before (no_face): 1" in out

    # Once the finished tasks are purged (after 24 h), the face set itself still says what is done.
    Task.objects.filter(project=project).delete()
    out, err = run(folder)
    assert "skipped, already in the face set: 4" in out and "photos enrolled:   0" in out
    assert FaceSet.objects.get(pk=face_set.pk).face_count == 4


def test_import_refuses_unknown_face_set_and_folder(tmp_path):
    from django.core.management.base import CommandError

    project_get_or_create(name="imp")
    with pytest.raises(CommandError, match="no face set"):
        call_command("import_faces", str(tmp_path), "--face-set", "nope", "--project", "imp")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_faces", str(tmp_path / "missing"), "--face-set", "nope", "--project", "imp")
