"""Proof before print: manuscript lint, the plain-language report and the release check."""
