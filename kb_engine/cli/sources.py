"""``kb-engine facts from-azure`` and ``kb-engine collect``: facts documents from where facts live.

The facts go to standard output (or ``-o FILE``) as one plain facts document that
``kb-engine diagnose -`` reads; what came from where, the conflicts between
sources and notes go to standard error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .options import kb_option, output_option
from .ui import info, warn

if TYPE_CHECKING:
    from kb_engine.facts.merge import Conflict

__all__ = ["collect_command", "facts_group"]

_MAX_BYTES = 16 * 1024 * 1024
_FORMAT = click.Choice(["json", "yaml"])


def render(data: object, fmt: str) -> str:
    """JSON (sorted keys, 2-space indent, trailing newline) or YAML text of ``data``."""
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False))
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def read_document(name: str) -> tuple[str, object]:
    """Read one JSON (or YAML, as ``az -o yaml`` prints) document; ``-`` is standard input.

    Returns:
        The source name (the path, or ``<stdin>``) and the parsed value.

    Raises:
        InputError: the file is missing, unreadable, too large or not JSON/YAML.
    """
    from kb_engine.errors import InputError, Problem, StreamError

    from kb_engine.io.read import input_limits

    source = "<stdin>" if name == "-" else name
    limit = input_limits(_MAX_BYTES).max_bytes
    try:
        if name == "-":
            from kb_engine.io.streams import stdin_bytes

            raw = stdin_bytes().read(limit + 1)
        else:
            with Path(name).open("rb") as handle:
                raw = handle.read(limit + 1)
    except StreamError:
        raise
    except FileNotFoundError:
        raise InputError([Problem(source, "", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(source, "", "is a directory, not a JSON file")]) from None
    except OSError as exc:
        raise InputError([Problem(source, "", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > limit:
        raise InputError([Problem(source, "", f"is larger than {limit // (1024 * 1024)} MiB (the limit; "
                                              "KB_ENGINE_MAX_INPUT_MIB sets it)")])
    return source, _parse(_decode(raw, source), source)


def _decode(raw: bytes, source: str) -> str:
    from kb_engine.errors import InputError, Problem

    # PowerShell 5 redirects `az ... > file.json` as UTF-16 with a byte order mark.
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError([Problem(source, "", f"is not UTF-8 text (byte {exc.start})")]) from None


def _parse(text: str, source: str) -> object:
    from kb_engine.errors import InputError, Problem
    from kb_engine.io.read import input_limits, parse_json, parse_yaml

    if not text.strip():
        raise InputError([Problem(source, "", "is empty; expected a JSON document")])
    limits = input_limits(_MAX_BYTES)
    try:
        return parse_json(text, source, limits)
    except InputError:
        raise
    except ValueError as json_error:
        try:
            return parse_yaml(text, source, limits)
        except InputError as yaml_error:
            if not yaml_error.problems[0].message.startswith("is not valid"):
                raise  # a limit passed, an alias or a tag: that is the problem to name
            raise InputError([Problem(source, "", f"is not valid JSON: {json_error}")]) from None


def _conflict_json(conflict: Conflict) -> dict[str, Any]:
    return {"fact": conflict.fact, "values": dict(conflict.values_by_source), "reason": conflict.reason}


def _summary(sources: list[str], provenance: dict[str, list[str]], conflicts: list[Conflict], notes: list[str]) -> None:
    by_source: dict[str, list[str]] = {source: [] for source in sources}
    for fact, sources in provenance.items():
        for source in sources:
            by_source.setdefault(source, []).append(fact)
    for source, facts in by_source.items():
        leaves = [f for f in facts if not f.endswith("]") and f not in {"extensions", "vm.disks"}]
        listed = f": {', '.join(leaves)}" if leaves else ""
        info(f"{source}: {len(leaves)} fact{'s' if len(leaves) != 1 else ''}{listed}")
    for note in notes:
        info(f"note: {note}")
    for conflict in conflicts:
        warn(f"conflict: {conflict}")


@click.group("facts")
def facts_group() -> None:
    """Build a facts document from what Azure reports about a VM.

    \b
    Example:
      kb-engine facts from-azure vm.json instance-view.json locks.json > facts.json
    """


@facts_group.command("from-azure", epilog="""\b
Exit codes:
  0   facts written (conflicting sources are warned about on stderr, the fact left unknown)
  2   a file is missing, not JSON, not a document kind it knows, or (without --fleet)
      the documents describe more than one VM
  4   the --kb directory does not load
""")
@click.argument("files", nargs=-1, required=True, metavar="FILE... | -")
@output_option("Where to write the facts.")
@click.option("--format", "fmt", type=_FORMAT, default="json", show_default=True, help="Output format.")
@click.option(
    "--provenance", is_flag=True,
    help="Write {facts, provenance, conflicts, notes} instead of the bare facts (not a facts file then).",
)
@click.option(
    "--fleet", is_flag=True,
    help="The files describe many VMs (az vm list, az disk list, az backup job list ...): "
    "write one facts document per VM, as JSON Lines. Resource Graph exports always are.",
)
@kb_option("The knowledge base the facts are for (default: the shipped one): a failed backup job's error code "
           "becomes observed_error only when it knows the code.")
def from_azure_command(files: tuple[str, ...], output: str, fmt: str, provenance: bool, fleet: bool, kb_path: str | None) -> None:
    """Turn Azure JSON documents into facts: one document for one VM, or JSON Lines for many.

    Each FILE is az CLI JSON output, an ARM response body or a REST example file:
    a VM (az vm show), its instance view (az vm get-instance-view), its extensions
    (az vm extension list/show), managed disks (az disk show/list), locks (az lock list),
    backup jobs (az backup job list) or protected items (az backup item list). The kind
    is recognised from the content. Facts that documents disagree on are left unknown
    and reported on stderr; documents of different VMs are refused.

    A Resource Graph export (az graph query) describes a fleet: it gives one facts
    document per VM, one JSON object per line, each named after its VM. --fleet does
    the same for az list outputs; give every page of a paged result.

    \b
    Examples:
      az vm get-instance-view -g RG -n VM > vm.json
      az lock list -g AzureBackupRG_westeurope_1 > locks.json
      kb-engine facts from-azure vm.json locks.json | kb-engine diagnose -
      az graph query -q "Resources | where type =~ 'microsoft.compute/virtualmachines'" --first 1000 > fleet.json
      kb-engine facts from-azure fleet.json -o fleet.jsonl
    """
    from kb_engine.facts.azure import facts_from_azure
    from kb_engine.facts.azure_fleet import is_fleet
    from kb_engine.io.write import write_output

    if files.count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    known_codes = None
    if kb_path is not None:
        from kb_engine.knowledge.load import load_kb

        known_codes = frozenset(load_kb(kb_path).all_code_names())
    documents = [read_document(name) for name in files]
    if fleet or any(is_fleet(data) for _, data in documents):
        if fmt != "json":
            raise click.UsageError("--format yaml cannot hold one facts document per VM; the fleet is written as JSON Lines")
        _write_fleet(documents, output, provenance, known_codes)
        return
    result = facts_from_azure(documents, known_codes=known_codes)
    _summary([source for source, _ in documents], result.provenance, result.conflicts, result.notes)
    data: object = result.facts
    if provenance:
        data = {
            "facts": result.facts,
            "provenance": result.provenance,
            "conflicts": [_conflict_json(c) for c in result.conflicts],
            "notes": result.notes,
        }
    write_output(output, render(data, fmt))


def _write_fleet(documents: list[tuple[str, object]], output: str, provenance: bool, known_codes: frozenset[str] | None) -> None:
    """One JSON line per VM; a summary and the notes (each with its VM) on stderr."""
    from kb_engine.facts.azure_fleet import facts_from_fleet
    from kb_engine.io.write import write_output

    fleet = facts_from_fleet(documents, known_codes=known_codes)
    lines = []
    for vm in fleet.vms:
        record: object = vm.result.facts
        if provenance:
            record = {
                "facts": vm.result.facts,
                "provenance": vm.result.provenance,
                "conflicts": [_conflict_json(c) for c in vm.result.conflicts],
                "notes": vm.result.notes,
            }
        lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n")
    info(f"{len(fleet.vms)} VM{'s' if len(fleet.vms) != 1 else ''} from {len(documents)} file{'s' if len(documents) != 1 else ''}")
    for note in fleet.notes:
        info(f"note: {note}")
    for vm in fleet.vms:
        for note in vm.result.notes:
            info(f"note: {vm.name}: {note}")
        for conflict in vm.result.conflicts:
            warn(f"{vm.name}: conflict: {conflict}")
    write_output(output, "".join(lines))


_COLLECT_EXIT = """\b
Exit codes:
  0   facts written
  2   bad usage, --root is not a directory, or the output cannot be written
"""


@click.command("collect", epilog=_COLLECT_EXIT)
@click.option(
    "--root", type=click.Path(exists=True, file_okay=False), default="/", show_default=True,
    help="The guest's / : the running system, or a mounted disk or copied tree.",
)
@output_option("Where to write the facts.")
@click.option("--format", "fmt", type=_FORMAT, default="json", show_default=True, help="Output format.")
def collect_command(root: str, output: str, fmt: str) -> None:
    """Collect facts inside a Linux VM from its files (no root needed; writes nothing).

    Reads /etc/waagent.conf, /etc/os-release, /var/lib/waagent (agent version,
    extensions and their status), /proc (does the agent run?) and the network
    configuration (DHCP). What cannot be read stays unknown, with a note on stderr.

    \b
    Examples:
      kb-engine collect > guest.json
      kb-engine collect --root /mnt/rescued-os-disk --format yaml
    """
    from kb_engine.facts.guest import collect_with_notes
    from kb_engine.io.write import write_output

    found = collect_with_notes(Path(root))
    for note in found.notes:
        info(f"note: {note}")
    write_output(output, render(found.facts, fmt))
