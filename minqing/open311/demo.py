"""Open311 for the demo district: a demo integrator with a published key and the questions
(service attributes) some demo categories ask. Idempotent."""

from __future__ import annotations

from django.db import transaction

from minqing.cases.models import Category
from minqing.open311.keys import api_key_install
from minqing.open311.models import Datatype, Integrator, ServiceAttribute

DEMO_API_KEY = "mq311_demo_key_for_the_demo_district_only"

# leaf category name → (code, question, datatype, required, values)
DEMO_ATTRIBUTES: dict[str, list[tuple[str, str, str, bool, list[tuple[str, str]]]]] = {
    "供水管道": [
        ("floor", "您住几楼？", Datatype.NUMBER, True, []),
        (
            "water",
            "现在的用水情况",
            Datatype.SINGLEVALUELIST,
            True,
            [("none", "完全停水"), ("low", "水压低"), ("rusty", "水发黄有锈"), ("leak", "漏水")],
        ),
    ],
    "楼门楼道设施": [
        (
            "parts",
            "哪些设施坏了？",
            Datatype.MULTIVALUELIST,
            True,
            [("door", "单元门"), ("handrail", "扶手"), ("light", "楼道灯"), ("lock", "门禁")],
        ),
        ("unit", "哪个单元？", Datatype.STRING, False, []),
    ],
    "噪音与油烟": [
        ("since", "从什么时候开始？", Datatype.DATETIME, False, []),
    ],
}


@transaction.atomic
def seed_open311_demo() -> str:
    """Create the demo integrator, its key and the demo attributes; return the key."""
    integrator, _ = Integrator.objects.get_or_create(
        name="演示客户端 demo client", defaults={"contact": "open311@example.invalid"}
    )
    api_key_install(integrator=integrator, raw=DEMO_API_KEY, name="demo", rate_limit_per_minute=600)
    for leaf_name, attributes in DEMO_ATTRIBUTES.items():
        for category in Category.objects.filter(name=leaf_name, children__isnull=True):
            for order, (code, question, datatype, required, values) in enumerate(
                attributes, start=1
            ):
                ServiceAttribute.objects.get_or_create(
                    category=category,
                    code=code,
                    defaults={
                        "description": question,
                        "datatype": datatype,
                        "required": required,
                        "order": order,
                        "values": [{"key": k, "name": n} for k, n in values],
                    },
                )
    return DEMO_API_KEY
