"""Face++ ids: a 32-hex `face_token` for every face and `faceset_token` for every face set (existing rows get fresh
ones), a face's `user_id` label, and a face set's `outer_id` (unique per project), display name and tags."""

import uuid

from django.db import migrations, models

import facesets.models.projects


def fill_tokens(apps, schema_editor):
    for model_name, field in (("Face", "face_token"), ("FaceSet", "faceset_token")):
        model = apps.get_model("facesets", model_name)
        pending = model.objects.filter(**{f"{field}__isnull": True}).values_list("pk", flat=True)
        for pk in pending.iterator(chunk_size=2000):
            model.objects.filter(pk=pk).update(**{field: uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("facesets", "0004_image_content_hash"),
    ]

    operations = [
        migrations.AddField(
            model_name="face",
            name="face_token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="faceset",
            name="faceset_token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="face",
            name="face_token",
            field=models.CharField(
                default=facesets.models.projects.new_hex_id, editable=False, max_length=32, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="faceset",
            name="faceset_token",
            field=models.CharField(
                default=facesets.models.projects.new_hex_id, editable=False, max_length=32, unique=True
            ),
        ),
        # A database default too, so bulk writers that bypass the ORM (bench/ fills millions of faces with COPY)
        # get a token as well.
        migrations.RunSQL(
            [
                "ALTER TABLE facesets_face ALTER COLUMN face_token SET DEFAULT replace(gen_random_uuid()::text, '-', '')",
                "ALTER TABLE facesets_faceset ALTER COLUMN faceset_token "
                "SET DEFAULT replace(gen_random_uuid()::text, '-', '')",
            ],
            [
                "ALTER TABLE facesets_face ALTER COLUMN face_token DROP DEFAULT",
                "ALTER TABLE facesets_faceset ALTER COLUMN faceset_token DROP DEFAULT",
            ],
        ),
        migrations.AddField(
            model_name="face",
            name="user_id",
            field=models.CharField(blank=True, db_default="", default="", max_length=255),
        ),
        migrations.AddField(
            model_name="faceset",
            name="outer_id",
            field=models.CharField(blank=True, max_length=255, null=True),
        ),
        migrations.AddField(
            model_name="faceset",
            name="display_name",
            field=models.CharField(blank=True, default="", max_length=256),
        ),
        migrations.AddField(
            model_name="faceset",
            name="tags",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddConstraint(
            model_name="faceset",
            constraint=models.UniqueConstraint(fields=("project", "outer_id"), name="unique_face_set_outer_id"),
        ),
    ]
