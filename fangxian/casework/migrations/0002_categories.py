"""The starting taxonomy of cases, with the hotline's usual deadlines; the city edits them."""

from django.db import migrations

# code, Chinese, English, group, respond within (unit), resolve within (unit)
CATEGORIES = [
    ("entrance-order", "小区出入口管理", "Compound entrance order", "疫情防控", 2, "hours", 1, "days"),
    ("epidemic-measures", "防控措施落实", "Epidemic measures", "疫情防控", 2, "hours", 1, "days"),
    ("home-observation", "居家观察人员管理", "Home observation", "疫情防控", 2, "hours", 1, "days"),
    ("supplies", "生活物资保障", "Daily supplies", "民生保障", 2, "hours", 1, "days"),
    ("medical-help", "就医购药", "Medical care and medicine", "民生保障", 2, "hours", 1, "days"),
    ("utilities", "停水停电停气", "Water, power or gas cut", "市政", 2, "hours", 1, "days"),
    ("heating", "供暖", "Heating", "市政", 2, "hours", 2, "days"),
    ("environment", "环境卫生", "Cleanliness and rubbish", "城市管理", 24, "hours", 5, "days"),
    ("property", "物业服务", "Property management", "城市管理", 24, "hours", 5, "days"),
    ("noise", "噪音扰民", "Noise", "城市管理", 24, "hours", 3, "days"),
    ("street-vending", "占道经营", "Street vending", "城市管理", 24, "hours", 5, "days"),
    ("illegal-building", "违法建设", "Illegal construction", "城市管理", 24, "hours", 15, "days"),
    ("business-reopening", "复工复产", "Business reopening", "复工复产", 24, "hours", 3, "days"),
    ("rectification-overdue", "整改逾期", "Rectification overdue", "复工复产", 24, "hours", 5, "days"),
    ("other", "其他", "Other", "其他", 24, "hours", 7, "days"),
]


def add(apps, schema_editor):
    Category = apps.get_model("casework", "Category")
    for code, zh, en, group, respond, respond_unit, resolve, resolve_unit in CATEGORIES:
        Category.objects.update_or_create(
            code=code,
            defaults=dict(
                name_zh=zh,
                name_en=en,
                group=group,
                respond_within=respond,
                respond_unit=respond_unit,
                resolve_within=resolve,
                resolve_unit=resolve_unit,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
