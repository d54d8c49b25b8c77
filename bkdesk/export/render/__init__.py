"""Writers of xlsx and PDF files (no SQL)."""
