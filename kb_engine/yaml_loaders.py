"""YAML reading shared by the knowledge base and facts files: a key written twice is an error.

PyYAML's ``SafeLoader`` keeps the last of two equal keys without a word, so a
file that says ``os: linux`` and later ``os: windows`` would be read as Windows.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["UniqueKeyLoader"]


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
