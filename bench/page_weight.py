"""The capture page's first load over the wire (issue 9: at most 150 KB compressed).

    .venv/bin/python bench/page_weight.py [--cases 80]

1. seeds a demo district (``setup-demo --cases N``) into a scratch var directory and collects
   the static files as ``minqing serve`` serves them (WhiteNoise, with the compressed copies);
2. logs in as the demo grid worker and fetches ``/cases/new/`` and every file the page
   references (style sheets, scripts, icons, the manifest) with
   ``Accept-Encoding: gzip, deflate, br``, as a phone's browser would;
3. prints each response's bytes on the wire and their sum; then, apart, what the service
   worker fetches after that first load to keep the field pages on the phone (the worker
   itself and the pages it fetches ahead; its files are the page's own, already counted).

Runs in-process through Django's request handler with the whole middleware (WhiteNoise,
gzip), so the bytes are what the server sends; no network and no time measured.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIMIT = 150 * 1024
ACCEPT = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def body_bytes(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def referenced(html: str) -> list[str]:
    """Same-site files the page loads: style sheets, scripts, icons, the manifest."""
    urls = re.findall(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="(/[^"]+)"', html)
    return list(dict.fromkeys(u for u in urls if not u.startswith("//")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=80, help="demo cases to seed (default 80)")
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="minqing-weight-")
    os.environ["MINQING_VAR_DIR"] = var
    os.environ.setdefault("MINQING_DEBUG", "false")
    os.environ.setdefault("MINQING_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from minqing.people.models import User

    print(f"seeding a demo district ({args.cases} cases) into {var} …", flush=True)
    call_command("setup_demo", cases=args.cases, stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)
    # WhiteNoise reads STATIC_ROOT when the application starts: start it after collecting.
    client = Client()
    client.force_login(User.objects.get(username="gridworker"))
    client.cookies["django_language"] = "zh-hans"

    rows: list[tuple[str, int, str]] = []
    page = client.get("/cases/new/", **ACCEPT)
    assert page.status_code == 200, page.status_code
    rows.append(("/cases/new/", body_bytes(page), page.get("Content-Encoding", "-")))
    plain = client.get("/cases/new/").content.decode()
    for url in referenced(plain):
        r = client.get(url, **ACCEPT)
        assert r.status_code == 200, (url, r.status_code)
        rows.append((url, body_bytes(r), r.get("Content-Encoding", "-")))

    width = max(len(u) for u, _n, _e in rows)
    print("\nfirst load of the capture page, as the grid worker (Accept-Encoding: gzip, br)")
    for url, n, enc in rows:
        print(f"  {url:<{width}}  {n:>8,} B  {enc}")
    total = sum(n for _u, n, _e in rows)
    verdict = "within" if total <= LIMIT else "OVER"
    print(f"  {'total':<{width}}  {total:>8,} B  = {total / 1024:.1f} KB ({verdict} 150 KB)")

    extra = []
    sw = client.get("/sw.js", **ACCEPT)
    extra.append(("/sw.js", body_bytes(sw), sw.get("Content-Encoding", "-")))
    for url in ("/field/", "/cases/visits/", "/contacts/"):
        r = client.get(url, **ACCEPT)
        extra.append((url, body_bytes(r), r.get("Content-Encoding", "-")))
    print("\nthen, in the background, the service worker keeps the field pages on the phone")
    for url, n, enc in extra:
        print(f"  {url:<{width}}  {n:>8,} B  {enc}")
    print(f"  {'total':<{width}}  {sum(n for _u, n, _e in extra):>8,} B")


if __name__ == "__main__":
    main()
