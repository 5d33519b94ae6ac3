"""Find places by what users type: id, name, alias, UN/LOCODE or IATA code, with "did you mean"."""

from __future__ import annotations

import re
import unicodedata

from landbridge.errors import UnknownPlaceError, did_you_mean
from landbridge.network.models import Network, Place

# When a name fits several places, the one a shipper most likely means comes first.
KIND_PRIORITY = {"city": 0, "hub": 0, "terminal": 1, "port": 2, "airport": 3, "border": 4, "junction": 5}


# ASCII text: lower-case letters and digits kept, everything else a separator (what the general rule gives).
_ASCII_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def normalise(text: str) -> str:
    """A search key: accents dropped, case folded, punctuation to single spaces. Letters of every script
    are kept, so Chinese and Russian names (重庆, Москва) are keys too."""
    if text.isascii():  # most keys: the same result without Unicode decomposition (much faster)
        return " ".join(text.lower().translate(_ASCII_SPACES).split())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("ß", "ss")
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


class PlaceIndex:
    def __init__(self, network: Network):
        self.network = network
        self._by_key: dict[str, list[Place]] = {}
        for p in network.places.values():
            keys = {p.id, p.name, *p.aliases}
            if p.unlocode:
                keys.add(p.unlocode)
            if p.iata:
                keys.add(p.iata)
            for k in keys:
                self._by_key.setdefault(normalise(k), []).append(p)
        for lst in self._by_key.values():
            lst.sort(key=lambda p: (KIND_PRIORITY.get(p.kind, 9), p.id))
        self._display_names = sorted(
            {p.name for p in network.places.values()} | {p.id for p in network.places.values()}
        )

    def find(self, query: str) -> Place:
        if query in self.network.places:
            return self.network.places[query]
        hits = self._by_key.get(normalise(query))
        if hits:
            return hits[0]
        names = [p.name for p in self.network.places.values()]
        suggestions = did_you_mean(query, names, n=3)
        if not suggestions:
            norm = normalise(query)
            close = did_you_mean(norm, list(self._by_key), n=3)
            suggestions = [self._by_key[c][0].name for c in close]
        raise UnknownPlaceError(query, suggestions)
