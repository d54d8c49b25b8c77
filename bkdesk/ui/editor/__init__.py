"""The household editor: the dialog, its tabs and the form builder."""
