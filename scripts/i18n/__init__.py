"""Required by ``pwb``: it imports ``<scripts package>.i18n`` after finding a script.

techroles' own messages live in ``techroles/i18n``; this package is empty.
"""
