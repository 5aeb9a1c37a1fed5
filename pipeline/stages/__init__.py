"""The pure stages between disk and the editions: load, parse, number, document."""
