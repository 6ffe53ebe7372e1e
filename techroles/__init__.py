"""techroles: keeps Wikimedia's tech-ambassador and tech-translator sign-up tables
and their KPI page up to date.

The pure core (``model``, ``table``, ``names``, ``notation``, ``policy``, ``render``,
``coverage``, ``kpi``, ``config``, ``i18n``) never imports pywikibot; everything
that talks to a wiki lives in ``techroles.wiki``.
"""
from __future__ import annotations


__version__ = '0.1.0'
