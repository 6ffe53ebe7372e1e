"""Pywikibot scripts of techroles (``pwb techroles_update``, ``pwb techroles_kpi`` …).

Installed (``pip install .`` or ``pip install -e .``), this directory is the
package ``techroles_scripts`` and ``pwb`` finds it through the
``pywikibot``/``scriptspath`` entry point (:data:`PATH`). In a checkout used
as the Pywikibot config directory, ``user_script_paths = ['scripts']`` works
too.
"""
from __future__ import annotations

from pathlib import Path


class _PackageDir(type(Path())):  # type: ignore[misc]
    """The scripts directory, whose ``stem`` is the package's import name.

    ``pwb`` imports ``<PATH.stem>.i18n`` after finding a script here. The
    directory is called ``scripts`` in the checkout (an editable install
    points at it) but the package is ``techroles_scripts``.
    """

    @property
    def stem(self) -> str:
        return __name__


#: The directory ``pwb`` searches for the scripts.
PATH = _PackageDir(__file__).parent
