"""Reports and lists: facts, tables, layouts, scope, official-output checks, the shared entry points."""
