"""Facts from where they live: Azure's JSON documents and the guest's own files.

* :func:`facts_from_azure` reads ARM bodies, REST example files and ``az`` output;
* :func:`collect` reads a Linux guest's files (``/etc/waagent.conf``, ``/var/lib/waagent``, ``/proc``);
* :func:`merge` combines partial facts documents, recording which source gave each
  fact and leaving facts that sources disagree on unknown (:class:`Conflict`).
"""

from __future__ import annotations

from .azure import KINDS, facts_from_azure
from .guest import GuestFacts, collect, collect_with_notes
from .merge import Conflict, MergeResult, merge

__all__ = [
    "KINDS",
    "Conflict",
    "GuestFacts",
    "MergeResult",
    "collect",
    "collect_with_notes",
    "facts_from_azure",
    "merge",
]
