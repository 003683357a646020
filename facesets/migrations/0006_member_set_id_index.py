"""An index on (face_set, id) of face-set members: the rows a set's in-process graph does not hold yet (ids above
its watermark) are found by it and searched exactly (facesets.search). Built concurrently: enrolment goes on."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("facesets", "0005_facepp_tokens"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="facesetmember",
            index=models.Index(fields=["face_set", "id"], name="fsm_set_id"),
        ),
    ]
