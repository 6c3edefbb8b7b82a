"""Facts about one VM: facts files, facts documents, and facts read from Azure and from the guest.

* :mod:`.load` validates a facts document (a dict, a YAML/JSON file or ``-``);
* :mod:`.documents` reads and sets one fact of a document by its dotted name;
* :mod:`.azure` reads one VM's ARM bodies, REST example files and ``az`` output
  (:mod:`.azure_shapes` the shapes documents come in, :mod:`.azure_map` what each kind says);
* :mod:`.azure_fleet` reads many VMs at once (Resource Graph exports, ``az`` lists), one facts document each;
* :mod:`.guest` reads a Linux guest's own files (``/etc/waagent.conf``, ``/var/lib/waagent``, ``/proc``);
* :mod:`.merge` combines partial facts documents, recording which source gave each
  fact and leaving facts that sources disagree on unknown.
"""
