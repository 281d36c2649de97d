from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_import_cleared_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="plan_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
