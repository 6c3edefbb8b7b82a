"""``kb-engine serve``: the engine as an HTTP service, for tools not written in Python.

A thin layer of routers over the library (FastAPI, run by uvicorn), installed
with the ``serve`` extra: ``pip install 'kb-engine[serve]'``. Nothing here is
imported by ``import kb_engine``.

    from kb_engine.serve import ServeSettings, create_app

    app = create_app(ServeSettings(token="..."))   # any ASGI server can run it
"""

from __future__ import annotations

from .app import create_app
from .settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]
