"""Reading ``/etc/waagent.conf`` exactly as the Linux agent does.

The rules are those of WALinuxAgent's ``ConfigurationProvider.load``
(``azurelinuxagent/common/conf.py``): a line is an option when it does not
*start* with ``#`` and contains ``=``; the key is the text before the first
``=``, stripped; the value is the text after it up to the first ``#`` (so
end-of-line comments go, even without a space before them), with quotes and
blanks stripped. Values keep inner spaces (``Value2 Value2``); a later line for
the same key wins. The agent reads the value ``None`` as "not set".

Values are returned as the agent holds them before interpreting them; what a
switch's value means (:func:`read_switch`: only ``y``/``n`` switch an option,
case-insensitively; anything else means the default) is decided here too, so
the facts model, the rules and ``kb-engine collect`` read a file, or a value
copied out of one, the same way.
"""

from __future__ import annotations

__all__ = ["WAAGENT_CONF_KEYS", "parse_waagent_conf", "read_switch", "read_value"]

WAAGENT_CONF_KEYS = ("Extensions.Enabled", "Provisioning.Agent", "Logs.Verbose")
"""The options kb_engine's facts record (``agent.waagent_conf``)."""


def parse_waagent_conf(text: str) -> dict[str, str]:
    """Every option of a waagent.conf, as the agent reads it.

    Args:
        text: the file's content.

    Returns:
        Option name -> value as the agent sees it before interpreting it
        (``"y"``, ``"auto"``, ``"Value2 Value2"``, ``""``, ``"None"``).
    """
    values: dict[str, str] = {}
    for line in text.split("\n"):
        if line.startswith("#") or "=" not in line:
            continue
        key, rest = line.split("=", 1)
        values[key.strip()] = read_value(rest)
    return values


def read_value(raw: str) -> str:
    """The value of an option as the agent reads the text after ``=``: up to the first ``#``,
    quotes and blanks stripped (``n # off by ops`` and ``"n"`` are both ``n``)."""
    return raw.split("#")[0].strip('" ').strip()


def read_switch(raw: str, default: bool) -> bool:
    """A switch as the agent reads it: ``y`` is on and ``n`` off (any case, blanks ignored);
    anything else is the default."""
    text = read_value(raw).lower()
    if text == "y":
        return True
    if text == "n":
        return False
    return default
