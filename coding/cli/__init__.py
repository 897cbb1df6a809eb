"""`cocode` command line. Command modules register themselves on the shared typer app."""
from __future__ import annotations

import sys

from ._app import app

# Each module adds its commands to `app`; importing them is what registers them.
from . import project_cmds  # noqa: E402,F401
from . import suggest_cmds  # noqa: E402,F401
from . import analysis_cmds  # noqa: E402,F401
from . import export_cmds  # noqa: E402,F401
from . import team_cmds  # noqa: E402,F401


def main() -> None:
    """Entry point: bad input and schema problems end in one readable line and exit code 2, never a traceback."""
    from corpus.errors import InputError
    from models import SchemaError

    from coding.errors import CocodeError

    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except (InputError, SchemaError, CocodeError) as exc:
        print(f"cocode: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("cocode: interrupted; nothing half-done was kept", file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # usage errors (typer vendors its own click, so match by shape)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise
