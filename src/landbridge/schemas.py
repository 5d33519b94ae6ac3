"""Shared base of request bodies (every domain's schemas): unknown fields rejected, whitespace stripped,
text every database can store."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def clean_text(v: Any) -> Any:
    """Strings every database can store: no NUL characters, no lone surrogates."""
    if isinstance(v, str):
        if "\x00" in v:
            raise ValueError("text must not contain NUL characters")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(v, list):
        for x in v:
            clean_text(x)
    return v


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        return clean_text(v)
