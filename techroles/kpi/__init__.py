"""The KPIs: figures, the KPI page and the history, all pure.

* :mod:`~techroles.kpi.figures`: active tech ambassadors and Tech News
  translation coverage; :mod:`~techroles.kpi.reach`: communities receiving
  Tech News with an active ambassador, and where help is needed;
* :mod:`~techroles.kpi.recompute`: every figure rebuilt from the report;
* :mod:`~techroles.kpi.page` and :mod:`~techroles.kpi.helppage`: the
  wikitext of the KPI section, in the page's language;
* :mod:`~techroles.kpi.history`: the JSON history and its Commons copy;
* :mod:`~techroles.kpi.wikitext`: escaping, links, the bot's markers and the
  one rule for showing a percentage.

Everything is importable from ``techroles.kpi`` directly.
"""
from __future__ import annotations

from techroles.kpi.figures import (
    DEFAULT_THRESHOLDS,
    SIGNAL_CRITERIA,
    ambassador_kpi,
    default_targets,
    normalize_thresholds,
    select_targets,
    threshold_fraction,
    translation_kpi,
)
from techroles.kpi.history import (
    HISTORY_VERSION,
    check_tabular,
    frozen_at_delivery,
    history_json,
    history_record,
    merge_history,
    parse_history,
    tabular_data,
)
from techroles.kpi.page import KPI_MESSAGE_KEYS, KpiLinks, default_msg, render_kpi_section
from techroles.kpi.reach import (
    SiteFacts,
    communities,
    help_needed,
    reach,
    reach_from_wikis,
    site_facts_from_matrix,
)
from techroles.kpi.recompute import check_report, recompute_from_report
from techroles.kpi.wikitext import (
    KPI_END,
    KPI_START,
    escape_wikitext,
    percent_number,
    replace_between_markers,
    section_between_markers,
)


__all__ = [
    'DEFAULT_THRESHOLDS',
    'HISTORY_VERSION',
    'KPI_END',
    'KPI_MESSAGE_KEYS',
    'KPI_START',
    'SIGNAL_CRITERIA',
    'KpiLinks',
    'SiteFacts',
    'ambassador_kpi',
    'check_report',
    'check_tabular',
    'communities',
    'default_msg',
    'default_targets',
    'escape_wikitext',
    'frozen_at_delivery',
    'help_needed',
    'history_json',
    'history_record',
    'merge_history',
    'normalize_thresholds',
    'parse_history',
    'percent_number',
    'reach',
    'reach_from_wikis',
    'recompute_from_report',
    'render_kpi_section',
    'replace_between_markers',
    'section_between_markers',
    'select_targets',
    'site_facts_from_matrix',
    'tabular_data',
    'threshold_fraction',
    'translation_kpi',
]
