"""The default rules (issue 8): who gets what when no district has rules of its own."""

from django.db import migrations

DEFAULTS = [
    ("accept", "reporter", "sms"),
    ("dispatch", "reporter", "sms"),
    ("resolve", "reporter", "sms"),
    ("reopen", "reporter", "sms"),
    ("dispatch", "assignee", "sms"),
    ("dispatch", "assignee", "email"),
    ("dispatch", "assignee", "wechat"),
    ("reopen", "assignee", "sms"),
    ("send_back", "level", "sms"),
    ("send_back", "level", "wechat"),
    ("overdue", "grid_team", "sms"),
    ("overdue", "level", "sms"),
    ("overdue", "level", "email"),
    ("escalate", "grid_team", "sms"),
    ("escalate", "level", "sms"),
    ("escalate", "level", "email"),
    ("visit_due", "visitor", "sms"),
    ("visit_due", "visitor", "wechat"),
]


def create(apps, schema_editor):
    Rule = apps.get_model("notify", "NotificationRule")
    for event, audience, channel in DEFAULTS:
        Rule.objects.get_or_create(
            district=None, event=event, audience=audience, channel=channel
        )


def remove(apps, schema_editor):
    Rule = apps.get_model("notify", "NotificationRule")
    Rule.objects.filter(district=None).delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_notifications")]

    operations = [migrations.RunPython(create, remove)]
