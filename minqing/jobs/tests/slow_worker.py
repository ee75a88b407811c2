"""``python -m minqing.jobs.tests.slow_worker``: ``minqing deliver --loop`` with a slow SMS
and WeChat provider, for the test that kills a worker mid-delivery.

Each send first notes the delivery in MINQING_TEST_MARK (so the test knows a send is under
way), waits MINQING_TEST_SLOW_SECONDS, then writes it like the file backend.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from minqing.notify import adapters  # noqa: E402

SLOW = float(os.environ.get("MINQING_TEST_SLOW_SECONDS", "0"))
MARK = os.environ["MINQING_TEST_MARK"]


def slow(delivery) -> None:
    with open(MARK, "a", encoding="utf-8") as out:
        out.write(f"{delivery.pk}\n")
    time.sleep(SLOW)
    adapters._file(delivery)


for channel in ("sms", "wechat"):
    adapters.register_adapter(channel, "slow", slow)

call_command("deliver", loop=True, interval=0.1, stdout=open(os.devnull, "w"))  # noqa: SIM115
