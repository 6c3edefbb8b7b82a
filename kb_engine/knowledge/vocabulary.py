"""The VM facts model: what kb_engine can be told about a VM.

Every fact may be absent or ``null``: that means *unknown*, never a healthy or
an unhealthy default. The model is the one place the fact vocabulary is
declared: it validates fact files, names the facts the knowledge base's
conditions may refer to (:func:`fact_catalog`) and produces the JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .waagent_conf import read_value

__all__ = [
    "AgentStatus",
    "Agent",
    "Backup",
    "Disk",
    "Extension",
    "ExtensionState",
    "Facts",
    "FactInfo",
    "FactValue",
    "LockLevel",
    "Network",
    "OsType",
    "PolicyType",
    "PowerState",
    "ProtectionState",
    "ProvisioningState",
    "SnapshotConsistency",
    "RestorePointGroup",
    "VM",
    "Version",
    "WaagentConf",
    "BACKUP_EXTENSION_NAMES",
    "InputNote",
    "contradictions",
    "fact_catalog",
    "is_backup_extension",
    "lock_details_without_lock",
    "parse_version",
    "read_version",
]

_VERSION_RE = re.compile(r"^\d{1,9}(\.\d{1,9}){0,3}$")

BACKUP_EXTENSION_NAMES = frozenset({"VMSnapshot", "VMSnapshotLinux"})
"""Names of the Azure Backup extension (Windows, Linux); full type names end with them."""
_BACKUP_NAMES_FOLDED = frozenset(name.casefold() for name in BACKUP_EXTENSION_NAMES)
# Azure compares resource names without regard to case, and portals and scripts spell them freely.

RESTORE_POINT_GROUP_RE = re.compile(r"^AzureBackupRG_[A-Za-z0-9]+_\d+$")


@lru_cache(maxsize=4096)  # a fleet repeats its versions; a version is at most four numbers of nine digits
def parse_version(text: str) -> tuple[int, ...]:
    """Split a dotted version into integers, so that ``2.2.9 < 2.2.10``.

    Raises:
        ValueError: the text is not one to four dot-separated whole numbers.
    """
    if not _VERSION_RE.match(text):
        raise ValueError("not a version: expected one to four dot-separated whole numbers, like 2.2.53 or 4.5")
    return tuple(int(part) for part in text.split("."))


_WRITTEN_VERSION_RE = re.compile(
    r"^\s*(?:WALinuxAgent\s*-\s*|v)?(\d{1,9}(?:\.\d{1,9}){0,3})(?:\s+running on\s.*)?\s*$", re.IGNORECASE | re.DOTALL
)


def read_version(text: str) -> str | None:
    """The dotted version in what a user copies: ``2.2.9``, ``v2.2.9``, ``WALinuxAgent-2.2.45`` (the
    instance view of older Linux agents) or ``WALinuxAgent - 2.2.45 running on ubuntu 18.04`` (the first
    line ``waagent --version`` prints); None for anything else."""
    match = _WRITTEN_VERSION_RE.match(text)
    return match.group(1) if match is not None else None


@dataclass(frozen=True)
class InputNote:
    """A value of the input that was read in its normal form: where, as given, and as read."""

    field: str
    given: str
    read_as: str


def _note_rewrite(info: ValidationInfo, given: str, read_as: str) -> None:
    """Record, in the validation context's ``input_notes`` list when there is one, a value rewritten."""
    notes = info.context.get("input_notes") if isinstance(info.context, dict) else None
    if isinstance(notes, list) and given != read_as:
        title = str(info.config.get("title", "")) if info.config is not None else ""
        section = _SECTION_PATHS.get(title, title.lower())
        name = info.field_name or ""
        notes.append(InputNote(f"{section}.{name}" if section else name, given, read_as))


_SECTION_PATHS = {"Facts": "", "VM": "vm", "Agent": "agent", "WaagentConf": "agent.waagent_conf", "Network": "network", "Backup": "backup"}
"""Where each section's fields sit in a facts document, for notes about their values."""


def _check_version(value: str) -> str:
    parse_version(value)
    return value


def _to_version_text(value: object, info: ValidationInfo) -> object:
    # YAML reads `4.5` as a float; a version written that way is still meant as text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        found = read_version(value)
        if found is not None:
            _note_rewrite(info, value, found)
            return found
    return value


Version = Annotated[
    str,
    BeforeValidator(_to_version_text),
    AfterValidator(_check_version),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": _VERSION_RE.pattern}, {"type": "number"}],
            "description": "A dotted version; YAML may write 4.5 as a number. Also read as a version: "
            "v2.2.9, WALinuxAgent-2.2.45 and the first line of `waagent --version`.",
        }
    ),
]
"""A dotted version (``2.2.53``, ``4.5``), compared part by part as numbers."""


def _normalise_token(value: object) -> object:
    # Portal spellings ("Not Ready", "Running", "CanNotDelete") and API spellings
    # ("ProvisioningState/succeeded") are accepted as they are shown to users.
    if isinstance(value, str):
        token = value.strip()
        if "/" in token:
            token = token.split("/")[1]
        return token.lower().replace(" ", "_").replace("-", "_")
    return value


class OsType(StrEnum):
    """Operating system family of the VM."""

    windows = "windows"
    linux = "linux"


class AgentStatus(StrEnum):
    """VM agent status as the portal shows it (Properties blade)."""

    ready = "ready"
    not_ready = "not_ready"


class PowerState(StrEnum):
    """VM power state (``PowerState/<state>`` in the instance view)."""

    running = "running"
    starting = "starting"
    stopping = "stopping"
    stopped = "stopped"
    deallocating = "deallocating"
    deallocated = "deallocated"


class ProvisioningState(StrEnum):
    """Provisioning state of the VM (``ProvisioningState/<state>``)."""

    succeeded = "succeeded"
    failed = "failed"
    creating = "creating"
    updating = "updating"
    deleting = "deleting"
    migrating = "migrating"


class ExtensionState(StrEnum):
    """Provisioning state of one extension."""

    succeeded = "succeeded"
    failed = "failed"
    transitioning = "transitioning"
    creating = "creating"
    updating = "updating"
    deleting = "deleting"


class PolicyType(StrEnum):
    """Backup policy type: Standard (V1 in the API) or Enhanced (V2)."""

    standard = "standard"
    enhanced = "enhanced"


class SnapshotConsistency(StrEnum):
    """Snapshot consistency of the backup policy (``snapshotConsistencyType``).

    ``only_crash_consistent`` is the agentless crash-consistent backup of the Enhanced
    policy: it uses neither the VM agent nor the backup extension.
    """

    default = "default"
    only_crash_consistent = "only_crash_consistent"


class ProtectionState(StrEnum):
    """Whether Azure Backup actively protects the VM (``protectionState`` of the protected item)."""

    active = "active"
    paused = "paused"
    stopped = "stopped"


class LockLevel(StrEnum):
    """Azure resource lock level."""

    cannotdelete = "cannotdelete"
    readonly = "readonly"


def _token_schema(enum: type[StrEnum]) -> WithJsonSchema:
    """The JSON Schema of a token field: what _normalise_token accepts, as a pattern.

    Each value in any letter case, with space or hyphen for underscore, optionally
    behind an API prefix such as ``ProvisioningState/``.
    """

    def letters(value: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "[ _-]" if c == "_" else re.escape(c) for c in value)

    alternatives = "|".join(letters(m.value) for m in enum)
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": rf"^\s*([^/]*/)?({alternatives})(/[^/]*)?\s*$"},
                {"type": "null"},
            ],
            "examples": [m.value for m in enum],
        }
    )


# Spellings Azure uses for these values, accepted beside the values themselves (after
# _normalise_token, with underscores dropped: "OnlyCrashConsistent", "V2", "ProtectionStopped").
_AZURE_SPELLINGS: dict[type[StrEnum], dict[str, str]] = {
    PolicyType: {"v1": "standard", "v2": "enhanced"},
    SnapshotConsistency: {"onlycrashconsistent": "only_crash_consistent"},
    ProtectionState: {
        "protected": "active",
        "irpending": "active",
        "protectionerror": "active",
        "protectionpaused": "paused",
        "backupssuspended": "paused",
        "protectionstopped": "stopped",
    },
}


def _azure_token(enum: type[StrEnum]) -> BeforeValidator:
    spellings = _AZURE_SPELLINGS[enum]

    def read(value: object) -> object:
        token = _normalise_token(value)
        if isinstance(token, str):
            return spellings.get(token.replace("_", ""), token)
        return token

    return BeforeValidator(read)


def _azure_token_schema(enum: type[StrEnum]) -> WithJsonSchema:
    """Like :func:`_token_schema`, with Azure's own spellings of the values as further alternatives."""
    words = [m.value for m in enum] + sorted(_AZURE_SPELLINGS[enum])

    def letters(value: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "[ _-]?" if c == "_" else re.escape(c) for c in value)

    alternatives = "|".join(letters(w) for w in words)
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": rf"^\s*([^/]*/)?({alternatives})(/[^/]*)?\s*$"},
                {"type": "null"},
            ],
            "examples": [m.value for m in enum],
        }
    )


OsField = Annotated[OsType | None, BeforeValidator(_normalise_token), _token_schema(OsType)]
AgentStatusField = Annotated[AgentStatus | None, BeforeValidator(_normalise_token), _token_schema(AgentStatus)]
PowerStateField = Annotated[PowerState | None, BeforeValidator(_normalise_token), _token_schema(PowerState)]
ProvisioningStateField = Annotated[
    ProvisioningState | None, BeforeValidator(_normalise_token), _token_schema(ProvisioningState)
]
ExtensionStateField = Annotated[ExtensionState | None, BeforeValidator(_normalise_token), _token_schema(ExtensionState)]
LockLevelField = Annotated[LockLevel | None, BeforeValidator(_normalise_token), _token_schema(LockLevel)]
PolicyTypeField = Annotated[PolicyType | None, _azure_token(PolicyType), _azure_token_schema(PolicyType)]
SnapshotConsistencyField = Annotated[
    SnapshotConsistency | None, _azure_token(SnapshotConsistency), _azure_token_schema(SnapshotConsistency)
]
ProtectionStateField = Annotated[
    ProtectionState | None, _azure_token(ProtectionState), _azure_token_schema(ProtectionState)
]

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=False, use_enum_values=False)

NAME_FIELDS = frozenset({"name", "lock_name"})
"""Fields that name something (shown in headings and single report lines): no line breaks or tabs either."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAK = re.compile("[\t\n\r\x85\u2028\u2029]")


def check_text(value: str, *, name: bool = False) -> str:
    """Refuse text no report can show faithfully: a lone surrogate, a control character (in a name, a line break).

    Raises:
        PydanticCustomError: ``text_surrogate`` or ``text_control``, naming the character's code point.
    """
    found = _SURROGATE.search(value)
    if found is not None:
        raise PydanticCustomError("text_surrogate", "is not valid Unicode text: it holds a lone surrogate (U+{code})",
                                  {"code": f"{ord(found.group()):04X}"})
    found = _CONTROL.search(value) or (_BREAK.search(value) if name else None)
    if found is not None:
        raise PydanticCustomError("text_control", "holds a control character (U+{code}), which {what} cannot hold",
                                  {"code": f"{ord(found.group()):04X}", "what": "a name" if name else "text"})
    return value


def _check_texts(value: object, name: bool) -> None:
    if isinstance(value, str):
        check_text(value, name=name)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_texts(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_texts(key, True)
            _check_texts(item, name)


class _Model(BaseModel):
    """A part of the facts: every text in it is checked by :func:`check_text`."""

    @field_validator("*", mode="after")
    @classmethod
    def _texts(cls, value: object, info: ValidationInfo) -> object:
        _check_texts(value, info.field_name in NAME_FIELDS)
        return value


class Disk(_Model):
    """One disk attached to the VM."""

    model_config = _STRICT

    name: str | None = Field(None, description="Disk name, for the report.")
    size_gib: int | None = Field(None, ge=1, le=1024 * 1024, description="Size in GiB, as Azure's diskSizeGB.")
    encrypted: bool | None = Field(None, description="Encrypted with Azure Disk Encryption (ADE).")
    os_disk: bool | None = Field(None, description="This is the OS disk.")


class Extension(_Model):
    """One VM extension and its provisioning state."""

    model_config = _STRICT

    name: str = Field(
        description="Extension name or type, e.g. VMSnapshot, VMSnapshotLinux, "
        "Microsoft.Azure.RecoveryServices.VMSnapshot.",
        min_length=1,
    )
    state: ExtensionStateField = Field(None, description="Provisioning state of the extension.")

    @property
    def is_backup(self) -> bool:
        """Whether this is the Azure Backup extension (VMSnapshot / VMSnapshotLinux)."""
        return is_backup_extension(self.name)


def is_backup_extension(name: str) -> bool:
    """Whether an extension of this name or type is the Azure Backup extension (VMSnapshot / VMSnapshotLinux, with
    or without its publisher, in any letter case)."""
    return name.rsplit(".", 1)[-1].casefold() in _BACKUP_NAMES_FOLDED


class VM(_Model):
    """The virtual machine itself."""

    model_config = _STRICT

    os: OsField = Field(None, description="Operating system family: windows or linux.")
    distro: str | None = Field(
        None,
        description="Linux distribution, as ID in /etc/os-release (ubuntu, rhel, sles, debian, ...). "
        "Decides the agent's service name: walinuxagent on Ubuntu, waagent elsewhere.",
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
    )
    power_state: PowerStateField = Field(None, description="Power state as Azure reports it.")
    provisioning_state: ProvisioningStateField = Field(None, description="Provisioning state of the VM.")
    shutdown_in_guest: bool | None = Field(
        None, description="The VM was shut down from inside the guest (for example over RDP), not from the portal."
    )
    encrypted: bool | None = Field(None, description="The VM uses Azure Disk Encryption (ADE).")
    keyvault_access: bool | None = Field(
        None, description="Azure Backup has the Key Vault permissions it needs (encrypted VMs)."
    )
    disks: list[Disk] | None = Field(None, max_length=256, description="Every disk attached to the VM.")
    app_control_blocks_snapshot: bool | None = Field(
        None,
        description="AppLocker or another application-control or antivirus tool blocks the backup extension "
        "(its executable or its folder).",
    )
    snapshot_provider_ok: bool | None = Field(
        None,
        description="Windows: the backup extension's files match the Windows version and iaasvmprovider.dll in the "
        "VMSnapshot plugin folder is intact (false: mismatched or corrupt; the Visual C++ 2015 x64 runtime is involved).",
    )


def _conf_value(value: object, info: ValidationInfo) -> object:
    # A value copied with the rest of its line (`n # off by ops`, `"n"`) is read as the agent reads it.
    if isinstance(value, str):
        read = read_value(value)
        _note_rewrite(info, value, read)
        return read
    return value


ConfValue = Annotated[str, BeforeValidator(_conf_value)]


class WaagentConf(_Model):
    """Options read from /etc/waagent.conf (Linux), as the agent reads them: an end-of-line comment,
    quotes and blanks around a value are not part of it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    extensions_enabled: ConfValue | None = Field(
        None,
        alias="Extensions.Enabled",
        description="Value of Extensions.Enabled as the agent reads it (no comment or quotes). y is on and n is off "
        "(case-insensitive); anything else means the default, y.",
        max_length=64,
    )
    provisioning_agent: ConfValue | None = Field(
        None,
        alias="Provisioning.Agent",
        description="Value of Provisioning.Agent as the agent reads it: auto (default), waagent, cloud-init or disabled.",
        max_length=64,
    )
    logs_verbose: ConfValue | None = Field(
        None, alias="Logs.Verbose", description="Value of Logs.Verbose as the agent reads it (default n).", max_length=64
    )


class Agent(_Model):
    """The Azure VM agent (Windows Azure Guest Agent, or waagent on Linux)."""

    model_config = _STRICT

    installed: bool | None = Field(None, description="The VM agent is installed.")
    status: AgentStatusField = Field(None, description="Agent status in the portal: ready or not_ready.")
    service_running: bool | None = Field(
        None, description="The agent's service or process runs inside the VM."
    )
    version: Version | None = Field(None, description="Installed agent version.")
    latest_version: Version | None = Field(None, description="Latest agent version available for this VM.")
    dotnet_version: Version | None = Field(None, description="Highest .NET Framework version installed (Windows).")
    waagent_conf: WaagentConf | None = Field(None, description="Options from /etc/waagent.conf (Linux).")


class Network(_Model):
    """What the VM can reach."""

    model_config = _STRICT

    azure_outbound: bool | None = Field(
        None, description="The VM can reach Azure public IP addresses and Azure Storage endpoints."
    )
    dhcp_enabled: bool | None = Field(None, description="DHCP is enabled inside the guest.")
    wireserver_reachable: bool | None = Field(
        None,
        description="The platform address 168.63.129.16 answers from the guest on ports 80, 443 and 32526 "
        "(false: at least one of them is blocked).",
    )


class RestorePointGroup(_Model):
    """The resource group Azure Backup keeps restore point collections in."""

    model_config = _STRICT

    name: str | None = Field(
        None,
        description="Name of the group, AzureBackupRG_<Geo>_<number>.",
        pattern=RESTORE_POINT_GROUP_RE.pattern,
    )
    locked: bool | None = Field(
        None, description="A lock applies to the group (set on it, or inherited from the subscription)."
    )
    lock_name: str | None = Field(None, description="Name of the lock.")
    lock_level: LockLevelField = Field(None, description="Lock level: CanNotDelete or ReadOnly.")

    @model_validator(mode="after")
    def _lock_details_need_a_lock(self) -> RestorePointGroup:
        if lock_details_without_lock(self.locked, self.lock_name, self.lock_level):
            raise ValueError("lock_name/lock_level given but locked is false")
        return self


class Backup(_Model):
    """The VM's backup configuration and jobs."""

    model_config = _STRICT

    backups_per_day: int | None = Field(None, ge=0, le=24 * 60, description="Backups triggered per day.")
    instant_restore_points: int | None = Field(
        None, ge=0, le=10_000, description="Instant restore points currently attached to the VM."
    )
    snapshot_retention_days: int | None = Field(None, ge=1, le=366, description="Instant-restore snapshot retention.")
    job_in_progress: bool | None = Field(None, description="A backup job for this VM is in progress.")
    old_vault_job_running: bool | None = Field(
        None, description="After backup was moved to another vault, a job still runs in the old vault."
    )
    restore_point_group: RestorePointGroup | None = Field(
        None, description="The AzureBackupRG_<Geo>_<number> group and its lock."
    )
    policy_type: PolicyTypeField = Field(
        None, description="Backup policy type: standard (V1) or enhanced (V2, several backups a day possible)."
    )
    schedule_interval_hours: int | None = Field(
        None,
        ge=1,
        le=7 * 24,
        description="Hours between scheduled backups: 4, 6, 8, 12 or 24 for an hourly Enhanced policy, "
        "24 for a daily policy, 168 for a weekly one.",
    )
    snapshot_consistency: SnapshotConsistencyField = Field(
        None,
        description="Snapshot consistency of the policy: default (application- or file-system-consistent, through "
        "the agent and extension) or only_crash_consistent (agentless, Enhanced policy only).",
    )
    protection_state: ProtectionStateField = Field(
        None,
        description="Whether Azure Backup protects the VM: active, paused (backups suspended) or stopped.",
    )
    platform_error_reported: bool | None = Field(
        None,
        description="The failed job's error details (vault > Backup jobs > the job) show an error the VM platform "
        "(compute resource provider) reported, such as UserErrorCrpReportedUserError.",
    )


def _null_is_unknown(value: object) -> object:
    """A section given as null (``vm: null``) knows nothing: every fact in it is unknown."""
    return {} if value is None else value


def _nullable(section: type[BaseModel]) -> BeforeValidator:
    return BeforeValidator(_null_is_unknown, json_schema_input_type=section | None)


class Facts(_Model):
    """Everything known about one VM. Absent or null means unknown."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: str | None = Field(None, alias="$schema", description="Optional JSON Schema reference for editors.")
    name: str | None = Field(None, description="A name for the VM or the scenario, shown in reports.")
    description: str | None = Field(None, description="Free text about the scenario.")
    observed_error: str | None = Field(
        None,
        description="The error code the user saw (aliases such as ExtentionOperationFailedForManagedDisks accepted).",
    )
    vm: Annotated[VM, _nullable(VM)] = Field(default_factory=VM)
    agent: Annotated[Agent, _nullable(Agent)] = Field(default_factory=Agent)
    extensions: list[Extension] | None = Field(
        None, max_length=256, description="Extensions installed on the VM and their states."
    )
    network: Annotated[Network, _nullable(Network)] = Field(default_factory=Network)
    backup: Annotated[Backup, _nullable(Backup)] = Field(default_factory=Backup)
    expect: dict[str, Any] | None = Field(
        None,
        description="Scenario files only: the diagnosis this file expects, per edition. Ignored by diagnosis.",
    )

    _input_notes: tuple[InputNote, ...] = PrivateAttr(default=())

    @property
    def input_notes(self) -> tuple[InputNote, ...]:
        """Values of the document that were read in their normal form (``v2.2.9`` as ``2.2.9``)."""
        return self._input_notes

    def __eq__(self, other: object) -> bool:
        # The same facts, however they were written: notes about the spelling do not count.
        if not isinstance(other, Facts):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__.values()))

    @model_validator(mode="after")
    def _consistent(self) -> Facts:
        problems = _contradictions(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def flat(self) -> dict[str, object]:
        """Every fact of the catalogue by name, ``None`` where unknown.

        List facts (``vm.disks``, ``extensions``) become tuples of :class:`Record`
        (immutable mappings), with ``is_backup`` added to each extension.
        """
        out: dict[str, object] = {}
        for name, parts in _fact_paths():
            node: object = self
            for part in parts:
                node = getattr(node, part)
                if node is None:
                    break
            out[name] = node if node is None or type(node) in _PLAIN_TYPES else _plain(node)
        return out


def _contradictions(facts: Facts) -> list[str]:
    return contradictions(_FactsView(facts), conf_given=facts.agent.waagent_conf is not None)


class _FactsView(Mapping[str, object]):
    """The facts by name as :meth:`Facts.flat` gives them, each read only when asked for."""

    def __init__(self, facts: Facts) -> None:
        self._facts = facts

    def __getitem__(self, name: str) -> object:
        parts = _paths_by_name().get(name)
        if parts is None:
            raise KeyError(name)
        node: object = self._facts
        for part in parts:
            node = getattr(node, part)
            if node is None:
                return None
        return node if type(node) in _PLAIN_TYPES else _plain(node)

    def get(self, name: str, default: object = None) -> object:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(fact_catalog())

    def __len__(self) -> int:
        return len(fact_catalog())


def contradictions(flat: Mapping[str, object], *, conf_given: bool) -> list[str]:
    """What contradicts what among the facts by name (as :meth:`Facts.flat` gives them): the facts model's
    consistency checks, which the quick reader of fleets applies too.

    Args:
        flat: every fact by name, ``None`` where unknown.
        conf_given: ``agent.waagent_conf`` was given (an empty one too): the flat facts cannot tell.
    """
    problems: list[str] = []
    get = flat.get
    status, version = get("agent.status"), get("agent.version")
    if get("agent.installed") is False:
        if status == "ready":
            problems.append("agent.installed is false but agent.status is ready")
        if get("agent.service_running"):
            problems.append("agent.installed is false but agent.service_running is true")
        if version is not None:
            problems.append("agent.installed is false but agent.version is given")
    latest = get("agent.latest_version")
    if version and latest and parse_version(str(version)) > parse_version(str(latest)):
        problems.append(f"agent.version {version} is newer than agent.latest_version {latest}")
    os_type = get("vm.os")
    if os_type == "windows":
        if get("vm.distro") is not None:
            problems.append("vm.distro is given but vm.os is windows")
        if conf_given:
            problems.append("agent.waagent_conf is given but vm.os is windows")
    if os_type == "linux" and get("agent.dotnet_version") is not None:
        problems.append("agent.dotnet_version is given but vm.os is linux")
    if os_type == "linux" and get("vm.snapshot_provider_ok") is not None:
        problems.append("vm.snapshot_provider_ok is given but vm.os is linux (iaasvmprovider.dll is the Windows extension's)")
    disks = get("vm.disks")
    if get("vm.encrypted") is False and isinstance(disks, tuple) and any(d.get("encrypted") for d in disks):
        problems.append("vm.encrypted is false but a disk is encrypted")
    if get("backup.policy_type") == "standard":
        if get("backup.snapshot_consistency") == "only_crash_consistent":
            problems.append("backup.snapshot_consistency is only_crash_consistent but backup.policy_type is standard (agentless backup needs the enhanced policy)")
        hours = get("backup.schedule_interval_hours")
        if isinstance(hours, int) and hours < 24:
            problems.append(f"backup.schedule_interval_hours is {hours} but backup.policy_type is standard (at most one scheduled backup a day)")
    power = get("vm.power_state")
    if power in ("stopped", "deallocated") and status == "ready":
        problems.append(f"vm.power_state is {power} but agent.status is ready")
    return problems


def lock_details_without_lock(locked: object, lock_name: object, lock_level: object) -> bool:
    """A lock's name or level given for a restore-point group said not to be locked."""
    return locked is False and (lock_name is not None or lock_level is not None)


FactValue = bool | int | str | list[dict[str, object]]
"""One fact's value as a facts document holds it: a switch, a count, a token, a version or raw text,
or for a list fact (``vm.disks``, ``extensions``) its items as mappings."""


# ---------------------------------------------------------------------------
# The fact catalogue: the names the knowledge base may use in conditions.

FactKind = Literal["bool", "enum", "int", "version", "text", "list"]


@dataclass(frozen=True, slots=True)
class FactInfo:
    """One fact the knowledge base can test.

    Attributes:
        name: dotted name (``agent.status``).
        kind: bool, enum, int, version, text or list.
        description: what it means (from the model).
        values: the allowed values of an enum fact, else empty.
        item_fields: for a list fact, the fields each item has (name -> FactInfo).
    """

    name: str
    kind: FactKind
    description: str
    values: tuple[str, ...] = ()
    item_fields: tuple[tuple[str, FactInfo], ...] = ()

    def item_field(self, field: str) -> FactInfo | None:
        """The FactInfo of one field of a list item, or None."""
        return dict(self.item_fields).get(field)


def _unwrap(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _kind_of(annotation: Any, metadata: list[Any]) -> tuple[FactKind, tuple[str, ...]]:
    base = _unwrap(annotation)
    if isinstance(base, type) and issubclass(base, StrEnum):
        return "enum", tuple(m.value for m in base)
    if base is bool:
        return "bool", ()
    if base is int:
        return "int", ()
    candidates = [*metadata, *(m for a in getattr(annotation, "__args__", ()) for m in getattr(a, "__metadata__", ()))]
    if any(isinstance(m, AfterValidator) and m.func is _check_version for m in candidates):
        return "version", ()
    return "text", ()


def _model_facts(model: type[BaseModel], prefix: str) -> list[FactInfo]:
    infos: list[FactInfo] = []
    for field_name, field in model.model_fields.items():
        if field_name in {"schema_", "name", "description", "expect"} and model is Facts:
            continue
        if field_name == "observed_error":
            continue
        name = f"{prefix}{field_name}"
        base = _unwrap(field.annotation)
        origin = getattr(base, "__origin__", None)
        if isinstance(base, type) and issubclass(base, BaseModel):
            infos.extend(_model_facts(base, name + "."))
        elif origin is list:
            (item_model,) = base.__args__
            items = [(i.name.rsplit(".", 1)[-1], i) for i in _model_facts(item_model, "")]
            if item_model is Extension:
                items.append(
                    ("is_backup", FactInfo("is_backup", "bool", "The extension is VMSnapshot or VMSnapshotLinux."))
                )
            infos.append(FactInfo(name, "list", field.description or "", (), tuple(sorted(items))))
        else:
            kind, values = _kind_of(field.annotation, field.metadata)
            infos.append(FactInfo(name, kind, field.description or "", values))
    return infos


_CATALOG: dict[str, FactInfo] | None = None


def fact_catalog() -> Mapping[str, FactInfo]:
    """Every fact the knowledge base may refer to, by dotted name, in model order."""
    global _CATALOG
    if _CATALOG is None:
        _CATALOG = {info.name: info for info in _model_facts(Facts, "")}
    return _CATALOG


class Record(Mapping[str, object]):
    """One item of a list fact: an immutable, hashable mapping (working memory needs hashable values)."""

    __slots__ = ("_items", "_map")

    def __init__(self, items: Mapping[str, object]) -> None:
        self._items = tuple(sorted(items.items()))
        self._map = dict(self._items)

    @classmethod
    def of_sorted(cls, values: dict[str, object]) -> Record:
        """The record of a dict whose keys are already in sorted order, which it keeps (a reader that fills
        a sorted template per item need not sort again)."""
        record = cls.__new__(cls)
        record._items = tuple(values.items())
        record._map = values
        return record

    def __getitem__(self, key: str) -> object:
        return self._map[key]

    def get(self, key: str, default: object = None) -> object:
        """The field's value, or ``default`` (Mapping's own get goes through a raised KeyError)."""
        return self._map.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._items == other._items
        return isinstance(other, Mapping) and self._map == dict(other.items())

    def __repr__(self) -> str:
        return f"Record({dict(self._items)!r})"


def _plain(value: object) -> object:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Extension):
        return Record({"name": value.name, "state": _plain(value.state), "is_backup": value.is_backup})
    if isinstance(value, BaseModel):
        return Record({k: _plain(getattr(value, k)) for k in type(value).model_fields})
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


_PLAIN_TYPES = frozenset({str, int, bool})
_PATHS: tuple[tuple[str, tuple[str, ...]], ...] | None = None


@lru_cache(maxsize=1)
def _paths_by_name() -> dict[str, tuple[str, ...]]:
    return dict(_fact_paths())


def _fact_paths() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every fact of the catalogue with the attributes that lead to it in a :class:`Facts`."""
    global _PATHS
    if _PATHS is None:
        _PATHS = tuple((name, tuple(name.split("."))) for name in fact_catalog())
    return _PATHS
