"""Diagrams of the knowledge base for training: decision trees per error code, the cause graph, overlays.

Every view is a pure function returning text (DOT, Mermaid, an outline);
:mod:`kb_engine.render` is the one module that runs Graphviz's ``dot``.
"""

from __future__ import annotations

from .dot import graph_dot, tree_dot, tree_overlay_dot
from .files import DEFAULT_FORMATS, stale_files, write_diagrams
from .mermaid import tree_mermaid
from .text import tree_text
from .tree import Tree, build_tree, trace

__all__ = [
    "DEFAULT_FORMATS",
    "Tree",
    "build_tree",
    "graph_dot",
    "tree_overlay_dot",
    "stale_files",
    "trace",
    "tree_dot",
    "tree_mermaid",
    "tree_text",
    "write_diagrams",
]
