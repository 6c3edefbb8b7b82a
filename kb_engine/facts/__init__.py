"""Facts about one VM: facts files, facts documents, and facts read from Azure and from the guest.

* :mod:`.load` validates a facts document (a dict, a YAML/JSON file or ``-``);
* :mod:`.documents` reads and sets one fact of a document by its dotted name;
* :mod:`.azure` reads ARM bodies, REST example files and ``az`` output;
* :mod:`.guest` reads a Linux guest's own files (``/etc/waagent.conf``, ``/var/lib/waagent``, ``/proc``);
* :mod:`.merge` combines partial facts documents, recording which source gave each
  fact and leaving facts that sources disagree on unknown.
"""
