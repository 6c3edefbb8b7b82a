"""Consultation: ask for one fact at a time until the observed error's cause is found.

:mod:`.session` chooses the next question (:func:`~.session.next_step`),
:mod:`.answers` turns typed answers into fact values, :mod:`.candidates` finds
the answers that could make a difference.
"""
