import multiprocessing

from bkdesk.cli.main import main

# Guarded: the merge's reader process (spawn) imports this module again as __mp_main__.
if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
