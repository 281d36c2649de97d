"""Resident photos: checked to be an image, turned upright, shrunk, and stripped of metadata
(EXIF can carry GPS positions and the phone's serial number)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_SIDE = 600
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuses decompression bombs long before memory runs out


@contextmanager
def whole_images_only() -> Iterator[None]:
    """Loading refuses a truncated file. WeasyPrint, once imported (the first PDF a worker
    prints), lets Pillow load truncated images everywhere in the process, grey where the file
    stops: a half-sent photo would then be kept as if whole."""
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def normalise_photo(upload) -> ContentFile:
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is larger than %(mb)s MB.") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    try:
        with whole_images_only():
            image = Image.open(upload)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a photo (JPEG, PNG or WebP).")) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh save without exif= writes no metadata at all.
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
