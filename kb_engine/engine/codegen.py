"""The plan of an edition compiled into plain Python: the ``direct`` backend's evaluator.

:func:`generate_source` writes one Python function, ``evaluate(facts,
observed)``, that computes every step of a :class:`~.plan.Plan` in order and
the conclusions, exactly as :func:`~.plan.run_plan` does step by step, but
without dispatching on step types, building argument lists or looking up
truths by node id: each step is one line over local variables.

The source is generated from the validated model only. Identifiers are made
from positions (``f3``, ``v12``, ``s4``), never from text of the knowledge
files, and every value taken from the data (node ids, fact names, compared
values, limits, rule names, premises, ranks) is written with :func:`literal`,
the ``repr()`` of a plain ``str``, ``int``, ``float``, ``bool`` or ``None``
(or a tuple of them): nothing of the knowledge files is ever pasted into code.
The compiled code runs with a namespace that holds only the few helpers it
calls and a handful of builtins.

:func:`compile_plan` compiles the source once per distinct text (compiled code
objects are cached) and returns the function; ``Reasoner.compiled_source`` and
``kb-engine kb compiled`` show the source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

from kb_engine.knowledge.conditions import (
    All,
    AnyOf,
    CauseRef,
    Condition,
    FactRef,
    FindingRef,
    ItemTest,
    LimitRef,
    Not,
    Test,
    describe,
    facts_of,
    item_tests,
    or3,
    read_switch,
)
from kb_engine.knowledge.model import Cause, Edition
from kb_engine.knowledge.vocabulary import parse_version

from .compile import truth_node
from .evaluate import unknown_facts_order
from .plan import AliasStep, CauseStep, CombineStep, Plan, TestStep, WorkingMemory, cause_node

__all__ = ["CompiledRules", "CompiledSummary", "SummaryParts", "compile_plan", "compile_summary", "generate_source", "literal"]

CompiledRules = Callable[[Mapping[str, object], "str | None"], WorkingMemory]
"""``evaluate(facts, observed)``: facts by name (``Facts.flat()``), the observed entry id or None."""

SummaryParts = tuple[str, tuple[tuple[str, "str | None"], ...], tuple[str, ...], tuple[str, ...], bool, tuple[str, ...]]
"""What ``summarize`` returns: the verdict, the confirmed causes (id, letter), the expected codes, the causes in the
order of their remedies, whether to escalate, and the unknown facts that would decide undetermined causes."""

CompiledSummary = Callable[[Mapping[str, object], "str | None"], SummaryParts]
"""``summarize(facts, observed)``: what a fleet row needs of one diagnosis (see :data:`SummaryParts`)."""

_INDENT = "    "


def literal(value: object) -> str:
    """The source text of a plain value: ``repr()`` of a ``str``, ``int``, ``float``, ``bool``, ``None``, or a tuple of them.

    Raises:
        TypeError: anything else (so no other object's text can reach the generated code).
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return repr(str.__str__(value))
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(float(value))
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    raise TypeError(f"not a plain value for generated code: {type(value).__name__}")


def _comment(text: str) -> str:
    # A comment is never executed, but a newline in it would end it: repr() keeps it on one line.
    return "# " + repr(text)


@lru_cache(maxsize=4096)
def _version(text: object) -> tuple[int, ...]:
    return parse_version(str(text))


class _Generator:
    """Writes the source of one plan's evaluator."""

    def __init__(self, plan: Plan, limits: Mapping[str, object], title: str) -> None:
        self.plan = plan
        self.limits = limits
        self.title = title
        self.head: list[str] = []  # module-level helpers and constants
        self.body: list[str] = []  # the evaluate() function
        self.facts: dict[str, str] = {}  # fact name -> local variable
        self.values: dict[str, str] = {}  # node id -> local variable holding its truth
        self.premises: dict[str, str] = {}  # node id -> expression of its premises
        self.rules: dict[str, str] = {}  # node id -> its rule
        self.statuses: dict[str, str] = {}  # cause id -> local variable holding its status
        self.confirmed: dict[str, str] = {}  # cause id -> local variable: the cause is confirmed
        self.counter = 0
        self.with_premises = True
        self.item_functions: dict[str, str] = {}  # node id of an any_item test -> the function of one item

    def module(self, function: str, tail: list[str], *, tables: list[str] | None = None) -> str:
        """The generated module: its header and constants, then ``function(facts, observed)``, which reads
        the facts it uses, runs the lines written so far and ends with ``tail``."""
        loads = [f"{_INDENT}{var} = facts.get({literal(name)})" for name, var in self.facts.items()]
        return "\n".join(
            [
                _comment(self.title),
                "# generated by kb_engine.engine.codegen from the validated knowledge base",
                "",
                "_NOTHING = frozenset()",
                "_DECIDING = ('confirmed', 'undetermined')",
                *(tables or []),
                "",
                *self.head,
                f"def {function}(facts, observed):",
                *loads,
                *self.body,
                *tail,
                "",
            ]
        )

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def line(self, text: str) -> None:
        self.body.append(_INDENT + text)

    def fact(self, name: str) -> str:
        var = self.facts.get(name)
        if var is None:
            var = self.facts[name] = f"f{len(self.facts)}"
        return var

    # -- tests ---------------------------------------------------------------

    def limit(self, arg: LimitRef) -> object | None:
        """The edition's value of a limit, None when the edition has no such limit."""
        return self.limits.get(arg.limit)

    def comparison(self, op: str, value: str, arg: Any, other: str | None = None) -> str:
        """The expression of ``_compare(op, value, arg)`` for a known ``value``; ``other`` is a FactRef's variable."""
        if isinstance(arg, LimitRef):
            arg = self.limit(arg)
            if arg is None:
                return "False"  # the edition has no such limit: nothing exceeds it
        if op in ("eq", "ne"):
            return f"({value} {'==' if op == 'eq' else '!='} {literal(arg)})"
        if op in ("in", "not_in"):
            return f"({value} {'in' if op == 'in' else 'not in'} {literal(tuple(arg))})"
        if op in ("gt", "ge", "lt", "le"):
            symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
            return f"(float({value}) {symbol} {literal(float(arg))})"
        if op in ("version_lt", "version_ge"):
            symbol = "<" if op == "version_lt" else ">="
            if other is not None:
                return f"(None if {other} is None else _version({value}) {symbol} _version({other}))"
            return f"(_version({value}) {symbol} {literal(parse_version(str(arg)))})"
        if op == "switch":
            return f"(_switch(str({value}), {literal(bool(arg['default']))}) is {literal(bool(arg['is']))})"
        raise ValueError(f"operator {op!r} cannot be compiled")

    def item_function(self, cond: Any) -> str:
        """A module-level function of one list item giving the item condition's truth; returns its name."""
        name = self.fresh("_item")
        lines = [f"def {name}(item):"]
        if isinstance(cond, ItemTest):
            lines.append(_INDENT + f"value = item.get({literal(cond.field)})")
            if cond.op == "is_unknown":
                lines.append(_INDENT + f"return (value is None) is {literal(bool(cond.arg))}")
            else:
                lines.append(_INDENT + "if value is None:")
                lines.append(_INDENT * 2 + "return None")
                lines.append(_INDENT + f"return {self.comparison(cond.op, 'value', cond.arg)}")
        elif isinstance(cond, All | AnyOf):
            decisive = "False" if isinstance(cond, All) else "True"
            lines.append(_INDENT + f"result = {'True' if isinstance(cond, All) else 'False'}")
            for part in cond.parts:
                lines.append(_INDENT + f"value = {self.item_function(part)}(item)")
                lines.append(_INDENT + f"if value is {decisive}:")
                lines.append(_INDENT * 2 + f"return {decisive}")
                lines.append(_INDENT + "if value is None:")
                lines.append(_INDENT * 2 + "result = None")
            lines.append(_INDENT + "return result")
        elif isinstance(cond, Not):
            lines.append(_INDENT + f"value = {self.item_function(cond.part)}(item)")
            lines.append(_INDENT + "return None if value is None else not value")
        else:
            raise ValueError(f"{type(cond).__name__} cannot be compiled inside any_item")
        self.head.extend([*lines, ""])
        return name

    def test(self, step: TestStep) -> None:
        test: Test = step.test
        value = self.fact(test.fact)
        other = self.fact(test.arg.fact) if isinstance(test.arg, FactRef) else None
        var = self.values[step.node] = self.fresh("v")
        self.line(_comment(f"{step.node}: {describe(test)}"))
        if test.op == "is_unknown":
            self.line(f"{var} = ({value} is None) is {literal(bool(test.arg))}")
        elif test.op == "any_item":
            function = self.item_functions[step.node] = self.item_function(test.arg)
            self.line(f"{var} = None if {value} is None else _or3(map({function}, {value}))")
        else:
            self.line(f"{var} = None if {value} is None else {self.comparison(test.op, value, test.arg, other)}")
        self.rules[step.node] = step.rule
        if not self.with_premises:
            return
        known = [self.facts[name] for name in step.facts]
        if len(known) == 1:
            premises = self.fresh("p")
            self.line(
                f"{premises} = {literal(step.premises([True]))} if {known[0]} is not None else {literal(step.premises([False]))}"
            )
        else:
            premises = "(" + "".join(
                f"{literal(step.premises([True] * len(known))[i])} if {var_} is not None else "
                f"{literal(step.premises([False] * len(known))[i])}, "
                for i, var_ in enumerate(known)
            ) + ")"
        self.premises[step.node] = premises

    # -- combinations, findings, causes ------------------------------------

    def combine(self, step: CombineStep) -> None:
        children = [self.values[child] for child in step.children]
        var = self.values[step.node] = self.fresh("v")
        if step.kind == "not":
            expression = f"None if {children[0]} is None else not {children[0]}"
        else:
            decisive, other = ("False", "True") if step.kind == "all" else ("True", "False")
            first = " or ".join(f"{c} is {decisive}" for c in children)
            unknown = " or ".join(f"{c} is None" for c in children)
            expression = f"{decisive} if ({first}) else None if ({unknown}) else {other}"
        self.line(f"{var} = {expression}")
        self.premises[step.node] = literal(step.premises)
        self.rules[step.node] = step.rule

    def alias(self, step: AliasStep) -> None:
        if step.guard is None:
            self.values[step.node] = self.values[step.source]
        else:
            var = self.values[step.node] = self.fresh("v")
            self.line(f"{var} = None if {self.values[step.guard]} is True else {self.values[step.source]}")
        self.premises[step.node] = literal(step.premises)
        self.rules[step.node] = step.rule

    def cause(self, step: CauseStep) -> None:
        applies = self.values[step.sources[0]] if step.has_applies else "True"
        when = self.values[step.sources[-1]]
        status = self.statuses[step.cause] = self.fresh("s")
        if step.has_applies:
            self.line(
                f"{status} = 'not_applicable' if {applies} is False else 'ruled_out' if {when} is False "
                f"else 'confirmed' if ({when} is True and {applies} is True) else 'undetermined'"
            )
        else:  # a cause that always applies
            self.line(f"{status} = 'ruled_out' if {when} is False else 'confirmed' if {when} is True else 'undetermined'")
        node = cause_node(step.cause)
        var = self.values[node] = self.fresh("v")
        self.line(f"{var} = True if {status} == 'confirmed' else False if {status} in ('ruled_out', 'not_applicable') else None")
        self.premises[node] = literal(step.premises)
        self.rules[node] = step.rule

    # -- conclusions ---------------------------------------------------------

    def conclusions(self) -> None:
        conclusions = self.plan.conclusions
        confirmed = self.confirmed = {cid: self.fresh("c") for cid in self.statuses}
        for cid, var in confirmed.items():
            self.line(f"{var} = {self.statuses[cid]} == 'confirmed'")
        self.expected()
        self.line("remedies = {}")
        for cid, var in confirmed.items():
            ranks = self.fresh("_RANKS")
            table = ", ".join(f"{literal(code)}: {literal(rank)}" for code, rank in conclusions.ranks.get(cid, {}).items())
            self.head.extend([f"{ranks} = {{{table}}}", ""])
            self.line(f"if {var}:")
            self.line(_INDENT + f"remedies[{literal(cid)}] = {ranks}.get(observed, {literal(conclusions.global_ranks[cid])})")
        self.line("if observed is None:")
        self.line(_INDENT + "escalate = _NOTHING")
        for code, causes in conclusions.causes.items():
            excluded = " and ".join(f"{self.statuses[cid]} not in _DECIDING" for cid in causes) or "True"
            self.line(f"elif observed == {literal(code)}:")
            self.line(_INDENT + f"escalate = frozenset(({literal(code)},)) if {excluded} else _NOTHING")
        self.line("else:")
        self.line(_INDENT + "raise KeyError(observed)")
        any_confirmed = " or ".join(confirmed.values()) or "False"
        undetermined = " or ".join(f"{s} == 'undetermined'" for s in self.statuses.values()) or "False"
        self.line(f"verdict = 'problems' if ({any_confirmed}) else 'unexplained' if escalate else 'incomplete' if ({undetermined}) else 'clean'")

    def expected(self) -> None:
        """``expected``: each code a confirmed cause produces, with those causes."""
        confirmed = self.confirmed
        self.line("expected = {}")
        for code, tree in self.plan.conclusions.trees.items():
            members = [cid for cid in tree if cid in confirmed]
            if not members:
                continue
            self.line(f"if {' or '.join(confirmed[cid] for cid in members)}:")
            pairs = "".join(f"({literal(cid)}, {confirmed[cid]}), " for cid in members)
            self.line(_INDENT + f"expected[{literal(code)}] = tuple([cid for cid, yes in ({pairs}) if yes])")

    # -- the whole source ----------------------------------------------------

    def steps(self) -> None:
        for step in self.plan.steps:
            if isinstance(step, TestStep):
                self.test(step)
            elif isinstance(step, CombineStep):
                self.combine(step)
            elif isinstance(step, AliasStep):
                self.alias(step)
            else:
                self.cause(step)

    def source(self) -> str:
        self.steps()
        truths = "".join(
            f"{_INDENT * 2}{literal(node)}: ({self.values[node]}, {literal(self.rules[node])}, {self.premises[node]}),\n"
            for node in self.values
            if node in self.rules
        )
        statuses = "".join(
            f"{_INDENT * 2}{literal(cid)}: ({var}, {literal(self.rules[cause_node(cid)])}, {self.premises[cause_node(cid)]}),\n"
            for cid, var in self.statuses.items()
        )
        self.conclusions()
        return self.module(
            "evaluate",
            [
                f"{_INDENT}truths = {{\n{truths}{_INDENT}}}",
                f"{_INDENT}statuses = {{\n{statuses}{_INDENT}}}",
                f"{_INDENT}return _WorkingMemory(truths, statuses, expected, remedies, escalate, verdict)",
            ],
        )


class _SummaryGenerator(_Generator):
    """Writes ``summarize(facts, observed)``: the same steps without premises, then only what a fleet row shows.

    The unknown facts of each undetermined cause are found as the report finds
    them (``needed_facts`` in :mod:`kb_engine.report.build`), but each condition
    once per VM: one line per condition gives its unknown facts as a tuple, empty
    once its truth is known, built from its parts' tuples, and every cause reading
    the condition (most read the same findings) reuses it. The causes' tuples are
    then joined in the order the report lists them, each name kept at its first
    place, with C-level calls (``itemgetter``, ``chain``, ``dict.fromkeys``).
    """

    def __init__(self, plan: Plan, edition: Edition, node_ids: Mapping[str, str], title: str, start: int) -> None:
        super().__init__(plan, edition.limits, title)
        self.edition = edition
        self.node_ids = node_ids
        self.counter = start
        self.with_premises = False
        self.walks: dict[str, str] = {}  # repr() of a condition -> local variable holding its unknown facts
        self.guards: dict[str, str] = {}  # such a variable -> the truth it is empty unless unknown ("None": none)

    def truth(self, cond: Condition) -> str:
        """The variable holding a condition's truth, or ``None`` when the rules do not derive it."""
        node = truth_node(cond, self.node_ids)
        return self.values[node] if node is not None and node in self.rules else "None"

    def expected(self) -> None:
        """``codes``: the codes confirmed causes produce, in the edition's order (a row shows no more of them)."""
        confirmed = self.confirmed
        produced: dict[str, list[str]] = {}
        for code, tree in self.plan.conclusions.trees.items():
            members = [confirmed[cid] for cid in tree if cid in confirmed]
            if members:
                produced[code] = members
        self.line("codes = ()")
        for entry in self.edition.codes:
            if entry.id in produced:
                self.line(f"if {' or '.join(produced[entry.id])}:")
                self.line(_INDENT + f"codes += ({literal(entry.id)},)")

    def needs(self, cond: Condition) -> str:
        """The variable holding the unknown facts that could decide ``cond``, as the report finds them: a tuple in
        the report's order (a name may repeat), empty once ``cond`` is decided. Each condition's line is written
        once, after those of its parts, and shared by every cause that reads it."""
        key = repr(cond)  # equal conditions (some hold a dict: not hashable) share one line
        var = self.walks.get(key)
        if var is not None:
            return var
        truth = self.truth(cond)
        guarded = truth != "None"  # the rules derive the condition's truth: nothing is needed once it is known
        if isinstance(cond, Test):
            names = cond.facts()
            if guarded and len(names) == 1 and cond.op != "any_item":
                expression = f"{literal((names[0],))} if {truth} is None and {self.fact(names[0])} is None else ()"
                guarded = False  # tested above
            else:
                parts = [f"({literal((name,))} if {self.fact(name)} is None else ())" for name in names]
                if cond.op == "any_item":
                    known = " and ".join(f"{self.fact(name)} is not None" for name in names)
                    parts.append(f"({self.item_needs(cond)}({self.fact(cond.fact)}) if {known} else ())")
                expression = " + ".join(parts) or "()"
        elif isinstance(cond, FindingRef):
            finding = self.edition.findings[cond.finding]
            expression = self.needs(finding.when)
            if finding.unknown_when is not None:
                # Known facts that cannot show the finding now decide it once the guard no longer holds.
                when = literal(tuple(sorted(facts_of(finding.when))))
                expression = f"{when} if {self.truth(finding.unknown_when)} is True else {expression}"
        elif isinstance(cond, CauseRef):
            expression = self.cause_needs(self.edition.causes[cond.cause])
        else:
            children = cond.parts if isinstance(cond, All | AnyOf) else (cond.part,)
            expression = " + ".join(self.needs(part) for part in children) or "()"
        if expression.isidentifier() and (not guarded or self.guards[expression] == truth):
            self.walks[key] = expression  # the same facts as its one part (a finding read as it is, say)
            return expression
        if guarded:
            expression = f"{expression if expression.isidentifier() else f'({expression})'} if {truth} is None else ()"
        name = f"n{truth[1:]}" if truth != "None" else ""
        var = self.walks[key] = name if name and name not in self.walks.values() else self.fresh("n")
        self.guards[var] = truth
        self.line(_INDENT + f"{var} = {expression}")
        return var

    def item_needs(self, test: Test) -> str:
        """A module-level function of a known list giving, for each item ``test`` leaves undecided, the fields it tests
        that the item does not give (``vm.disks[].encrypted``), in order; returns its name. The list's test being
        undecided, every item went through the item's function without deciding it true."""
        node = truth_node(test, self.node_ids)
        function = self.item_functions.get(node) if node is not None else None
        if function is None:
            function = self.item_function(test.arg)
        name = self.fresh("_needs")
        lines = [f"def {name}(items):", _INDENT + "out = ()", _INDENT + "for item in items:"]
        lines.append(_INDENT * 2 + f"if {function}(item) is None:")
        for field in (item_test.field for item_test in item_tests(test.arg)):
            lines.append(_INDENT * 3 + f"if item.get({literal(field)}) is None:")
            lines.append(_INDENT * 4 + f"out += ({literal(f'{test.fact}[].{field}')},)")
        lines.append(_INDENT + "return out")
        self.head.extend([*lines, ""])
        return name

    def cause_needs(self, cause: Cause) -> str:
        """The expression of a cause's unknown facts: those of its ``applies``, then those of its ``when``."""
        return " + ".join(self.needs(cond) for cond in (cause.applies, cause.when) if cond is not None) or "()"

    def summary(self) -> None:
        edition = self.edition
        causes = list(edition.causes)
        self.conclusions()
        self.line("confirmed = ()")
        self.line("ranked = ()")
        for index, cid in enumerate(causes):
            self.line(f"if {self.confirmed[cid]}:")
            self.line(_INDENT + f"confirmed += ({literal((cid, edition.causes[cid].ref))},)")
            self.line(_INDENT + f"ranked += ((remedies[{literal(cid)}], {index}, {literal(cid)}),)")
        self.line("order = ()")
        self.line("if ranked:")
        self.line(_INDENT + "order = tuple([cid for rank, index, cid in sorted(ranked)])")
        self.line("unknown = ()")
        if not causes:
            return
        undetermined = " or ".join(f"{self.statuses[cid]} == 'undetermined'" for cid in causes)
        self.line(f"if {undetermined}:")
        self.line(_INDENT + "# The unknown facts that could decide each condition, once per condition (nNNNN for vNNNN).")
        walks = [self.cause_needs(edition.causes[cid]) for cid in causes]
        self.line(_INDENT + "# Those of each undetermined cause, in the edition's order.")
        self.line(_INDENT + "needs = (")
        for cid, walk in zip(causes, walks, strict=True):
            cause = edition.causes[cid]
            if cause.applies is None and self.guards.get(walk) == self.truth(cause.when) != "None":
                expression = walk  # empty unless its condition is unknown, that is unless the cause is undetermined
            else:
                expression = f"{walk if walk.isidentifier() else f'({walk})'} if {self.statuses[cid]} == 'undetermined' else ()"
            self.line(_INDENT * 2 + f"{expression},  {_comment(cid)}")
        self.line(_INDENT + ")")
        self.line(_INDENT + "# Each name once, at its first place, the causes taken in the order the report lists them.")
        self.line(_INDENT + "unknown = tuple(_fromkeys(_chain(*_ORDER[observed](needs))))")

    def priorities(self) -> str:
        """For each observed entry, what picks the causes' unknown facts in the order the report lists them (its
        walk first, then the rest): positions in ``needs``, given twice if only one, so that it always gives a tuple."""
        edition = self.edition
        if not edition.causes:
            return "_ORDER = {}"  # summarize() then lists no unknown facts
        positions = {cid: index for index, cid in enumerate(edition.causes)}
        table: list[str] = []
        for entry in (None, *edition.codes):
            order = [positions[cid] for cid in unknown_facts_order(edition, entry)]
            indices = ", ".join(str(index) for index in (order * 2 if len(order) == 1 else order))
            table.append(f"{literal(None if entry is None else entry.id)}: _getter({indices})")
        return "_ORDER = {" + ", ".join(table) + "}"

    def source(self) -> str:
        self.steps()
        self.summary()
        return self.module(
            "summarize",
            [f"{_INDENT}return (verdict, confirmed, codes, order, bool(escalate), unknown)"],
            tables=[self.priorities()],
        )


def generate_source(plan: Plan, limits: Mapping[str, object], title: str) -> str:
    """The Python source of the evaluator of ``plan`` (limits: the edition's; title: shown in the docstring).

    Raises:
        ValueError: the plan uses an operator the generator does not know.
        TypeError: a value in the plan is not a plain value.
    """
    return _Generator(plan, limits, title).source()


@lru_cache(maxsize=32)
def _compiled(source: str) -> Any:
    return compile(source, "<kb_engine compiled rules>", "exec")


_BUILTINS = {"float": float, "frozenset": frozenset, "map": map, "str": str, "tuple": tuple, "KeyError": KeyError}
_SUMMARY_BUILTINS = {**_BUILTINS, "bool": bool, "sorted": sorted}


def compile_plan(plan: Plan, limits: Mapping[str, object], title: str) -> tuple[CompiledRules, str]:
    """Generate, compile (once per distinct source) and load the evaluator of ``plan``; returns it and its source."""
    source = generate_source(plan, limits, title)
    namespace: dict[str, Any] = {
        "__builtins__": dict(_BUILTINS),
        "_WorkingMemory": WorkingMemory,
        "_or3": or3,
        "_switch": read_switch,
        "_version": _version,
    }
    exec(_compiled(source), namespace)  # noqa: S102 (source generated above from the validated model, literals via repr)
    evaluate: CompiledRules = namespace["evaluate"]
    return evaluate, source


def compile_summary(
    plan: Plan, edition: Edition, node_ids: Mapping[str, str], title: str, *, start: int = 1000
) -> tuple[CompiledSummary, str]:
    """Generate, compile (once per distinct source) and load ``summarize`` for ``plan``; returns it and its source.

    ``node_ids`` are the compiled rules' node ids (for the truth of each condition); generated names are numbered
    from ``start`` so they differ from those of :func:`compile_plan`'s source.
    """
    generator = _SummaryGenerator(plan, edition, node_ids, title, start)
    source = generator.source()
    namespace: dict[str, Any] = {
        "__builtins__": dict(_SUMMARY_BUILTINS),
        "_or3": or3,
        "_switch": read_switch,
        "_version": _version,
        "_chain": chain,
        "_fromkeys": dict.fromkeys,
        "_getter": itemgetter,
    }
    exec(_compiled(source), namespace)  # noqa: S102 (source generated above from the validated model, literals via repr)
    summarize: CompiledSummary = namespace["summarize"]
    return summarize, source
