"""Errors a user can cause and understand. Their message is shown as is (Vietnamese)."""


class UserError(Exception):
    """Bad input or a refused action: the CLI prints the message on one line and exits 2."""
