"""Texts of the consumption export (CSV): its column names and its file name."""

from __future__ import annotations

from domain.base import Language

FI, SV, EN = Language.FI, Language.SV, Language.EN

TEXTS: dict[str, dict[Language, str]] = {
    "export.column.local_start": {
        FI: "Alku (Suomen aika)",
        SV: "Början (finsk tid)",
        EN: "Start (Finnish time)",
    },
    "export.column.utc_start": {
        FI: "Alku (UTC)",
        SV: "Början (UTC)",
        EN: "Start (UTC)",
    },
    "export.column.kwh": {
        FI: "Kulutus (kWh)",
        SV: "Förbrukning (kWh)",
        EN: "Consumption (kWh)",
    },
    "export.column.quality": {
        FI: "Laatu",
        SV: "Kvalitet",
        EN: "Quality",
    },
    "export.column.unit_price": {
        FI: "Energian hinta (snt/kWh)",
        SV: "Energipris (c/kWh)",
        EN: "Energy price (c/kWh)",
    },
    "export.column.cost": {
        FI: "Energiakustannus (EUR)",
        SV: "Energikostnad (EUR)",
        EN: "Energy cost (EUR)",
    },
    "export.filename": {
        FI: "kulutus-{metering_point}-{first}-{last}-{resolution}.csv",
        SV: "forbrukning-{metering_point}-{first}-{last}-{resolution}.csv",
        EN: "consumption-{metering_point}-{first}-{last}-{resolution}.csv",
    },
}
