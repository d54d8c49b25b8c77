"""Entry script of the PyInstaller bundle: the same `bkdesk` command as the installed package."""

from bkdesk.cli import main

raise SystemExit(main())
