"""What the article says, as data: the fact vocabulary, the knowledge files and their conditions.

The first room of the package; it imports nothing but :mod:`kb_engine.errors`
and :mod:`kb_engine.io`. ``data/`` holds the knowledge base itself (error codes,
causes, findings, editions, the consultation's questions); the modules load and
validate it (:mod:`.load`), resolve it per edition (:mod:`.model`), lint it
(:mod:`.lint`) and write it out for people (:mod:`.handbook`, :mod:`.docs`).
"""
