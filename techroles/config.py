"""The bot's configuration: loading, merging, validating, and its reference (keys: config_schema).

Pure: no network, no clock, no pywikibot. The configuration is JSON from
three layers, later ones winning: the file given with ``--config``, the
on-wiki configuration page (only the keys in :data:`WIKI_OVERRIDABLE`), and
command-line overrides. Values replace earlier ones key by key; objects
(``labels``, ``thresholds``, ``tech_news``, ``column_aliases``,
``proactive_pages``) merge key by key too, lists and page references are
replaced whole.

:data:`SCHEMA` is the single definition of every key (built with the general
framework in :mod:`techroles.schema`): :func:`validate` checks against it
and :func:`reference_markdown` prints it for ``docs/configuration.md``, so
the documentation cannot drift from the checks. Every error is a
:class:`~techroles.errors.ConfigError` with one line naming the source, the
exact key (``tables[1].kind``) and the offending value; :func:`problems`
lists every error of a configuration at once.

Pages the bot owns default to the logged-in bot's own user space: their
titles hold the placeholder ``{bot}`` until :func:`resolve_defaults` puts in
the bot's user name.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from techroles.config_schema import (
    BOT,
    HINTS,
    KEYS,
    SCHEMA,
    TECH_NEWS,
    WIKI_OVERRIDABLE,
    Config,
    KpiThresholds,
    PageRef,
    PendingPage,
    TableSpec,
    TechNewsConfig,
)
from techroles.errors import ConfigError
from techroles.schema import (
    INVALID,
    Context,
    Nullable,
    Obj,
    Spec,
    check_keys,
    load_json_file,
    loads_json,
    markdown_rows,
    show,
)


__all__ = [
    'BOT', 'SCHEMA', 'WIKI_OVERRIDABLE', 'Config', 'KpiThresholds', 'PageRef', 'TableSpec',
    'TechNewsConfig', 'load_file', 'loads', 'merge', 'problems', 'reference_markdown',
    'resolve_defaults', 'shutoff_protection_problem', 'validate',
]


# ---------------------------------------------------------------------------
# Loading, validating, merging
# ---------------------------------------------------------------------------


def loads(text: str, *, source: str) -> dict[str, Any]:
    """Parse configuration JSON (a file's or the on-wiki page's).

    Decimals are kept exact (``Decimal``) so thresholds become exact
    fractions; duplicate keys, ``NaN``/``Infinity`` and a top level that is
    not an object are errors.
    """
    return loads_json(text, source=source, what='the configuration')


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON configuration file (not yet validated)."""
    return load_json_file(path, what='the configuration')


def _check_top(raw: Mapping[str, Any], ctx: Context, *, partial: bool) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f'{ctx.source}: the configuration must be a JSON object; '
                          f'got {show(raw)}')
    return check_keys(raw, SCHEMA, '', ctx, hints=HINTS, partial=partial)


def _build(raw: Mapping[str, Any], ctx: Context) -> Config | None:
    """The :class:`Config`, or None when a problem was recorded (collecting contexts)."""
    checked = _check_top(raw, ctx, partial=False)
    if checked is INVALID:
        return None
    if checked['slipping_days'] >= checked['active_days']:
        ctx.report(ctx.fail('slipping_days', f'must be less than active_days '
                                             f'({checked["active_days"]})',
                            checked['slipping_days']))
        return None
    first_site = checked['tables'][0].site
    for name, value in checked.items():
        if isinstance(value, PendingPage):
            checked[name] = PageRef(value.site or first_site, value.title)
    return Config(**checked)


def validate(raw: Mapping[str, Any], *, source: str) -> Config:
    """Check a complete configuration and build the :class:`Config`.

    Raises :class:`ConfigError` with one line: ``<source>: <key path>:
    <problem>; got <value>``.
    """
    cfg = _build(raw, Context(source))
    assert cfg is not None  # a context that does not collect raises instead
    return cfg


def problems(raw: Mapping[str, Any], *, source: str) -> list[str]:
    """Every problem of a complete configuration, one line each (empty: valid).

    Checks go on after a problem with the next key, list item or object
    member, so one pass finds them all; a value inside a broken object is
    not reported twice.
    """
    ctx = Context(source, collect=True)
    try:
        _build(raw, ctx)
    except ConfigError as error:  # not an object at all
        return [str(error)]
    return [str(error) for error in ctx.errors or ()]


def resolve_defaults(cfg: Config, username: str) -> Config:
    """``cfg`` with ``{bot}`` in every page title replaced by the bot's user name.

    ``username`` is the logged-in account as Pywikibot knows it; a
    BotPassword's ``@appid`` suffix is dropped and the first letter
    upper-cased, as MediaWiki names user pages.
    """
    name = username.split('@', 1)[0].strip().replace('_', ' ')
    if not name:
        raise ConfigError('resolve_defaults: the bot has no user name (log in first)')
    name = name[0].upper() + name[1:]
    changes = {}
    for key in SCHEMA:
        value = getattr(cfg, key.name)
        if isinstance(value, PageRef) and BOT in value.title:
            changes[key.name] = PageRef(value.site, value.title.replace(BOT, name))
    return replace(cfg, **changes)


#: Edit protection levels that still let autoconfirmed users edit.
OPEN_LEVELS = frozenset({'', 'autoconfirmed'})


def shutoff_protection_problem(protection: Mapping[str, Any], *, title: str = '') -> str | None:
    """Why a shutoff page with this protection cannot serve (None when it can).

    ``protection`` is what Pywikibot's ``Page.protection()`` returns:
    ``{"edit": ("sysop", "infinity"), …}``. Anything above ``autoconfirmed``
    would leave the community without its stop button.
    """
    edit = protection.get('edit')
    level = edit[0] if isinstance(edit, (tuple, list)) and edit else (edit or '')
    if level in OPEN_LEVELS:
        return None
    where = f'{title}: ' if title else ''
    return (f'{where}the shutoff page is protected (edit={level}): it must stay editable by '
            'autoconfirmed users, who stop the bot with it')


def _deep_merge(base: Any, override: Any, spec: Spec) -> Any:
    """``override`` over ``base``: objects key by key, anything else whole."""
    inner = spec.inner if isinstance(spec, Nullable) else spec
    if not (inner.mergeable and isinstance(base, Mapping) and isinstance(override, Mapping)):
        return override
    merged = dict(base)
    if inner is TECH_NEWS:
        # weeks and start/end exclude each other: the newer layer's choice wins.
        if {'start', 'end'} & override.keys():
            merged.pop('weeks', None)
        if 'weeks' in override:
            merged.pop('start', None)
            merged.pop('end', None)
    for key, value in override.items():
        if isinstance(inner, Obj):
            sub = next((k.spec for k in inner.keys if k.name == key), None)
        else:
            sub = inner.value  # type: ignore[attr-defined]
        merged[key] = value if sub is None or key not in merged else _deep_merge(
            merged[key], value, sub)
    return merged


def merge(file_cfg: Mapping[str, Any], wiki_cfg: Mapping[str, Any] | None = None,
          cli_overrides: Mapping[str, Any] | None = None, *,
          file_source: str = 'configuration file',
          wiki_source: str = 'on-wiki configuration',
          cli_source: str = 'command line') -> Config:
    """Merge the three layers (file < on-wiki page < command line) and validate.

    Each layer is checked on its own first, so that an error names the
    layer it comes from; the on-wiki layer may only set keys of
    :data:`WIKI_OVERRIDABLE`. ``None`` values in ``cli_overrides`` mean
    "option not given" and are ignored. Checks across keys
    (``slipping_days < active_days``) run on the merged result, reported as
    ``merged configuration`` when the layers only clash together.
    """
    cli = {k: v for k, v in (cli_overrides or {}).items() if v is not None}
    layers = [(file_cfg, file_source), (wiki_cfg or {}, wiki_source), (cli, cli_source)]
    if isinstance(wiki_cfg, Mapping):
        for name in wiki_cfg:
            if name in KEYS and name not in WIKI_OVERRIDABLE:
                raise Context(wiki_source).fail(
                    name, 'may only be set in the configuration file, not on-wiki',
                    wiki_cfg[name])
    for index, (raw, source) in enumerate(layers):
        _check_top(raw, Context(source), partial=index > 0)
    merged: dict[str, Any] = dict(file_cfg)
    for raw, _source in layers[1:]:
        for name, value in raw.items():
            merged[name] = (_deep_merge(merged[name], value, KEYS[name].spec)
                            if name in merged else value)
    sources = [source for raw, source in layers if raw]
    return validate(merged, source=sources[0] if len(sources) == 1
                    else 'merged configuration (' + ' < '.join(sources) + ')')


# ---------------------------------------------------------------------------
# Documentation from the schema
# ---------------------------------------------------------------------------


def reference_markdown() -> str:
    """The configuration reference (docs/configuration.md), generated from :data:`SCHEMA`."""
    header = ['Key', 'Type', 'Default', 'Range / values', 'On-wiki', 'Meaning']
    lines = [
        '<!-- Generated by techroles.config.reference_markdown(); do not edit by hand. -->',
        '',
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join('---' for _ in header) + '|',
    ]
    lines += ['| ' + ' | '.join(row) + ' |' for row in markdown_rows(SCHEMA)]
    lines += [
        '',
        'Unknown keys are errors, in the file and on-wiki. Day counts and other integers must '
        'be whole numbers (`90`, not `"90"`, `90.5` or `true`). Page keys take a bare title on '
        'the first table\'s site or `{"site": "family:code", "page": "…"}`; `{bot}` in a title '
        'stands for the logged-in bot\'s user name, so the defaults are pages in the bot\'s own '
        'user space whatever the account is called. Later layers '
        'replace earlier ones key by key (file < on-wiki page < command line); objects merge '
        'key by key, lists and pages are replaced whole; the on-wiki page may only set keys '
        'marked "yes".',
    ]
    return '\n'.join(lines) + '\n'
