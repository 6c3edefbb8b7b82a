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
    unknown_item_fields,
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
            function = self.item_function(test.arg)
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
    them (``needs`` in :mod:`kb_engine.report.build`): the walk of the cause's
    conditions is written out, each condition's part behind a test of its truth.
    """

    def __init__(self, plan: Plan, edition: Edition, node_ids: Mapping[str, str], title: str, start: int) -> None:
        super().__init__(plan, edition.limits, title)
        self.edition = edition
        self.node_ids = node_ids
        self.counter = start
        self.with_premises = False
        self.item_tests: list[Test] = []

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

    def needs(self, cond: Condition, out: str, depth: int, unknown: frozenset[str] = frozenset()) -> None:
        """Lines adding to ``out`` (a dict used as an ordered set) the unknown facts that could decide ``cond``;
        ``unknown``: the truths already tested unknown around these lines."""
        truth = self.truth(cond)
        pad = _INDENT * depth
        if truth != "None" and truth not in unknown:
            self.line(pad + f"if {truth} is None:")
            pad += _INDENT
            depth += 1
            unknown |= {truth}
        self.line(pad + "pass")
        if isinstance(cond, Test):
            names = cond.facts()
            for name in names:
                self.line(pad + f"if {self.fact(name)} is None:")
                self.line(pad + _INDENT + f"{out}[{literal(name)}] = None")
            if cond.op == "any_item":
                self.item_tests.append(cond)
                known = " and ".join(f"{self.fact(name)} is not None" for name in names)
                self.line(pad + f"if {known}:")
                self.line(pad + _INDENT + f"for name in _item_needs(_ITEM_TESTS[{len(self.item_tests) - 1}], {self.fact(cond.fact)}, facts):")
                self.line(pad + _INDENT * 2 + f"{out}[name] = None")
        elif isinstance(cond, FindingRef):
            finding = self.edition.findings[cond.finding]
            if finding.unknown_when is None:
                self.needs(finding.when, out, depth, unknown)
            else:
                # Known facts that cannot show the finding now decide it once the guard no longer holds.
                self.line(pad + f"if {self.truth(finding.unknown_when)} is True:")
                for name in sorted(facts_of(finding.when)):
                    self.line(pad + _INDENT + f"{out}[{literal(name)}] = None")
                self.line(pad + "else:")
                self.needs(finding.when, out, depth + 1, unknown)
        elif isinstance(cond, CauseRef):
            self.cause_needs(self.edition.causes[cond.cause], out, depth, unknown)
        else:
            for part in cond.parts if isinstance(cond, All | AnyOf) else (cond.part,):
                self.needs(part, out, depth, unknown)

    def cause_needs(self, cause: Cause, out: str, depth: int, unknown: frozenset[str] = frozenset()) -> None:
        for cond in (cause.applies, cause.when):
            if cond is not None:
                self.needs(cond, out, depth, unknown)

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
        undetermined = " or ".join(f"{self.statuses[cid]} == 'undetermined'" for cid in causes) or "False"
        self.line(f"if {undetermined}:")
        self.line(_INDENT + "needs = {}")
        for cid in causes:
            out = self.fresh("u")
            self.line(_INDENT + f"if {self.statuses[cid]} == 'undetermined':")
            self.line(_INDENT * 2 + f"{out} = {{}}")
            self.cause_needs(edition.causes[cid], out, 2)
            self.line(_INDENT * 2 + f"needs[{literal(cid)}] = {out}")
        self.line(_INDENT + "found = {}")
        self.line(_INDENT + "for cid in _PRIORITY[observed]:")
        self.line(_INDENT * 2 + "for name in needs.get(cid, ()):")
        self.line(_INDENT * 3 + "found[name] = None")
        self.line(_INDENT + "unknown = tuple(found)")

    def priorities(self) -> str:
        """The causes in the order the report lists unknown facts, per observed entry: its walk first, then the rest."""
        edition = self.edition
        table: list[str] = []
        for entry in (None, *edition.codes):
            order = unknown_facts_order(edition, entry)
            table.append(f"{literal(None if entry is None else entry.id)}: {literal(order)}")
        return "_PRIORITY = {" + ", ".join(table) + "}"

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
    limits = edition.limits
    tests = tuple(generator.item_tests)

    def item_needs(test: Test, items: object, facts: Mapping[str, object]) -> list[str]:
        # The fields unknown in the items that leave a known list's test unknown (as the report says them).
        return unknown_item_fields(test, facts, limits)

    namespace: dict[str, Any] = {
        "__builtins__": dict(_SUMMARY_BUILTINS),
        "_or3": or3,
        "_switch": read_switch,
        "_version": _version,
        "_item_needs": item_needs,
        "_ITEM_TESTS": tests,
    }
    exec(_compiled(source), namespace)  # noqa: S102 (source generated above from the validated model, literals via repr)
    summarize: CompiledSummary = namespace["summarize"]
    return summarize, source
