"""The one way in for data files: locate (user directory first, then the shipped defaults), parse and
validate, naming the file, the entry and the field when something is wrong."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from landbridge.errors import DataError

DEFAULT_DATA_DIR = Path(__file__).parent / "data"
M = TypeVar("M", bound=BaseModel)
# Parsed YAML documents by (path, the file's bytes), for the life of the process: the loaders and
# reliability.data_hash read the same files, and parsing is most of the cost of reading them. Keyed by the
# bytes themselves (not mtime, which a quick rewrite of the same size can leave unchanged), so a changed file
# is always parsed again. The documents are shared: callers must not mutate them.
_PARSED: dict[tuple[str, bytes], dict[str, Any]] = {}
_PARSED_MAX = 256


class DataSource:
    """Where data files come from: an optional user directory overlaid on the shipped defaults.

    A file present in the user directory replaces the default file of the same name, so a user can
    change one table (say, tariffs.yaml) and keep the rest.
    """

    def __init__(self, user_dir: str | Path | None = None):
        user_dir = user_dir or os.environ.get("LANDBRIDGE_DATA_DIR") or None
        self.user_dir = Path(user_dir) if user_dir else None
        if self.user_dir is not None and not self.user_dir.is_dir():
            raise DataError(str(self.user_dir), "data directory not found; pass an existing folder")

    def path(self, name: str) -> Path:
        """The file to read: the user directory's copy when it has one, else the shipped one."""
        if self.user_dir is not None and (self.user_dir / name).exists():
            return self.user_dir / name
        return DEFAULT_DATA_DIR / name

    def display(self, name: str) -> str:
        """How error messages name the file: its path in the user directory, or data/NAME."""
        p = self.path(name)
        return str(p) if self.user_dir is not None and p.is_relative_to(self.user_dir) else f"data/{name}"

    def yaml(self, name: str, optional: bool = False) -> dict[str, Any]:
        """A YAML file as a mapping ({} when `optional` and missing); DataError with line and column otherwise.

        The mapping is shared with every other reader of the same bytes in this process (parsed once): read
        it, copy what you change, never mutate it."""
        p = self.path(name)
        if not p.exists():
            if optional:
                return {}
            raise DataError(self.display(name), "file not found")
        raw = p.read_bytes()
        key = (str(p), raw)
        doc = _PARSED.get(key)
        if doc is not None:
            return doc
        import yaml  # here, not at the top: a quote answered from the compiled world parses no YAML

        # libyaml's parser when PyYAML was built with it: about ten times faster than the pure-Python one.
        loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            parsed = yaml.load(raw.decode("utf-8"), Loader=loader)  # a safe loader (C or Python)
        except UnicodeDecodeError as exc:
            raise DataError(self.display(name), f"not valid UTF-8 at byte {exc.start}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise DataError(self.display(name), f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(parsed, dict):
            raise DataError(self.display(name), "expected a mapping at the top level")
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()  # bounded: a long-lived process reading many versions of its files
        _PARSED[key] = parsed
        return parsed

    def csv_rows(self, name: str) -> tuple[list[dict[str, str]], str]:
        """Rows of a CSV file whose leading '# ...' lines are comments (the first names the source)."""
        p = self.path(name)
        if not p.exists():
            raise DataError(self.display(name), "file not found")
        text = p.read_text(encoding="utf-8")
        lines = text.splitlines()
        comments = [ln for ln in lines if ln.startswith("#")]
        body = "\n".join(ln for ln in lines if not ln.startswith("#"))
        source = comments[0].lstrip("# ").removeprefix("source:").strip() if comments else ""
        return list(csv.DictReader(io.StringIO(body))), source


def validate_entries(
    file: str, entries: Any, model: type[M], key: str = "id", section: str = "entries", unique: bool = True
) -> list[M]:
    """Validate a list of mappings with a pydantic model; the first error names entry and field."""
    if not isinstance(entries, list):
        raise DataError(file, f"expected a list under {section!r}")
    out: list[M] = []
    seen: set[str] = set()
    for index, raw in enumerate(entries):
        label = f"#{index + 1}"
        if isinstance(raw, dict) and raw.get(key) is not None:
            label = str(raw.get(key))
        elif isinstance(raw, dict) and raw.get("from") is not None:
            label = f"{raw.get('from')}|{raw.get('to')}"
        if not isinstance(raw, dict):
            raise DataError(file, "expected a mapping", entry=label)
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or None
            raise DataError(file, err["msg"], entry=label, field=field) from None
        ident = getattr(item, key, None) if unique else None
        if ident is not None:
            if ident in seen:
                raise DataError(file, "duplicate id; ids must be unique", entry=str(ident), field=key)
            seen.add(ident)
        out.append(item)
    return out


def require_known(file: str, entry: str, field: str, value: str, known: Collection[str]) -> None:
    """Raise DataError (with did-you-mean) unless `value` is in `known` (pass a set when checking many)."""
    if value in known:
        return
    from landbridge.errors import did_you_mean

    hint = did_you_mean(value, known)
    extra = f"; did you mean {', '.join(hint)}?" if hint else ""
    raise DataError(file, f"unknown place {value!r}{extra}", entry=entry, field=field)
