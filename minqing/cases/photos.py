"""Photos taken with a case: resized, re-encoded without EXIF (no location), stored by code."""

from __future__ import annotations

import io
import re
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from minqing.cases.models import Case

MAX_SIDE = 1600
_NAME = re.compile(r"^[0-9a-f]{32}\.jpg$")


def photo_clean(upload) -> bytes:
    """Turn an upload into a JPEG of at most 1600 px a side, with no metadata at all.

    The pixels are copied into a fresh image after applying the EXIF orientation, so no EXIF
    block (GPS position, camera, time) survives into the stored file.
    """
    upload.seek(0)
    with Image.open(upload) as opened:
        img = ImageOps.exif_transpose(opened)
        img.thumbnail((MAX_SIDE, MAX_SIDE))
        clean = Image.new("RGB", img.size, (255, 255, 255))
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            clean.paste(rgba, mask=rgba.split()[-1])
        else:
            clean.paste(img.convert("RGB"))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()


def _folder(case: Case) -> str:
    return f"cases/{case.code}"


def photo_store(case: Case, data: bytes) -> str:
    name = f"{uuid.uuid4().hex}.jpg"
    default_storage.save(f"{_folder(case)}/{name}", ContentFile(data))
    return name


def photo_names(case: Case) -> list[str]:
    try:
        _dirs, files = default_storage.listdir(_folder(case))
    except (FileNotFoundError, NotImplementedError):
        return []
    return sorted(f for f in files if _NAME.match(f))


def photo_open(case: Case, name: str):
    """The stored file, or None when the name is not one of the case's photos."""
    if not _NAME.match(name) or name not in photo_names(case):
        return None
    return default_storage.open(f"{_folder(case)}/{name}", "rb")
