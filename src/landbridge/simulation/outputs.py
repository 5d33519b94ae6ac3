"""Writing a run's outputs: kpis.json, CSV tables and charts, into a folder that appears whole or not at
all. Everything is written into a temporary folder beside the target and renamed into place at the
end; a failed run removes it. An existing target is replaced only if it is empty or holds a previous
`landbridge simulate` output (it has the marker file), never a user's other files."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landbridge.errors import LandbridgeError

if TYPE_CHECKING:
    from landbridge.simulation.kpis import RunResult

MARKER = ".landbridge-simulation"


def check_target(out: Path) -> None:
    """Refuse before running if the output folder cannot be (re)placed. Missing parent folders are fine
    (`staged_dir` creates them) as long as the nearest existing one is a folder."""
    out = Path(out)
    ancestor = out.resolve().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise LandbridgeError(f"--out {out}: {ancestor} is a file, not a folder; choose another path.")
    if out.exists():
        if not out.is_dir():
            raise LandbridgeError(
                f"--out {out} is a file; give a folder (new, empty, or an earlier simulation output)."
            )
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise LandbridgeError(
                f"--out {out} is a folder with other files in it; give a new or empty folder, or one written by an "
                "earlier `landbridge simulate` (those are replaced)."
            )


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; returns those created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for d in reversed(missing):
        d.mkdir()
    return list(reversed(missing))


@contextmanager
def staged_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to `out` (its missing parents are created); on success it replaces
    `out`, on failure it is removed, and so are the parents it created."""
    out = Path(out)
    check_target(out)
    created = _make_parents(out.resolve().parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.resolve().parent))
    except BaseException:
        _remove_empty(created)
        raise
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; the output is an ordinary folder
    try:
        yield tmp
        (tmp / MARKER).write_text("written by landbridge simulate; the folder is replaced by the next run\n")
        check_target(out)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.resolve().parent))
            old.rmdir()
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(created)
        raise


def _remove_empty(folders: list[Path]) -> None:
    for d in reversed(folders):  # innermost first
        try:
            d.rmdir()
        except OSError:
            break  # something else was put there meanwhile: leave it


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """`doc` as indented UTF-8 JSON; NaN and infinities become null."""
    path.write_text(json.dumps(_clean(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def write_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows as CSV with the first row's keys as header (an empty file for no rows); None is written empty."""
    with path.open("w", newline="", encoding="utf-8") as f:
        if not rows:
            f.write("")
            return
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})


def write_run(folder: Path, kpis: dict[str, Any], results: Sequence[RunResult], charts: bool = True) -> list[str]:
    """kpis.json, the CSV tables of the first replication (plus replications.csv) and the charts."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "kpis.json", kpis)
    first = results[0]
    for name, rows in first.tables.items():
        write_csv(folder / f"{name}.csv", rows)
    if len(results) > 1:
        write_csv(
            folder / "replications.csv",
            [{"seed": r.seed, **r.kpis["summary"]} for r in results],
        )
    files = sorted(p.name for p in folder.iterdir())
    if charts:
        from landbridge.simulation.charts import write_charts

        files += write_charts(folder, kpis, first)
    return sorted(set(files))
