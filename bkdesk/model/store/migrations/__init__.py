"""Recorded schema migrations, applied in name order; never edit one once released."""
