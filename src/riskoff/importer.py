"""Import a user's own ``date,value`` CSV into the store, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

from riskoff.catalog import ASSET_CLASSES, FREQUENCIES, SeriesSpec, load_catalog
from riskoff.checks import UNIT_CONVERSIONS, clean_observations, read_user_csv, show
from riskoff.errors import DataError
from riskoff.store import Store, WriteResult, default_store

# Ids become column names and file names: printable, no spaces, not too long.
_SERIES_ID = re.compile(r"[A-Za-z0-9^][A-Za-z0-9_.^=-]{0,63}")


def check_series_id(series_id: str) -> str:
    """Return ``series_id`` if it can name a series, else raise a DataError saying why."""
    if not series_id.strip():
        raise DataError("the series id is empty: pass --series ID")
    if not _SERIES_ID.fullmatch(series_id):
        raise DataError(
            f"series id {show(series_id)} is not usable: letters, digits and _ . ^ = - only, "
            "up to 64 characters"
        )
    return series_id


def import_csv(
    path: Path,
    series_id: str,
    unit: str | None = None,
    name: str | None = None,
    frequency: str = "daily",
    asset_class: str = "equity",
    store: Store | None = None,
    date_format: str | None = None,
) -> WriteResult:
    """Validate ``path`` and write it to ``series_id`` in one transaction (one undo step).

    Parameters
    ----------
    path : Path
        CSV with a ``date,value`` header, UTF-8.
    series_id : str
        A catalog id, an id defined earlier, or a new id when ``name`` is given.
    unit : str, optional
        The file's unit; converted to the series unit when a conversion is known
        (``USD mn`` to ``USD bn``, ``bp`` to ``percent`` ...), an error otherwise.
    name, frequency, asset_class : str
        Define a new series of the user's own (only with ``name``); ``frequency`` is one of
        :data:`riskoff.catalog.FREQUENCIES`, ``asset_class`` one of
        :data:`riskoff.catalog.ASSET_CLASSES`.
    store : Store, optional
        Target store.
    date_format : str, optional
        ``strftime`` format of non-ISO dates, e.g. ``%d/%m/%Y``; without it only ISO dates.

    Returns
    -------
    WriteResult
        Rows added, revised and unchanged.

    Raises
    ------
    DataError
        On any problem with the file or the options; the store is left unchanged.
    """
    check_series_id(series_id)
    store = store or default_store()
    own = store.user_series()
    if series_id not in load_catalog() and series_id not in own:
        if name is None:
            raise DataError(
                f"{path}: unknown series id {show(series_id)}; to add a series of your own, "
                "pass --name (and --unit, --frequency)"
            )
        if frequency not in FREQUENCIES:
            raise DataError(f"frequency {show(frequency)} is not one of: {', '.join(FREQUENCIES)}")
        if asset_class not in ASSET_CLASSES:
            raise DataError(
                f"asset class {show(asset_class)} is not one of: {', '.join(ASSET_CLASSES)}"
            )
        spec = SeriesSpec(
            id=series_id,
            name=name,
            asset_class=asset_class,
            unit=unit or "unknown",
            frequency=frequency,
            publication_lag_days=0,
            source="user",
            native_id=series_id,
            user_defined=True,
        )
        raw = read_user_csv(path, series_id)
        frame = clean_observations(
            raw, series_id, str(path), unit=spec.unit, date_format=date_format
        )
        with store.operation():
            return store.write(series_id, frame, source=f"user:{path.name}", spec=spec)
    spec = store.spec(series_id)
    raw = read_user_csv(path, series_id)
    factor = 1.0
    if unit is not None and unit != spec.unit:
        if (unit, spec.unit) not in UNIT_CONVERSIONS:
            raise DataError(
                f"{path}: series {series_id}: unit {show(unit)} does not match the catalog unit "
                f"{spec.unit!r} and riskoff knows no conversion"
            )
        factor = UNIT_CONVERSIONS[(unit, spec.unit)]
    reference = store.series_values(series_id)
    # Bounds and the unit check apply after the declared conversion, against what is stored.
    frame = clean_observations(
        raw,
        series_id,
        str(path),
        reference=reference,
        unit=spec.unit,
        date_format=date_format,
        scale=factor,
    )
    with store.operation():
        return store.write(series_id, frame, source=f"user:{path.name}", spec=spec)
