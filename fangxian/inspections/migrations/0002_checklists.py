"""The first version of each kind's checklist, from the field notes: what the street's teams
asked of every reopening firm, and what each kind of premises adds to it."""

from django.db import migrations

COMMON = [
    ("emergency-plan", "有防控应急预案", "An epidemic emergency plan"),
    ("supplies", "防疫物资储备（口罩、消毒液）", "Supplies in stock (masks, disinfectant)"),
    ("disinfection-log", "有消毒记录", "A disinfection log"),
    ("staff-temperature", "员工每日测温", "Staff temperatures taken daily"),
    ("returnees-isolated", "返京人员已隔离观察", "Returnees isolated"),
    ("four-steps", "一戴二问三测四登记", "One mask, two questions, three temperature checks, four registrations"),
]
EXTRA = {
    "office_tower": [("entrances", "出入口管控、楼宇测温点", "Entrances controlled, a temperature point")],
    "firm": [("desk-distance", "工位间隔、错峰就餐", "Desks apart, meals staggered")],
    "shop": [("customer-flow", "限流、顾客间隔一米", "Customers limited, a metre apart")],
    "small_shop": [("customer-flow", "限流、顾客间隔一米", "Customers limited, a metre apart")],
    "construction": [("dormitories", "工人宿舍封闭管理", "Workers' dormitories closed off")],
    "hotel": [("guest-register", "住客登记、来源地核查", "Guests registered, where they came from checked")],
    "courier": [("contactless", "无接触配送、快件消毒", "Contactless delivery, parcels disinfected")],
    "rental": [("tenant-register", "租户登记、返京租户报备", "Tenants registered, returning tenants reported")],
}


def seed(apps, schema_editor):
    Template = apps.get_model("inspections", "Template")
    Item = apps.get_model("inspections", "Item")
    for kind, extra in EXTRA.items():
        template = Template.objects.create(kind=kind, version=1)
        Item.objects.bulk_create(
            Item(template=template, position=i, code=code, text_zh=zh, text_en=en)
            for i, (code, zh, en) in enumerate(COMMON + extra, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
