"""Helpers over mwparserfromhell nodes shared by the readers of names, wikis and tables."""
from __future__ import annotations

from mwparserfromhell.nodes import Tag


def tag_name(node: Tag) -> str:
    """Lower-case name of a tag, memoised (``node.tag`` is wikicode; str() is slow)."""
    name = getattr(node, '_techroles_name', None)
    if name is None:
        name = str(node.tag).strip().lower()
        node._techroles_name = name
    return name
