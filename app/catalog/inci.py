"""What an INCI list says about a product's irritant flags (API: flags "also set when the INCI
list names them"). Pure data and functions, shared by the catalog service and the seed check."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FRAGRANCE = frozenset({"parfum", "fragrance", "aroma"})
DRYING_ALCOHOL = frozenset({"alcohol denat.", "alcohol denat", "alcohol", "ethanol"})
SCRUB_SUFFIXES = ("shell powder", "pit powder", "pumice", "polyethylene beads")
SCRUB_NAMES = frozenset({"pumice", "polyethylene", "jojoba esters beads", "sucrose crystals"})
# genera whose distilled or expressed oils are essential oils; their seed oils are carrier oils
ESSENTIAL_OIL_GENERA = frozenset(
    {
        "anthemis", "artemisia", "boswellia", "cananga", "cinnamomum", "citrus", "cupressus",
        "cymbopogon", "eucalyptus", "eugenia", "hyssopus", "jasminum", "juniperus", "lavandula",
        "matricaria", "melaleuca", "mentha", "origanum", "pelargonium", "petroselinum",
        "rosmarinus", "ruta", "salvia", "santalum", "thymus",
    }
)  # fmt: skip
_SEED_OIL_EXCEPTIONS = frozenset({"petroselinum"})  # parsley seed oil is an essential oil


def _key(name: str) -> str:
    return " ".join(name.strip().lower().split())


def is_essential_oil(name: str) -> bool:
    key = _key(name)
    if not key.endswith(" oil") or "extract" in key:
        return False
    genus = key.split(" ", 1)[0]
    if genus not in ESSENTIAL_OIL_GENERA:
        return False
    return "seed oil" not in key or genus in _SEED_OIL_EXCEPTIONS


def is_scrub(name: str) -> bool:
    key = _key(name)
    return key in SCRUB_NAMES or key.endswith(SCRUB_SUFFIXES)


@dataclass(frozen=True, slots=True)
class InciFlags:
    fragrance: bool
    essential_oils: bool
    alcohol_denat: bool
    physical_scrub: bool


def flags_from_inci(inci: Iterable[str]) -> InciFlags:
    keys = [_key(name) for name in inci]
    return InciFlags(
        fragrance=any(key in FRAGRANCE for key in keys),
        essential_oils=any(is_essential_oil(key) for key in keys),
        alcohol_denat=any(key in DRYING_ALCOHOL or key.startswith("sd alcohol") for key in keys),
        physical_scrub=any(is_scrub(key) for key in keys),
    )
