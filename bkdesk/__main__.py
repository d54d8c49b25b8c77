from bkdesk.cli import main

raise SystemExit(main())
