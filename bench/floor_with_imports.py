"""The floor (bench/floor_tray.py), after importing what Respite imports at start-up.

`bench/bench_app.py --imports` starts it beside the real app, to tell what Respite's
memory costs by importing its code from what running it costs (docs/performance.md,
"Where the rest goes"):

    python bench/floor_with_imports.py MODULES_FILE [--packages-only]

MODULES_FILE holds one module name per line, as the real app's start-up leaves them in
`sys.modules`. With --packages-only, Respite's own modules are left out. `respite.qt`'s
PySide6 import check is installed first either way, as the app does before importing the
rest (without it every module imported after PySide6 leaves its source in memory).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def own(name: str) -> bool:
    return name == "respite" or name.startswith("respite.")


def main() -> int:
    names = Path(sys.argv[1]).read_text(encoding="utf-8").split()
    packages_only = "--packages-only" in sys.argv[2:]
    from respite.qt import stop_keeping_module_sources

    stop_keeping_module_sources()
    for name in names:
        if packages_only and own(name):
            continue
        try:
            importlib.import_module(name)
        except ImportError as error:  # __main__, PySide6's own bootstrap modules
            print(f"not imported: {name} ({error})", file=sys.stderr)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import floor_tray

    return floor_tray.main()


if __name__ == "__main__":
    sys.exit(main())
