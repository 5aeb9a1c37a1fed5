"""Manuscript pipeline: Markdown chapters, a bibliography and book.yaml to PDF and EPUB 3."""

__version__ = "0.1.0"
