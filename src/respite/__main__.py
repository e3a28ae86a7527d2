"""`python -m respite`: the same as the `respite` command."""

from respite.cli import main

raise SystemExit(main())
