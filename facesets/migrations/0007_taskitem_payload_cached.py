"""A synchronous call's photo may be held in the cache rather than in its task item (services.tasks).

Written so that code of the release before keeps working on the migrated database (a rolling upgrade, a before/after
benchmark): the new column has a database default, and the second payload column, unused since a comparison became
two items, leaves the model only — it stays in the table, nullable and empty, for a later release to drop."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("facesets", "0006_member_set_id_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="taskitem", name="second_payload")],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="taskitem",
            name="payload_cached",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
    ]
