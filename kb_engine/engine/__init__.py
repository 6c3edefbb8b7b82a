"""The rules: the knowledge base compiled into experta rules and a plan of steps, and run for one VM.

:mod:`.compile` turns an edition into an experta ``KnowledgeEngine`` class and
a :class:`~.plan.Plan`; :mod:`.reasoner` runs either for one VM's facts and
returns the :class:`~.plan.WorkingMemory` (every derived truth with its rule and
premises); :mod:`.evaluate` is the plain stage-by-stage evaluator kept as a
yardstick. Nothing here knows about reports or output formats.
"""
