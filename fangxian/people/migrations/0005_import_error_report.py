from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_import_plan_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="error_report",
            field=models.BinaryField(blank=True, default=b""),
        ),
    ]
