"""The catch-all category 待分类 (code ``UNSORTED``): a case whose words fit no category is
filed under it and waits in triage for a dispatcher to sort it (issue 15: a case is never
refused for want of a category). It has no department, so the router never dispatches it."""

from django.db import migrations

CODE = "UNSORTED"


def create_unsorted(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Category.objects.get_or_create(
        code=CODE,
        defaults={"name": "待分类", "level": 1, "parent": None, "time_limit_class": "ordinary"},
    )


def remove_unsorted(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Category.objects.filter(code=CODE, cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_ladder_and_district_rules"),
    ]

    operations = [
        migrations.RunPython(create_unsorted, remove_unsorted),
    ]
