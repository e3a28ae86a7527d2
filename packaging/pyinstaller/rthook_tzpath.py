"""PyInstaller run-time hook: zoneinfo looks for zone files where the user's system has them.

zoneinfo takes its search path from PYTHONTZPATH or, when that is unset, from the build
configuration of the Python that built the bundle: `sysconfig.get_config_var("TZPATH")`,
which loads every build variable of that machine (`_sysconfigdata_*`, ≈0.5 MiB kept for
as long as the app runs) for a value that describes the build machine, not the user's.
This hook gives zoneinfo CPython's default list instead (on Windows none: the bundled
tzdata package serves every zone, as it does wherever a zone file is missing).

A PYTHONTZPATH the user set is left alone. zoneinfo reads the variable once, when it is
first imported, so the hook imports it here and then removes the variable again: the
commands and players Respite starts inherit its environment and must not see it.
"""

import os
import sys


def _pyi_rthook() -> None:
    if "PYTHONTZPATH" in os.environ:
        return
    if sys.platform == "win32":
        tzpath = ""  # no system zone files: tzdata
    else:  # CPython's default TZPATH; macOS has only the first, Linux and the BSDs vary
        tzpath = "/usr/share/zoneinfo:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo"
    os.environ["PYTHONTZPATH"] = tzpath
    try:
        import zoneinfo  # noqa: F401 - reads PYTHONTZPATH (again only in reset_tzpath())
    finally:
        del os.environ["PYTHONTZPATH"]


_pyi_rthook()
del _pyi_rthook
