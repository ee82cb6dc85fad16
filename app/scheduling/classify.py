"""What a product is: the traits that the guards, the rotation and the ordering read.

Traits come from one Product and nothing else, so the engine computes them once per call.
Declared actives decide what a product does (a trace of lactic acid in a moisturiser is a pH
adjuster, not an exfoliant); the INCI list is searched as well for everything that is a safety
question (retinoids, hydroquinone, benzoyl peroxide, exosomes, essential oils, irritants), because
the label is what the user can check and the safer reading wins. What the label's words name is
the lexicon's (lexicon.py), shared with the catalogue; a flag is set when the maker declares it
or the label names it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from app.scheduling.inputs import ActiveClass, Category, FilterType, Product, Slot
from app.scheduling.lexicon import ESSENTIAL_OIL, PHYSICAL_SCRUB, InciFlags, label_terms
from app.scheduling.plan import StepKind


class RetinoidKind(StrEnum):
    retinyl_ester = "retinyl ester"
    retinol = "retinol"
    retinaldehyde = "retinaldehyde"
    other = "retinoid"
    adapalene = "adapalene"
    tretinoin = "tretinoin"
    tazarotene = "tazarotene"
    trifarotene = "trifarotene"


# R5 strength ladder, weakest first; an undeclared retinoid sits mid-ladder.
RETINOID_STRENGTH: dict[RetinoidKind, int] = {kind: rank for rank, kind in enumerate(RetinoidKind)}


class Exfoliation(StrEnum):
    aha = "aha"
    bha = "bha"
    pha = "pha"
    scrub = "scrub"
    unspecified = "exfoliant"


_RETINOIDS = tuple(
    (kind, kind.name) for kind in reversed(RetinoidKind) if kind is not RetinoidKind.other
)
_PREGNANCY_OILS = (
    ("wormwood", "wormwood"),
    ("rue", "rue"),
    ("oakmoss", "oakmoss"),
    ("Lavandula stoechas", "lavandula_stoechas"),
    ("camphor", "camphor"),
    ("parsley seed", "parsley_seed"),
    ("sage", "sage"),
    ("hyssop", "hyssop"),
)
_ROSACEA_IRRITANTS = (
    ("alcohol denat", "alcohol_denat"),
    ("camphor", "camphor"),
    ("fragrance", "fragrance"),
    ("glycolic acid", "glycolic_acid"),
    ("lactic acid", "lactic_acid"),
    ("menthol", "menthol"),
    ("sodium lauryl sulfate", "sodium_lauryl_sulfate"),
    ("urea", "urea"),
    ("witch hazel", "witch_hazel"),
    ("peppermint", "peppermint"),
    ("eucalyptus", "eucalyptus"),
)
_EXFOLIANT_CLASSES = {
    ActiveClass.aha: Exfoliation.aha,
    ActiveClass.bha: Exfoliation.bha,
    ActiveClass.pha: Exfoliation.pha,
}
# an active class as a user would write it on an avoid list
_CLASS_TERMS = {c: (c.value, c.value.replace("_", " ")) for c in ActiveClass}
# a bare "vitamin c" is read as L-ascorbic acid: the safer reading for I7's low-pH split
_L_ASCORBIC = re.compile(r"^(?:l-? ?)?ascorbic acid$|^vitamin c$")
_SALICYLIC = re.compile(r"\bsalicyl")
_GLYCOLIC = re.compile(r"\bglycolic\b")

# The flags (in InciFlags order), as the words a user would put on an avoid list.
_FLAG_TERMS: tuple[tuple[str, ...], ...] = (
    ("fragrance", "parfum"),
    ("essential oil", "essential oils"),
    ("alcohol denat", "denatured alcohol"),
    ("scrub", "physical scrub"),
)

# Which active gives a serum or treatment its role (DUP1), in this order of precedence.
_ROLE_CLASSES: tuple[ActiveClass, ...] = (
    ActiveClass.vitamin_c,
    ActiveClass.benzoyl_peroxide,
    ActiveClass.azelaic_acid,
    ActiveClass.hydroquinone,
    ActiveClass.copper_peptide,
    ActiveClass.peptide,
    ActiveClass.niacinamide,
    ActiveClass.tranexamic_acid,
    ActiveClass.hyaluronic_acid,
    ActiveClass.ceramide,
    ActiveClass.panthenol,
)

_KIND_BY_CATEGORY: dict[Category, StepKind] = {
    Category.cleanser: StepKind.cleanse,
    Category.essence: StepKind.essence,
    Category.toner: StepKind.toner,
    Category.exosome_serum: StepKind.exosome_serum,
    Category.serum: StepKind.active,
    Category.treatment: StepKind.treatment,
    Category.moisturiser: StepKind.moisturiser,
    Category.sunscreen: StepKind.spf,
    Category.oil: StepKind.oil,
    Category.exfoliant: StepKind.exfoliant,
    Category.mask: StepKind.mask,
    Category.eye_cream: StepKind.eye_cream,
}


# the step kinds of serums and treatments (a module constant: built once, checked often)
TREATMENT_KINDS = (StepKind.active, StepKind.treatment)


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


# A NamedTuple rather than a frozen dataclass: as immutable, and built in C, which matters at
# thirty fields for every product of every engine call.
class Traits(NamedTuple):
    kind: StepKind
    rinse_off: bool
    retinoid: RetinoidKind | None
    retinoid_percent: float | None
    exfoliation: frozenset[Exfoliation]
    # declared salicylic/glycolic acid: (declared, percent) for P4
    salicylic: bool
    salicylic_percent: float | None
    glycolic: bool
    glycolic_percent: float | None
    bpo: bool
    vitamin_c: bool
    l_ascorbic: bool
    l_ascorbic_percent: float | None  # P10: "strong" L-ascorbic acid
    copper_peptide: bool
    peptide: bool
    hydroquinone: bool
    exosome: bool
    azelaic: bool
    barrier_support: bool  # niacinamide or panthenol (I9)
    sunscreen: bool
    mineral_filter: bool
    low_ph: bool
    pregnancy_oils: tuple[str, ...]
    rosacea_irritants: tuple[str, ...]
    fragrance: bool
    dye: bool
    # takes part in some interaction (I1-I8, S4a); two products without it never conflict
    reactive: bool
    # every lower-cased name a user could put on an avoid list
    terms: frozenset[str]
    role: str
    # placement precedence: lower is placed first (the night's active before the basics)
    rank: int
    # the slots the product can serve, in order of preference
    slots: tuple[Slot, ...]
    # True: the product goes in one slot only (the first that fits); False: every slot that fits
    once: bool

    @property
    def exfoliant(self) -> bool:
        return bool(self.exfoliation)

    @property
    def timed_exfoliant(self) -> bool:
        """An exfoliant the rotation times: evening only, on exfoliant nights. An acid wash is
        not: it cleanses morning and evening, and keeps I2/I8 by routine."""
        return self.exfoliant and not self.wash

    @property
    def weekly_mask(self) -> bool:
        """A mask the MK1 weekly picks time (rotation.py). A peel mask is an exfoliant and a
        retinoid mask a retinoid: their own nights time those."""
        return self.kind is StepKind.mask and not self.exfoliant and self.retinoid is None

    @property
    def acid(self) -> bool:
        """An AHA/BHA (or an unspecified exfoliant, read safely) for SUN3 and I5."""
        return bool(self.exfoliation & {Exfoliation.aha, Exfoliation.bha, Exfoliation.unspecified})

    @property
    def irritant_active(self) -> bool:
        """An active that counts toward stacking on high-sensitivity skin (S4a)."""
        return (
            self.retinoid is not None
            or self.exfoliant
            or self.vitamin_c
            or self.bpo
            or self.azelaic
            or self.hydroquinone
        )

    @property
    def wash(self) -> bool:
        """A rinse-off cleanser: on the skin for seconds (P4 allows acid washes; S2 exempts it
        from the patch test)."""
        return self.rinse_off and self.kind is StepKind.cleanse


# Traits depend on the product alone, and a server plans the same catalogue products for every
# user: a bounded memo keeps classification off the per-request path. Pure and thread-safe.
@lru_cache(maxsize=4096)
def classify(product: Product) -> Traits:
    actives = [(a.class_, normalise(a.name), a.percent) for a in product.actives]
    classes = {class_ for class_, _, _ in actives}
    inci = [normalise(name) for name in product.inci]
    found = label_terms([*inci, *(name for _, name, _ in actives)])
    # the declared flags, or the label's where it names them: the safer reading
    flags = InciFlags(
        product.fragrance or "fragrance" in found,
        product.essential_oils or ESSENTIAL_OIL in found,
        product.alcohol_denat or "alcohol_denat" in found,
        product.physical_scrub or PHYSICAL_SCRUB in found,
    )

    retinoid, retinoid_percent = _retinoid(actives, found, ActiveClass.retinoid in classes)
    exfoliation = _exfoliation(product, classes, flags.physical_scrub)
    salicylic = [p for c, n, p in actives if c is ActiveClass.bha or _SALICYLIC.search(n)]
    glycolic = [p for c, n, p in actives if _GLYCOLIC.search(n)]
    vitamin_c = [n for c, n, _ in actives if c is ActiveClass.vitamin_c]
    l_ascorbic_percents = [
        p for c, n, p in actives if c is ActiveClass.vitamin_c and _L_ASCORBIC.match(n)
    ]
    l_ascorbic = bool(l_ascorbic_percents)
    bpo = ActiveClass.benzoyl_peroxide in classes or "benzoyl_peroxide" in found
    hydroquinone = ActiveClass.hydroquinone in classes or "hydroquinone" in found
    exosome = (
        product.category is Category.exosome_serum
        or ActiveClass.exosome in classes
        or "exosome" in found
    )
    copper = ActiveClass.copper_peptide in classes or "copper_peptide" in found
    peptide = copper or ActiveClass.peptide in classes
    niacinamide = ActiveClass.niacinamide in classes or "niacinamide" in found
    panthenol = ActiveClass.panthenol in classes or "panthenol" in found
    azelaic = ActiveClass.azelaic_acid in classes or "azelaic_acid" in found
    fragrance = flags.fragrance or flags.essential_oils or "fragrance" in found
    irritants = tuple(name for name, key in _ROSACEA_IRRITANTS if key in found) if found else ()
    if flags.alcohol_denat and "alcohol denat" not in irritants:
        irritants = ("alcohol denat", *irritants)
    if flags.fragrance and "fragrance" not in irritants:
        irritants = (*irritants, "fragrance")

    rinse_off = product.rinse_off
    if rinse_off is None:
        rinse_off = product.category is Category.cleanser
    # a leave-on product labelled with an SPF (a day cream SPF 30) protects as well (SUN1)
    sunscreen = product.category is Category.sunscreen or (bool(product.spf) and not rinse_off)
    kind = _kind(product.category, retinoid is not None, bool(exfoliation), bpo)
    # an acid wash is on the skin for seconds: a cleanser that keeps I2/I8 by routine, not an
    # exfoliant that takes exfoliant nights
    timed_exfoliant = bool(exfoliation) and not (rinse_off and kind is StepKind.cleanse)
    low_ph = (
        l_ascorbic
        or bool(exfoliation & {Exfoliation.aha, Exfoliation.bha})
        or (product.ph is not None and product.ph < 4)
    )
    leave_on_treatment = kind in TREATMENT_KINDS and not rinse_off
    slots, once = _slots(
        pm_only=retinoid is not None or timed_exfoliant or kind is StepKind.mask,
        am_only=sunscreen or bool(vitamin_c) or product.spf is not None,
        bpo=leave_on_treatment and bpo,
        copper=leave_on_treatment and copper,
        peptide=leave_on_treatment and peptide,
    )
    rank = _rank(
        retinoid is not None,
        timed_exfoliant,
        bool(vitamin_c),
        azelaic,
        bpo,
        hydroquinone,
        copper,
        sunscreen,
    )
    return Traits(
        kind=kind,
        rinse_off=rinse_off,
        retinoid=retinoid,
        retinoid_percent=retinoid_percent,
        exfoliation=exfoliation,
        salicylic=bool(salicylic),
        salicylic_percent=_max_percent(salicylic),
        glycolic=bool(glycolic),
        glycolic_percent=_max_percent(glycolic),
        bpo=bpo,
        vitamin_c=bool(vitamin_c),
        l_ascorbic=l_ascorbic,
        l_ascorbic_percent=_max_percent(l_ascorbic_percents),
        copper_peptide=copper,
        peptide=peptide,
        hydroquinone=hydroquinone,
        exosome=exosome,
        azelaic=azelaic,
        barrier_support=niacinamide or panthenol,
        sunscreen=sunscreen,
        mineral_filter=product.filter_type is FilterType.mineral,
        low_ph=low_ph,
        pregnancy_oils=(
            tuple(name for name, key in _PREGNANCY_OILS if key in found) if found else ()
        ),
        rosacea_irritants=irritants,
        fragrance=fragrance,
        dye="dye" in found,
        reactive=(
            retinoid is not None
            or bool(exfoliation)
            or bool(vitamin_c)
            or bpo
            or copper
            or low_ph
            or azelaic
            or hydroquinone
        ),
        terms=_terms(flags, inci, actives, retinoid, exosome),
        role=_role(kind, retinoid is not None, timed_exfoliant, classes),
        rank=rank,
        slots=slots,
        once=once,
    )


def _retinoid(
    actives: list[tuple[ActiveClass, str, float | None]],
    found: set[str],
    declared: bool,
) -> tuple[RetinoidKind | None, float | None]:
    """The strongest retinoid on the label (R5), with its declared percent if any."""
    for kind, key in _RETINOIDS:
        if key in found:
            percent = _max_percent([p for _, n, p in actives if key in label_terms([n])])
            return kind, percent
    if declared:
        percent = _max_percent([p for c, _, p in actives if c is ActiveClass.retinoid])
        return RetinoidKind.other, percent
    return None, None


def _exfoliation(
    product: Product, classes: set[ActiveClass], scrub: bool
) -> frozenset[Exfoliation]:
    found = {kind for class_, kind in _EXFOLIANT_CLASSES.items() if class_ in classes}
    if scrub:
        found.add(Exfoliation.scrub)
    if product.category is Category.exfoliant and not found:
        found.add(Exfoliation.unspecified)
    return frozenset(found)


def _kind(category: Category, retinoid: bool, exfoliant: bool, bpo: bool) -> StepKind:
    kind = _KIND_BY_CATEGORY[category]
    if kind in TREATMENT_KINDS:
        if exfoliant and not retinoid:
            return StepKind.exfoliant
        if retinoid or bpo:
            return StepKind.treatment
    return kind


def _role(kind: StepKind, retinoid: bool, exfoliant: bool, classes: set[ActiveClass]) -> str:
    if retinoid:
        return "retinoid"
    if exfoliant:
        return "exfoliant"
    if kind in TREATMENT_KINDS:
        primary = next((c.value for c in _ROLE_CLASSES if c in classes), "plain")
        return f"{kind.value}:{primary}"
    return kind.value


def _rank(
    retinoid: bool,
    exfoliant: bool,
    vitamin_c: bool,
    azelaic: bool,
    bpo: bool,
    hydroquinone: bool,
    copper: bool,
    sunscreen: bool,
) -> int:
    """Placement precedence: the night's actives first, then vitamin C, azelaic acid, BPO,
    hydroquinone, copper peptides, products with an SPF (a day cream SPF 30 takes the morning
    before a plain cream), then the rest."""
    flags = (retinoid, exfoliant, vitamin_c, azelaic, bpo, hydroquinone, copper, sunscreen)
    return next((rank for rank, present in enumerate(flags) if present), 9)


def _slots(
    *, pm_only: bool, am_only: bool, bpo: bool, copper: bool, peptide: bool
) -> tuple[tuple[Slot, ...], bool]:
    """Natural slots, strictest reason first: retinoids (L4), exfoliants and masks are
    evening-only, sunscreen and vitamin C (L3a, I4) morning-only."""
    if pm_only:
        return (Slot.pm,), False
    if am_only:
        return (Slot.am,), False
    if bpo:
        # I1: a leave-on BPO goes on in the morning, away from an evening tretinoin
        return (Slot.am, Slot.pm), True
    if copper:
        # I7 and L3: peptides by night, in the morning only when the evening is taken
        return (Slot.pm, Slot.am), True
    if peptide:
        return (Slot.pm,), False
    return (Slot.am, Slot.pm), False


def _terms(
    flags: InciFlags,
    inci: list[str],
    actives: list[tuple[ActiveClass, str, float | None]],
    retinoid: RetinoidKind | None,
    exosome: bool,
) -> frozenset[str]:
    terms = set(inci)
    for class_, name, _ in actives:
        terms.add(name)
        terms.update(_CLASS_TERMS[class_])
    for present, words in zip(flags, _FLAG_TERMS):  # noqa: B905 (hot path; same length)
        if present:
            terms.update(words)
    if retinoid is not None:
        terms.update({"retinoid", "retinoids", retinoid.value})
    if exosome:
        terms.update({"exosome", "exosomes"})
    return frozenset(terms)


def _max_percent(percents: list[float | None]) -> float | None:
    known = [p for p in percents if p is not None]
    return max(known) if known else None
