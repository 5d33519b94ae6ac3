"""The queue of waiting orders (`ecommerce_queue`): written by the import with the orders, from the same columns.

A narrow row per waiting order (id, hub, regime, ready time, volume, weight, promised date, other trains allowed):
what a consolidation needs to choose orders. Loading deletes it; the order row itself is not rewritten.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from landbridge.ecommerce.models import QUEUE

# queue column: stored order column it is copied from
COLUMNS = {
    "order_id": "id",
    "hub": "hub",
    "regime": "regime",
    "ready_at": "ready_at",
    "volume_m3": "volume_m3",
    "weight_kg": "weight_kg",
    "promised_by": "promised_by",
    "allow_other_trains": "allow_other_trains",
}


COPY_SQL = f"COPY {QUEUE.name} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)"  # PostgreSQL


def utc_text(times: np.ndarray) -> pa.Array:
    """UTC times (numpy datetime64, no zone) as text with the zone for COPY (`2027-01-01 08:30:00Z`): pyarrow
    writes a timestamp with a zone to CSV about 20 times slower (about 0.9 us a value, through the time zone
    database even for UTC) than it turns a naive one into text."""
    import pyarrow.compute as pc

    out: pa.Array = pc.binary_join_element_wise(pc.cast(pa.array(times), pa.string()), "Z", "")
    return out


def copy_payload(cols: dict[str, np.ndarray]) -> bytes:
    """The queue rows of the new orders `cols` (as `enqueue` takes them) as CSV for COPY_SQL (PostgreSQL)."""
    import pyarrow.csv as pcsv

    table = pa.table(
        {
            "order_id": pa.array(cols["id"], pa.string()),
            "hub": pa.array(cols["hub"], pa.string()),
            "regime": pa.array(cols["regime"], pa.string()),
            "ready_at": utc_text(cols["ready_at"]),
            "volume_m3": pa.array(cols["volume_m3"]),
            "weight_kg": pa.array(cols["weight_kg"]),
            "promised_by": pa.array(cols["promised_by"]),
            "allow_other_trains": pa.array(cols["allow_other_trains"], pa.bool_()),
        }
    )
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    out: bytes = sink.getvalue().to_pybytes()
    return out


def enqueue(s: Session, cols: dict[str, np.ndarray]) -> None:
    """Queue the new orders of an import chunk: `cols` are their stored columns as the import writes them
    (ready_at as datetime64[s], promised_by as datetime64[D]), in the caller's transaction."""
    if not len(cols["id"]):
        return
    raw: Any = s.connection().connection.driver_connection
    names = ", ".join(COLUMNS)
    if s.get_bind().dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(COPY_SQL) as cp:
            cp.write(copy_payload(cols))
        return
    # SQLite: times as the text SQLAlchemy stores (`YYYY-MM-DD HH:MM:SS.ffffff`), days as ISO dates
    ready = [t.replace("T", " ") + ".000000" for t in np.datetime_as_string(cols["ready_at"], unit="s").tolist()]
    cur = raw.cursor()
    cur.executemany(
        f"INSERT INTO {QUEUE.name} ({names}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        zip(
            cols["id"].tolist(),
            cols["hub"].tolist(),
            cols["regime"].tolist(),
            ready,
            cols["volume_m3"].tolist(),
            cols["weight_kg"].tolist(),
            np.datetime_as_string(cols["promised_by"]).tolist(),
            cols["allow_other_trains"].tolist(),
        ),
    )
    cur.close()
