"""The press edition: WeasyPrint's PDF/X-4, finished for a print shop and made reproducible.

WeasyPrint 70 writes PDF/X-4 with a random `xmpMM:DocumentID` (and an /ID derived from it),
puts the bleed box wherever its CSS bleed ends, and leaves the RGB of images device-dependent.
Here, with pikepdf: the document id is derived from the book's identifier, the BleedBox is
exactly 3 mm outside the trim (the crop marks sit beyond it), and DeviceRGB is declared sRGB.
"""

from __future__ import annotations

import io
import re
import uuid
from importlib import resources

import pikepdf

BLEED_MM = 3.0
POINTS_PER_MM = 72 / 25.4
# The sRGB profile WeasyPrint itself embeds for PDF/A: the figures' RGB is meant as sRGB.
# (Found when used: naming its package imports WeasyPrint, which another PDF may not need.)
SRGB_PACKAGE, SRGB_FILE = "weasyprint.pdf", "sRGB2014.icc"


def document_id(identifier: str) -> str:
    """The press file's XMP document id: stable for the same book and edition."""
    return f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, identifier + '#press-pdf')}"


def finish_press_pdf(data: bytes, identifier: str) -> bytes:
    """WeasyPrint's PDF/X-4 with a stable document id, a 3 mm BleedBox and sRGB as DefaultRGB."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _stable_document_id(pdf, document_id(identifier))
        _bleed_box(pdf, BLEED_MM * POINTS_PER_MM)
        _default_rgb(pdf)
        # WeasyPrint's /ID hashes the random document id; qpdf would keep its first half.
        del pdf.trailer.ID
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _stable_document_id(pdf: pikepdf.Pdf, stable: str) -> None:
    metadata = pdf.Root.Metadata
    xmp = metadata.read_bytes().decode("utf-8")
    replaced, count = re.subn(r"xmp\.did:[0-9a-f-]{36}", stable, xmp)
    if count != 1:
        raise AssertionError("WeasyPrint's PDF/X-4 metadata changed: no single DocumentID")
    # PDF/X-4 wants the metadata stream uncompressed, as WeasyPrint wrote it.
    metadata.write(replaced.encode("utf-8"))


def _bleed_box(pdf: pikepdf.Pdf, bleed: float) -> None:
    for page in pdf.pages:
        left, bottom, right, top = (float(value) for value in page.TrimBox)
        page.BleedBox = pikepdf.Array(
            [round(v, 4) for v in (left - bleed, bottom - bleed, right + bleed, top + bleed)]
        )


def _default_rgb(pdf: pikepdf.Pdf) -> None:
    """Every page shares one colour-space dictionary (WeasyPrint's); DefaultRGB there makes
    the RGB of images colour-managed, which PDF/X-4 requires beside a CMYK output intent."""
    profile = pikepdf.Stream(pdf, resources.files(SRGB_PACKAGE).joinpath(SRGB_FILE).read_bytes())
    profile.N = 3
    default_rgb = pikepdf.Array([pikepdf.Name.ICCBased, profile])
    for page in pdf.pages:
        if "/ColorSpace" not in page.Resources:
            page.Resources.ColorSpace = pikepdf.Dictionary()
        page.Resources.ColorSpace.DefaultRGB = default_rgb
