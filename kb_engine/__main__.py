"""``python -m kb_engine``: the same as the ``kb-engine`` command."""

from __future__ import annotations

from kb_engine.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
