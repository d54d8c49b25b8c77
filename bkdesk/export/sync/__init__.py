"""The sync package: format, writer and reader, merge, conflicts, and the hostile-file guard."""
