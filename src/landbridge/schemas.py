"""Shared base of request bodies (every domain's schemas): unknown fields rejected, whitespace stripped, JSON
types taken as they are (no `true` for a number, no `"1"` for an integer), and text every database and every
document can hold."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

#: Invisible characters that reorder text (Trojan Source, CVE-2021-42574): never in a one-line field.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
LINE_BREAKS = frozenset("\t\n\r")
# The characters refused (Unicode category Cc is U+0000-U+001F and U+007F-U+009F), found in one regex pass instead
# of a Python loop over the characters: a request's text fields are checked on every request.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REFUSED_MULTILINE = re.compile(f"[{_CONTROL}]")
_REFUSED_ONE_LINE = re.compile(f"[{_CONTROL}\t\n\r{''.join(sorted(BIDI_CONTROLS))}]")


def clean_text(v: Any, multiline: bool = False) -> Any:
    """Strings every database can store and every document can print: no NUL or other control characters
    (tab and line breaks only where `multiline`), no lone surrogates, no bidirectional controls in one-line
    text. Lists are checked item by item."""
    if isinstance(v, str):
        if "\x00" in v:
            raise ValueError("text must not contain NUL characters")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
        bad = (_REFUSED_MULTILINE if multiline else _REFUSED_ONE_LINE).search(v)  # the first refused character
        if bad is not None:
            ch = bad.group()
            if ch in BIDI_CONTROLS:
                raise ValueError(f"text must not contain bidirectional control characters (found U+{ord(ch):04X})")
            what = "line breaks or tabs" if ch in LINE_BREAKS else "control characters"
            raise ValueError(f"text must not contain {what} (found U+{ord(ch):04X})")
    elif isinstance(v, list):
        for x in v:
            clean_text(x, multiline)
    return v


def _base_types(annotation: Any) -> set[type]:
    """The plain types an annotation admits (`int | None` -> {int, NoneType}); unknown shapes give {object}."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        out: set[type] = set()
        for a in get_args(annotation):
            out |= _base_types(a)
        return out
    if origin is not None and getattr(origin, "__name__", "") == "Annotated":
        return _base_types(get_args(annotation)[0])
    if isinstance(annotation, type):
        return {annotation}
    return {object}


def _json_type_error(kinds: set[type], v: Any) -> str | None:
    """Why `v` is the wrong JSON type for a field of `kinds`, or None when it fits (pydantic checks the rest)."""
    if object in kinds or v is None:
        return None
    if isinstance(v, bool):
        return None if bool in kinds else "must not be true or false"
    if kinds & {int, float} and not kinds & {str, date, datetime}:
        if isinstance(v, str):
            return "must be a JSON number, not text"
        if int in kinds and float not in kinds and isinstance(v, float):
            return "must be a whole number without a decimal point"
    if kinds & {date, datetime} and isinstance(v, int | float):
        return "must be an ISO 8601 date as text, e.g. 2026-12-07"
    return None


_KINDS: dict[tuple[type[BaseModel], str], set[type] | None] = {}


def _field_kinds(model: type[BaseModel], name: str) -> set[type] | None:
    """`_base_types` of a field's annotation, worked out once per model and field (None: no such field)."""
    key = (model, name)
    if key not in _KINDS:
        field = model.model_fields.get(name)
        _KINDS[key] = _base_types(field.annotation) if field is not None else None
    return _KINDS[key]


class Strict(BaseModel):
    """Base of request bodies. Fields named in `multiline` may hold tabs and line breaks (addresses, notes)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, v: Any, info: ValidationInfo) -> Any:
        kinds = _field_kinds(cls, info.field_name or "")
        if kinds is not None:
            problem = _json_type_error(kinds, v)
            if problem:
                raise ValueError(problem)
        return v

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, v: Any, info: ValidationInfo) -> Any:
        return clean_text(v, multiline=info.field_name in cls.multiline)


# ---- the same validation, less of it in Python, where the Python checks cannot refuse anything --------------
# Node types of a model's validation schema that PlainJson supports: in strict JSON mode they accept a subset of
# what the lax mode accepts from json.loads' objects, with the same value (a JSON integer for a float gives the
# same float, a string the same string). Anything else (dates, dicts, unions of several types, before-validators
# other than Strict's) is refused when PlainJson is built: say what it does there before adding it.
_PLAIN_NODES = frozenset(
    {
        "model",
        "model-fields",
        "model-field",
        "definitions",
        "definition-ref",
        "default",
        "nullable",
        "list",
        "str",
        "int",
        "float",
        "bool",
        "literal",
        "function-after",
    }
)
_STRICT_CHECKS = frozenset({Strict._json_types.__func__, Strict._clean.__func__})  # type: ignore[attr-defined]


def _without_strict_checks(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a core schema without Strict's two Python field validators; TypeError for a node PlainJson does
    not support."""
    kind = node.get("type")
    if kind in ("function-before", "function-after") and (
        getattr(node["function"]["function"], "__func__", None) in _STRICT_CHECKS
    ):
        return _without_strict_checks(node["schema"])
    if kind not in _PLAIN_NODES:
        raise TypeError(f"PlainJson does not support schema nodes of type {kind!r}")
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in _OPAQUE or not isinstance(v, dict | list):
            out[k] = v
        elif k == "fields" and isinstance(v, dict):
            out[k] = {name: _without_strict_checks(f) for name, f in v.items()}
        elif k == "computed_fields" and not v:
            out[k] = v
        elif isinstance(v, list):
            out[k] = [_without_strict_checks(x) for x in v]
        else:
            out[k] = _without_strict_checks(v)
    return out


# Members of a schema node that are values, not schemas.
_OPAQUE = frozenset({"cls", "config", "function", "metadata", "serialization", "default", "expected"})


_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|["\\/])')  # the JSON escapes that may stand for a character kept


def _plain_text(text: str) -> bool:
    """No string in the JSON `text` can hold a character Strict refuses: none in the text, and every escape is
    one of `\\"`, `\\\\`, `\\/` or a `\\uXXXX` of a character kept (not a surrogate: pairs are left to the usual
    way). In valid JSON every backslash starts an escape, read left to right as here; invalid JSON is refused
    later anyway."""
    if _REFUSED_ONE_LINE.search(text) is not None:
        return False
    backslashes = text.count("\\")
    if not backslashes:
        return True
    for m in _ESCAPE.finditer(text):
        code = m.group(1)
        if code is not None:
            ch = chr(int(code, 16))
            if "\ud800" <= ch <= "\udfff" or _REFUSED_ONE_LINE.match(ch) is not None:
                return False
        backslashes -= m.group().count("\\")
    return backslashes == 0


class PlainJson:
    """Validation of a Strict model's JSON body, without its per-field Python checks where they cannot refuse
    anything: about 6 µs instead of 40 for a booking (two Python calls per field, 16 fields).

    Strict's checks refuse JSON types pydantic's lax mode would convert (`_json_types`) and text with control
    or bidirectional characters or lone surrogates (`_clean`). When the body's text holds none of the refused
    characters and no escape that stands for one (so no string in it can), and pydantic's strict JSON mode
    (which converts no types) accepts it, both checks would have passed: the model is the one
    `model.model_validate(json.loads(raw))` gives, built by the same schema minus those two checks (the other
    validators run). Otherwise `validate` answers None and the caller validates the usual way, which gives
    every answer, errors included. tests/test_plain_json.py checks the equivalence."""

    def __init__(self, model: type[Strict]) -> None:
        from pydantic_core import SchemaValidator

        self.model = model
        # not the model's own validator, which a schema naming its class would otherwise reuse. `_use_prebuilt` is
        # pydantic-core's private flag: if a release drops it, this shortcut turns itself off (every body then
        # takes the usual validation) instead of the application failing to import.
        schema = _without_strict_checks(model.__pydantic_core_schema__)  # TypeError for nodes it does not cover
        try:
            self._validator: Any = SchemaValidator(schema, _use_prebuilt=False)
        except TypeError:
            self._validator = None

    def validate(self, raw: bytes) -> Any:
        """The model for `raw`, or None when this cannot tell."""
        from pydantic import ValidationError

        if self._validator is None:
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if not _plain_text(text):
            return None
        try:
            return self._validator.validate_json(raw, strict=True)
        except ValidationError:
            return None
