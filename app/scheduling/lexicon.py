"""The ingredient lexicon: what the words on a label (INCI entries, declared active names) name.

The one word list of the project. The engine classifies products with it (classify.py), and the
catalogue derives a product's flags (fragrance, essential oils, denatured alcohol, physical scrub)
from its INCI list with it when a product is created or seeded (`flags_from_inci`), so the two
never disagree about an ingredient. It lives in the engine because the engine imports nothing
from the rest of the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from typing import NamedTuple

# Everything the label is searched for: key -> the phrases that name it. A phrase matches whole
# words (so "rue" is not found in "true"), within one INCI entry or declared active name.
LABEL_TERMS: dict[str, tuple[str, ...]] = {
    # retinoids, strongest first (R5)
    "trifarotene": ("trifarotene",),
    "tazarotene": ("tazarotene",),
    "tretinoin": ("tretinoin", "retinoic acid"),
    "adapalene": ("adapalene",),
    "retinaldehyde": ("retinal", "retinaldehyde"),
    "retinol": ("retinol",),
    "retinyl_ester": (
        "retinyl palmitate",
        "retinyl acetate",
        "retinyl propionate",
        "retinyl linoleate",
        "retinoate",
    ),
    # P7: essential oils to avoid in pregnancy
    "wormwood": ("wormwood", "artemisia absinthium"),
    "rue": ("ruta graveolens", "rue oil", "rue extract", "rue leaf"),
    "oakmoss": ("oakmoss", "oak moss", "evernia prunastri"),
    "lavandula_stoechas": ("lavandula stoechas",),
    "camphor": ("camphor", "cinnamomum camphora"),
    "parsley_seed": ("parsley seed", "petroselinum crispum", "petroselinum sativum"),
    # clary sage (Salvia sclarea) counts: the safer reading of "sage"
    "sage": ("sage", "salvia"),
    "hyssop": ("hyssop", "hyssopus"),
    # S1: rosacea irritants (AAD 2024, NRS survey); camphor is above
    # denatured alcohol and plain ethanol (INCI "Alcohol", below), never the fatty alcohols
    # (cetyl, cetearyl, stearyl alcohol: emollients) or benzyl alcohol (a preservative)
    "alcohol_denat": (
        "alcohol denat",
        "sd alcohol",
        "denatured alcohol",
        "ethanol",
        "ethyl alcohol",
    ),
    "fragrance": ("fragrance", "parfum", "aroma"),
    "glycolic_acid": ("glycolic acid",),
    "lactic_acid": ("lactic acid",),
    "menthol": ("menthol",),
    "sodium_lauryl_sulfate": ("sodium lauryl sulfate", "sodium lauryl sulphate"),
    "urea": ("urea",),
    "witch_hazel": ("witch hazel", "hamamelis"),
    "peppermint": ("peppermint", "mentha piperita"),
    "eucalyptus": ("eucalyptus",),
    # everything else a label can reveal; colour index numbers ("CI 77491") are dyes too
    "dye": ("fd&c", "d&c"),
    "benzoyl_peroxide": ("benzoyl peroxide",),
    "hydroquinone": ("hydroquinone",),
    "exosome": ("exosome", "exosomes", "extracellular vesicle", "extracellular vesicles"),
    "copper_peptide": ("copper tripeptide", "copper peptide", "copper peptides", "ghk-cu"),
    "niacinamide": ("niacinamide",),
    "panthenol": ("panthenol",),
    "azelaic_acid": ("azelaic acid",),
}
# Names that begin with a term's phrase but name something else: skipped where they match.
# Chia (Salvia hispanica) is a Salvia, but its seed oil is a fixed food oil with no essential
# oil in it; P7's "sage" is the thujone-bearing sage oils (Salvia officinalis, clary sage...).
LABEL_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "sage": ("salvia hispanica",),
}
_WORD = re.compile(r"[a-z0-9&]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _index(terms: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """first word -> [(the words that must follow, key)]"""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for key, phrases in terms.items():
        for phrase in phrases:
            first, *rest = _words(phrase)
            index.setdefault(first, []).append((tuple(rest), key))
    return index


# one-word INCI entries that name a key only alone: INCI "Alcohol" is ethanol, while "Cetyl Alcohol"
# is a fatty alcohol
_WHOLE_ENTRIES = {"alcohol": "alcohol_denat"}

# Entry rules besides the phrases (keys label_terms adds for them):
ESSENTIAL_OIL = "essential_oil"
PHYSICAL_SCRUB = "physical_scrub"
# genera whose distilled or expressed oils are essential oils; their seed oils are carrier oils
ESSENTIAL_OIL_GENERA = frozenset(
    {
        "anthemis", "artemisia", "boswellia", "cananga", "cinnamomum", "citrus", "cupressus",
        "cymbopogon", "eucalyptus", "eugenia", "hyssopus", "jasminum", "juniperus", "lavandula",
        "matricaria", "melaleuca", "mentha", "origanum", "pelargonium", "petroselinum",
        "rosmarinus", "ruta", "salvia", "santalum", "thymus",
    }
)  # fmt: skip
_SEED_OIL_GENERA = frozenset({"petroselinum"})  # parsley seed oil is an essential oil
SCRUB_NAMES = frozenset({"pumice", "polyethylene", "jojoba esters beads", "sucrose crystals"})
SCRUB_SUFFIXES = ("shell powder", "pit powder", "pumice", "polyethylene beads")
_SCRUB_ENDINGS = frozenset(name.split()[-1] for name in (*SCRUB_NAMES, *SCRUB_SUFFIXES))
# the last word of any entry an entry rule can match
_ENTRY_ENDINGS = frozenset({*_WHOLE_ENTRIES, "oil", *_SCRUB_ENDINGS})

_PHRASES = _index(LABEL_TERMS)
_EXCEPTIONS = _index(LABEL_EXCEPTIONS)


def _matches(words: list[str], index: int, rest: tuple[str, ...]) -> bool:
    return tuple(words[index + 1 : index + 1 + len(rest)]) == rest


def label_terms(names: Iterable[str]) -> set[str]:
    """The keys of `LABEL_TERMS` named in any of `names` (INCI entries, active names), and the
    keys of the entry rules: a bare "Alcohol", an essential oil (ESSENTIAL_OIL), a scrub
    (PHYSICAL_SCRUB)."""
    found = set()
    for name in names:
        words = _words(name)
        if not words:
            continue
        for index, word in enumerate(words):
            excepted = (
                {key for rest, key in _EXCEPTIONS[word] if _matches(words, index, rest)}
                if word in _EXCEPTIONS
                else ()
            )
            for rest, key in _PHRASES.get(word, ()):
                if key not in excepted and _matches(words, index, rest):
                    found.add(key)
            if word == "ci":
                following = words[index + 1] if index + 1 < len(words) else ""
                if len(following) == 5 and following.isdigit():
                    found.add("dye")
        last = words[-1]
        if last not in _ENTRY_ENDINGS:
            continue  # most entries: one lookup rules out every entry rule
        if len(words) == 1 and last in _WHOLE_ENTRIES:
            found.add(_WHOLE_ENTRIES[last])
        if last == "oil" and _essential_oil(words):
            found.add(ESSENTIAL_OIL)
        if last in _SCRUB_ENDINGS and _scrub(words):
            found.add(PHYSICAL_SCRUB)
    return found


def _essential_oil(words: list[str]) -> bool:
    """A distilled or expressed oil of an essential-oil genus ("Lavandula Angustifolia Oil"), not
    its extract nor its seed oil, which is a carrier oil (parsley seed oil excepted)."""
    genus = words[0]
    if len(words) < 2 or genus not in ESSENTIAL_OIL_GENERA or "extract" in " ".join(words):
        return False
    seed_oil = any(a == "seed" and b == "oil" for a, b in zip(words, words[1:], strict=False))
    return not seed_oil or genus in _SEED_OIL_GENERA


def _scrub(words: list[str]) -> bool:
    key = " ".join(words)
    return key in SCRUB_NAMES or key.endswith(SCRUB_SUFFIXES)


# a NamedTuple, built in C: classify() builds one for every product it classifies
class InciFlags(NamedTuple):
    """The product flags an INCI list implies (API: flags "also set when the INCI list names
    them"); the catalogue ORs them with what the maker declares, and so does classify()."""

    fragrance: bool
    essential_oils: bool
    alcohol_denat: bool
    physical_scrub: bool


def flags_from_inci(inci: Iterable[str]) -> InciFlags:
    return flags_from_terms(label_terms(inci))


def flags_from_terms(found: Set[str]) -> InciFlags:
    """The flags from `label_terms` of an INCI list."""
    return InciFlags(
        fragrance="fragrance" in found,
        essential_oils=ESSENTIAL_OIL in found,
        alcohol_denat="alcohol_denat" in found,
        physical_scrub=PHYSICAL_SCRUB in found,
    )
