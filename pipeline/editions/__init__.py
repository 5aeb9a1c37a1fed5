"""The editions: the one Document rendered to print HTML and EPUB XHTML, then PDF and EPUB."""
