"""The report: built from what the rules derived (:mod:`.build`), as a typed model (:mod:`.model`),
rendered for terminals, tickets and programs (:mod:`.render`, :func:`~.model.report_json`)."""
