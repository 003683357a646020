"""A synchronous call's photo may be held in the cache rather than in its task item (services.tasks); the second
payload column, unused since a comparison became two items, goes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("facesets", "0006_member_set_id_index")]

    operations = [
        migrations.RemoveField(model_name="taskitem", name="second_payload"),
        migrations.AddField(
            model_name="taskitem",
            name="payload_cached",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
