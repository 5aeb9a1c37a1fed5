"""What a raster figure may be: a readable PNG, JPEG, GIF or WebP image of a sane size whose
contents match its name (SVG drawings are checked in svg.py)."""

from __future__ import annotations

import io
import warnings

from PIL import Image

# A 300 dpi A4 page is 8.7 million pixels; 40 million leaves room for any real figure and
# stops a small file that decompresses into gigabytes.
MAX_PIXELS = 40_000_000
MAX_RASTER_BYTES = 30 * 1024 * 1024
PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}


def raster_problem(data: bytes, media_type: str) -> str | None:
    """Why a PNG/JPEG/GIF/WebP file cannot be a figure, or None."""
    if len(data) > MAX_RASTER_BYTES:
        return (
            f"the image is {len(data) // 1024 // 1024} MiB; figures may be at most "
            f"{MAX_RASTER_BYTES // 1024 // 1024} MiB: export it smaller"
        )
    expected = PILLOW_FORMATS[media_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                # The header first: the size is known before any pixel is decoded.
                found, (width, height) = image.format, image.size
                if found != expected:
                    return (
                        f"the file holds a {found} image but its name says {expected}; rename "
                        "it with the right extension or export it again"
                    )
                if width * height > MAX_PIXELS:
                    return (
                        f"it is {width} × {height} pixels; figures may have at most "
                        f"{MAX_PIXELS // 1_000_000} million pixels: scale it down"
                    )
                # Then every pixel: a truncated file would otherwise reach the PDF as is.
                image.load()
    except Image.DecompressionBombError:
        return f"it has far more than {MAX_PIXELS // 1_000_000} million pixels: scale it down"
    except (OSError, ValueError, SyntaxError):
        return f"not a readable {expected} image; export it again"
    return None
