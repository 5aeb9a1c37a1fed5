"""Foundations every other part uses: the error type, project paths, media types, safe writes."""
