"""File types by extension: our own table, so every machine gives the same answer."""

from __future__ import annotations

MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
IMAGE_TYPES = {ext: kind for ext, kind in MEDIA_TYPES.items() if kind.startswith("image/")}
