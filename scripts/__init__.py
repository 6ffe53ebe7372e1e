"""Pywikibot scripts of techroles (``pwb techroles_update``, ``pwb techroles_kpi``).

In a checkout, ``pwb`` finds them through ``user_script_paths = ['scripts']``
when the checkout is the Pywikibot config directory; installed, this directory
is the package ``techroles_scripts`` and ``pwb`` finds it through the
``pywikibot``/``scriptspath`` entry point (``PATH`` below).
"""
from __future__ import annotations

from pathlib import Path


#: The directory ``pwb`` searches for the scripts.
PATH = Path(__file__).parent
