"""PyInstaller entry point: the same as the `respite` console script."""

import sys

from respite.cli import main

if __name__ == "__main__":
    sys.exit(main())
