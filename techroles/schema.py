"""A small schema framework for JSON configuration: check, normalise, describe.

Pure and general: nothing here knows the bot's keys (``techroles.config``
holds those). A :class:`Spec` checks one JSON value and says what it accepts
(for generated documentation); :class:`Key` names a value in an object and
gives its default; :class:`Obj` checks an object with known keys. Every
problem is one line: ``<source>: <key path>: <problem>; got <value>``.

A :class:`Context` either stops at the first problem (raising
:class:`~techroles.errors.ConfigError`, what a run needs) or, when made with
``collect=True``, records every problem and carries on with the next key, so
that one offline check lists them all at once.
"""
from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from techroles.errors import ConfigError


__all__ = [
    'INVALID', 'Bool', 'Choice', 'Context', 'Int', 'IsoDate', 'Key', 'ListOf', 'MapOf',
    'Nullable', 'Number', 'Obj', 'Spec', 'Str', 'check_keys', 'key_path', 'load_json_file',
    'loads_json', 'markdown_rows', 'reject_unknown', 'show',
]


class _Invalid:
    """The result of a value whose problem was recorded (collecting contexts only)."""

    def __repr__(self) -> str:
        return 'INVALID'


#: Stands in for a value that failed its check while problems are collected.
INVALID: Any = _Invalid()


class Context:
    """Where values come from (for messages), and whether to stop at the first problem."""

    def __init__(self, source: str, *, collect: bool = False) -> None:
        self.source = source
        #: Every problem found, when collecting; ``None`` when the first one raises.
        self.errors: list[ConfigError] | None = [] if collect else None

    def fail(self, path: str, problem: str, value: Any = ...) -> ConfigError:
        got = '' if value is ... else f'; got {show(value)}'
        return ConfigError(f'{self.source}: {path}: {problem}{got}')

    def report(self, error: ConfigError) -> None:
        """Raise ``error``, or record it when collecting."""
        if self.errors is None:
            raise error
        self.errors.append(error)

    def guard(self, check: Callable[..., Any], *args: Any) -> Any:
        """``check(*args)``; when collecting, a problem is recorded and :data:`INVALID` returned."""
        if self.errors is None:
            return check(*args)
        try:
            return check(*args)
        except ConfigError as error:
            self.errors.append(error)
            return INVALID

def show(value: Any, limit: int = 60) -> str:
    """A value as short one-line JSON for an error message."""
    if isinstance(value, Decimal):
        return str(value)  # as written: 0.7, 1E+999999999
    try:
        text = json.dumps(value, ensure_ascii=False, default=_json_default)
    except (TypeError, ValueError):
        text = repr(value)
    text = text.replace('\n', ' ')
    return text if len(text) <= limit else text[:limit - 1] + '…'


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, (date, Fraction)):
        return str(value)
    raise TypeError


def key_path(path: str, key: str) -> str:
    if re.fullmatch(r'[A-Za-z_][A-Za-z0-9_-]*', key):
        return f'{path}.{key}' if path else key
    return f'{path}[{json.dumps(key, ensure_ascii=False)}]'


class Spec:
    """A value type: checks and normalises a JSON value, and describes itself."""

    #: True for object-like values that merge key by key.
    mergeable = False

    def check(self, value: Any, path: str, ctx: Context) -> Any:
        raise NotImplementedError

    def type_name(self) -> str:
        raise NotImplementedError

    def range_text(self) -> str:
        return ''


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _finite_number(value: Any, path: str, ctx: Context, what: str) -> Any:
    if not _is_number(value):
        raise ctx.fail(path, f'must be {what}', value)
    if (isinstance(value, Decimal) and not value.is_finite()) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ctx.fail(path, 'must be a finite number', value)
    return value


def _is_whole(value: float | Decimal) -> bool:
    """Integral, without building the integer (``int(Decimal('1E+999999999'))`` never ends)."""
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value == value.to_integral_value()
    return value.is_integer()


@dataclass(frozen=True)
class Int(Spec):
    """A whole number in ``[lo, hi]``; ``90.0`` is accepted, ``90.5`` and ``"90"`` are not."""

    lo: int
    hi: int
    unit: str = ''

    def check(self, value: Any, path: str, ctx: Context) -> int:
        _finite_number(value, path, ctx, 'a whole number')
        if not _is_whole(value):
            raise ctx.fail(path, 'must be a whole number', value)
        if not self.lo <= value <= self.hi:
            raise ctx.fail(path, f'must be between {self.lo} and {self.hi}', value)
        return int(value)

    def type_name(self) -> str:
        return 'integer'

    def range_text(self) -> str:
        return f'{self.lo}–{self.hi}' + (f' {self.unit}' if self.unit else '')


_MAX_PLACES = 20


@dataclass(frozen=True)
class Number(Spec):
    """A number in ``[lo, hi]`` (``lo`` excluded if ``lo_open``); exact if ``exact``."""

    lo: float
    hi: float
    lo_open: bool = False
    exact: bool = False

    def check(self, value: Any, path: str, ctx: Context) -> Fraction | float:
        _finite_number(value, path, ctx, 'a number')
        # Python compares int, float and Decimal exactly, so this is the exact check.
        low_ok = value > self.lo if self.lo_open else value >= self.lo
        if not low_ok or value > self.hi:
            raise ctx.fail(path, f'must be {self.range_text()}', value)
        if isinstance(value, Decimal) and value.as_tuple().exponent < -_MAX_PLACES:
            raise ctx.fail(path, f'must have at most {_MAX_PLACES} decimal places', value)
        exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
        return exact if self.exact else float(exact)

    def type_name(self) -> str:
        return 'number'

    def range_text(self) -> str:
        low = '<' if self.lo_open else '≤'
        return f'{_num(self.lo)} {low} x ≤ {_num(self.hi)}'


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


@dataclass(frozen=True)
class Bool(Spec):
    def check(self, value: Any, path: str, ctx: Context) -> bool:
        if not isinstance(value, bool):
            raise ctx.fail(path, 'must be true or false', value)
        return value

    def type_name(self) -> str:
        return 'boolean'


@dataclass(frozen=True)
class Str(Spec):
    """A non-blank string, optionally matching ``pattern`` (explained by ``what``)."""

    pattern: str | None = None
    what: str = ''
    max_len: int = 255
    forbidden: str = ''
    type_label: str = 'string'

    def check(self, value: Any, path: str, ctx: Context) -> str:
        if not isinstance(value, str):
            raise ctx.fail(path, f'must be a {self.type_label}', value)
        if not value.strip():
            raise ctx.fail(path, f'must be a non-empty {self.type_label}', value)
        if len(value) > self.max_len:
            raise ctx.fail(path, f'must be at most {self.max_len} characters long', value)
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ctx.fail(path, 'must not contain control characters or line breaks', value)
        bad = [ch for ch in self.forbidden if ch in value]
        if bad:
            raise ctx.fail(path, f'must not contain {" ".join(bad)}', value)
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ctx.fail(path, f'must be {self.what}', value)
        return value

    def type_name(self) -> str:
        return self.type_label

    def range_text(self) -> str:
        return self.what


@dataclass(frozen=True)
class Choice(Spec):
    values: tuple[str, ...]

    def check(self, value: Any, path: str, ctx: Context) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise ctx.fail(path, f'must be one of {self.range_text()}', value)
        return value

    def type_name(self) -> str:
        return 'string'

    def range_text(self) -> str:
        return ', '.join(json.dumps(v) for v in self.values)


@dataclass(frozen=True)
class IsoDate(Spec):
    def check(self, value: Any, path: str, ctx: Context) -> date:
        if not isinstance(value, str) or not re.fullmatch(r'\d{4}-\d{2}-\d{2}', value):
            raise ctx.fail(path, 'must be a date written YYYY-MM-DD', value)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ctx.fail(path, 'must be a valid date', value) from None

    def type_name(self) -> str:
        return 'date'

    def range_text(self) -> str:
        return 'YYYY-MM-DD'


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec
    null_means: str = ''

    @property
    def mergeable(self) -> bool:  # type: ignore[override]
        return self.inner.mergeable

    def check(self, value: Any, path: str, ctx: Context) -> Any:
        return None if value is None else self.inner.check(value, path, ctx)

    def type_name(self) -> str:
        return f'{self.inner.type_name()} or null'

    def range_text(self) -> str:
        parts = [self.inner.range_text(), f'null: {self.null_means}' if self.null_means else '']
        return '; '.join(p for p in parts if p)


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    min_len: int = 0
    max_len: int = 1000
    unique: bool = True

    def check(self, value: Any, path: str, ctx: Context) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise ctx.fail(path, 'must be a list', value)
        if len(value) < self.min_len:
            raise ctx.fail(path, f'must list at least {self.min_len} '
                                 f'item{"s" if self.min_len > 1 else ""}', value)
        if len(value) > self.max_len:
            raise ctx.fail(path, f'must list at most {self.max_len} items', value)
        items = tuple(ctx.guard(self.item.check, v, f'{path}[{i}]', ctx)
                      for i, v in enumerate(value))
        if self.unique:
            for i, item in enumerate(items):
                if item is not INVALID and item in items[:i]:
                    ctx.report(ctx.fail(f'{path}[{i}]', 'is listed twice', value[i]))
        return INVALID if INVALID in items else items

    def type_name(self) -> str:
        return f'list of {self.item.type_name()}'

    def range_text(self) -> str:
        inner = self.item.range_text()
        size = f'at least {self.min_len} item' if self.min_len else ''
        return '; '.join(p for p in (inner, size) if p)


@dataclass(frozen=True)
class MapOf(Spec):
    key: Spec
    value: Spec
    max_len: int = 1000
    mergeable = True

    def check(self, value: Any, path: str, ctx: Context) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ctx.fail(path, 'must be an object', value)
        if len(value) > self.max_len:
            raise ctx.fail(path, f'must have at most {self.max_len} keys', value)
        result = {}
        for k, v in value.items():
            sub = key_path(path, k)
            name = ctx.guard(self.key.check, k, sub, ctx)
            result[k] = ctx.guard(self.value.check, v, sub, ctx) if name is not INVALID else name
        if INVALID in result.values():
            return INVALID
        return MappingProxyType(result)

    def type_name(self) -> str:
        return f'object: {self.key.type_name()} → {self.value.type_name()}'

    def range_text(self) -> str:
        return '; '.join(p for p in (f'keys: {self.key.range_text()}' if self.key.range_text()
                                     else '', self.value.range_text()) if p)


@dataclass(frozen=True)
class Key:
    """One configuration key: its name, type, default (as JSON) and meaning."""

    name: str
    spec: Spec
    default: Any
    doc: str
    #: May the on-wiki configuration page set it?
    wiki: bool = True
    required: bool = False
    #: How the default reads in the documentation, when not its JSON.
    default_text: str = ''


@dataclass(frozen=True)
class Obj(Spec):
    """An object with known keys, built into a dataclass; unknown keys are errors."""

    keys: tuple[Key, ...]
    build: Callable[..., Any]
    #: Checks across keys: (checked values, raw object, path, ctx) -> None.
    post: Callable[[dict[str, Any], Mapping[str, Any], str, Context], None] | None = None
    mergeable = True

    def check(self, value: Any, path: str, ctx: Context) -> Any:
        if not isinstance(value, Mapping):
            raise ctx.fail(path, 'must be an object', value)
        checked = check_keys(value, self.keys, path, ctx)
        if checked is INVALID:
            return INVALID
        if self.post and ctx.guard(self.post, checked, value, path, ctx) is INVALID:
            return INVALID
        return self.build(**checked)

    def type_name(self) -> str:
        return 'object'


def reject_unknown(value: Mapping[str, Any], keys: Iterable[Key], path: str, ctx: Context,
                   hints: Mapping[str, str] | None = None) -> bool:
    """Report every key of ``value`` that ``keys`` does not name; True if there was none."""
    known = [key.name for key in keys]
    clean = True
    for name in value:
        if name in known:
            continue
        where = key_path(path, name) if isinstance(name, str) else f'{path}[{name!r}]'
        hint = (hints or {}).get(name)
        if hint is None:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f'did you mean {close[0]!r}?' if close else 'known keys: ' + ', '.join(known)
        ctx.report(ctx.fail(where, f'unknown key ({hint})', value[name]))
        clean = False
    return clean


def check_keys(value: Mapping[str, Any], keys: Iterable[Key], path: str, ctx: Context, *,
               hints: Mapping[str, str] | None = None, partial: bool = False) -> Any:
    """Check an object's keys: unknown ones, each known value, the defaults of missing ones.

    ``partial`` (a layer that overrides another) skips missing keys instead of
    filling in defaults or requiring them. Returns the checked values by key,
    or :data:`INVALID` when a problem was recorded.
    """
    keys = tuple(keys)
    clean = reject_unknown(value, keys, path, ctx, hints)
    checked: dict[str, Any] = {}
    for key in keys:
        sub = key_path(path, key.name)
        if key.name in value:
            checked[key.name] = ctx.guard(key.spec.check, value[key.name], sub, ctx)
        elif partial:
            continue
        elif key.required:
            ctx.report(ctx.fail(sub, 'is required'))
            checked[key.name] = INVALID
        else:
            checked[key.name] = ctx.guard(key.spec.check, key.default, sub, ctx)
    return checked if clean and INVALID not in checked.values() else INVALID


# ---------------------------------------------------------------------------
# JSON text
# ---------------------------------------------------------------------------


class _Duplicate(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f'{name} is not a JSON number')


def loads_json(text: str, *, source: str, what: str = 'the configuration') -> dict[str, Any]:
    """Parse a JSON object strictly.

    Decimals are kept exact (``Decimal``); duplicate keys, ``NaN``/``Infinity``
    and a top level that is not an object are errors.
    """
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant,
                          object_pairs_hook=_pairs)
    except json.JSONDecodeError as error:
        raise ConfigError(f'{source}: invalid JSON at line {error.lineno} column '
                          f'{error.colno}: {error.msg}') from None
    except _Duplicate as error:
        raise ConfigError(f'{source}: {error.args[0]}: key given twice') from None
    except ValueError as error:
        raise ConfigError(f'{source}: invalid JSON: {error}') from None
    if not isinstance(data, dict):
        raise ConfigError(f'{source}: {what} must be a JSON object; got {show(data)}')
    return data


def load_json_file(path: str | Path, *, what: str = 'the configuration') -> dict[str, Any]:
    """Read a file holding one JSON object (not yet checked against a schema)."""
    try:
        text = Path(path).read_text(encoding='utf-8')
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f'{path}: cannot read {what}: '
                          f'{getattr(error, "strerror", None) or error}') from None
    return loads_json(text, source=str(path), what=what)


# ---------------------------------------------------------------------------
# Documentation
# ---------------------------------------------------------------------------


def markdown_rows(keys: Iterable[Key], prefix: str = '', wiki: bool = True) -> list[list[str]]:
    """One table row per key (nested objects' keys follow their parent's row)."""
    rows = []
    for key in keys:
        name = f'{prefix}{key.name}'
        spec = key.spec
        if key.required:
            default = '*required*'
        elif isinstance(spec, Obj):
            default = 'see below'
        else:
            default = f'`{key.default_text or json.dumps(key.default, ensure_ascii=False)}`'
        allowed = wiki and key.wiki
        rows.append([f'`{name}`', spec.type_name(), default,
                     spec.range_text().replace('|', '\\|'), 'yes' if allowed else 'no',
                     key.doc.replace('|', '\\|')])
        inner = spec.item if isinstance(spec, ListOf) else spec
        if isinstance(inner, Obj):
            sub = f'{name}[].' if isinstance(spec, ListOf) else f'{name}.'
            rows.extend(markdown_rows(inner.keys, sub, allowed))
    return rows
