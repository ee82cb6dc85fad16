"""ALT1: what could take an excluded product's role safely, for this user on this day.

The engine stays pure: the service passes a bounded list of catalog products (`catalog`), and this
room decides two things only. Same role: an active is replaced by what treats the same thing (an
acne retinoid by azelaic acid, benzoyl peroxide or niacinamide; hydroquinone by azelaic or
tranexamic acid), a basic by a bland product of its category (any product with an SPF for a
sunscreen). Safe: a shelf product qualifies when the day's guard screen kept it in use; a catalog
product when the same guard functions (static hits for the day's pregnancy state, the dated hits
a product without a shelf item can have, a dermatologist's removal) find nothing. Suggestions are
never steps: a product in today's plan is never offered, and nothing here feeds placement.

Only exclusions that keep a product out for the user's safety or its condition name alternatives
(pregnancy, condition, sensitivity, avoid list, expiry, an oral retinoid); a product waiting for
its patch test, its turn to be introduced, a procedure window or its night in the rotation comes
back by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import IntEnum
from typing import NamedTuple
from uuid import UUID

from app.scheduling.candidates import Candidate
from app.scheduling.classify import TREATMENT_KINDS, Traits, classify
from app.scheduling.guards import ProfileFacts, dated_hits, has_condition, static_hits
from app.scheduling.inputs import (
    Category,
    Override,
    Pregnancy,
    Product,
    Profile,
)
from app.scheduling.plan import (
    Alternative,
    AlternativeSource,
    Exclusion,
    Guard,
    StepKind,
    StepProduct,
)

MAX_ALTERNATIVES = 3
_SCREEN_MEMO = 1024  # profiles x pregnancy states whose screening a Catalog remembers
# the guards whose exclusions name alternatives (P10, an oral retinoid, comes as a conflict)
_SAFETY_GUARDS = frozenset(
    {Guard.pregnancy, Guard.condition, Guard.sensitivity, Guard.avoid_list, Guard.expiry}
)
_ACNE = frozenset({"acne"})
_TREATING = (*TREATMENT_KINDS, StepKind.exfoliant)


class Family(IntEnum):
    """What an active product does, in the order that decides an excluded product's role."""

    retinoid = 0
    hydroquinone = 1
    benzoyl_peroxide = 2
    exfoliant = 3
    azelaic_acid = 4
    vitamin_c = 5
    tranexamic_acid = 6
    peptide = 7
    exosome = 8
    niacinamide = 9


F = Family
# an excluded active's role: the families that can take it, closest first
_TAKES_OVER: dict[Family, tuple[Family, ...]] = {
    F.retinoid: (F.retinoid, F.peptide, F.vitamin_c, F.niacinamide, F.azelaic_acid),
    F.hydroquinone: (F.hydroquinone, F.azelaic_acid, F.tranexamic_acid, F.niacinamide),
    F.benzoyl_peroxide: (F.benzoyl_peroxide, F.azelaic_acid, F.retinoid, F.niacinamide),
    F.exfoliant: (F.exfoliant,),
    F.azelaic_acid: (F.azelaic_acid, F.niacinamide, F.benzoyl_peroxide),
    F.vitamin_c: (F.vitamin_c, F.niacinamide, F.tranexamic_acid),
    F.tranexamic_acid: (F.tranexamic_acid, F.azelaic_acid, F.niacinamide),
    F.peptide: (F.peptide, F.niacinamide),
    F.exosome: (F.exosome,),
    F.niacinamide: (F.niacinamide, F.azelaic_acid),
}
# with acne a retinoid is an acne treatment (P5: azelaic acid and BPO are the pregnancy options)
_ACNE_RETINOID = (F.retinoid, F.azelaic_acid, F.benzoyl_peroxide, F.niacinamide)


def families(traits: Traits) -> frozenset[Family]:
    # straight-line checks: this runs for every shelf product of a day that names alternatives
    found = []
    if traits.retinoid is not None:
        found.append(F.retinoid)
    if traits.hydroquinone:
        found.append(F.hydroquinone)
    if traits.bpo:
        found.append(F.benzoyl_peroxide)
    if traits.exfoliation:
        found.append(F.exfoliant)
    if traits.azelaic:
        found.append(F.azelaic_acid)
    if traits.vitamin_c:
        found.append(F.vitamin_c)
    terms = traits.terms
    if "tranexamic acid" in terms:
        found.append(F.tranexamic_acid)
    if traits.peptide:
        found.append(F.peptide)
    if traits.exosome:
        found.append(F.exosome)
    if "niacinamide" in terms:
        found.append(F.niacinamide)
    return frozenset(found)


# A NamedTuple, like Traits: built in C, which matters for every shelf product of every call.
class Entry(NamedTuple):
    """A product as this room reads it, worked out once per engine call (per Catalog)."""

    candidate: Candidate
    pid: int  # the product id as an int
    families: frozenset[Family]
    basic: str  # its kind as a basic: its category, "cleanser" for a wash, "sunscreen" for an SPF
    bland: bool  # no active that could stand in for a treatment: fit to replace a basic
    wash: bool
    treating: bool  # a serum, treatment or exfoliant, not a cream that also carries an active

    @classmethod
    def of(cls, c: Candidate) -> Entry:
        traits = c.traits
        return cls(
            c,
            c.product.id.int,
            families(traits),
            _basic(traits, c.product.category),
            not (traits.irritant_active or traits.exosome or traits.peptide),
            traits.wash,
            traits.kind in _TREATING,
        )


@dataclass(frozen=True, slots=True)
class Role:
    """Active families that can take the role, closest first; or a basic's kind."""

    families: tuple[Family, ...] = ()
    basic: str | None = None

    def rank(self, entry: Entry) -> int | None:
        """How close a product comes to the role (0 is closest), None when it is another role."""
        if self.basic is not None:
            # a basic is replaced by a bland basic, never by an active in its category
            return 0 if entry.bland and entry.basic == self.basic else None
        if entry.wash:
            return None  # a wash is a cleanser, not a leave-on treatment
        found = entry.families
        return next((k for k, family in enumerate(self.families) if family in found), None)


def _basic(traits: Traits, category: Category) -> str:
    if traits.sunscreen:
        return "sunscreen"
    return Category.cleanser.value if traits.wash else category.value


def role_of(entry: Entry, known: ProfileFacts) -> Role:
    found = entry.families
    if entry.wash or not found:
        return Role(basic=entry.basic)
    primary = min(found)
    if primary is F.retinoid and has_condition(known.profile, _ACNE):
        return Role(_ACNE_RETINOID)
    return Role(_TAKES_OVER[primary])


def _wants(exclusion: Exclusion) -> bool:
    if exclusion.slot is not None:
        return False  # still in use in the other slot
    return exclusion.guard in _SAFETY_GUARDS or exclusion.rule_id == "P10"


class Catalog:
    """Catalog products classified once: a service builds one per catalog version and passes it
    to every engine call (a plain sequence of products works too, classified per call)."""

    def __init__(self, products: Iterable[Product]) -> None:
        unique = {product.id: product for product in products}
        self.entries = tuple(
            sorted(
                (Entry.of(catalog_candidate(p)) for p in unique.values()),
                key=lambda e: e.candidate.sort_key,
            )
        )

        self._by_role: dict[Role, tuple[tuple[int, Entry], ...]] = {}
        self._screens: dict[tuple[Profile, Pregnancy], dict[int, bool]] = {}

    @classmethod
    def of(cls, catalog: Catalog | Iterable[Product]) -> Catalog:
        return catalog if isinstance(catalog, Catalog) else cls(catalog)

    def screened(self, known: ProfileFacts, state: Pregnancy) -> Callable[[Entry], bool]:
        """Whether the static guards let an entry in for this profile and pregnancy state: a
        memo per profile, so a server's repeated plans for one user screen each product once."""
        key = (known.profile, state)
        memo = self._screens.get(key)
        if memo is None:
            if len(self._screens) >= _SCREEN_MEMO:
                self._screens.clear()
            memo = self._screens[key] = {}

        def allowed(entry: Entry) -> bool:
            found = memo.get(entry.pid)
            if found is None:
                found = memo[entry.pid] = not static_hits(entry.candidate.traits, known, state)
            return found

        return allowed

    def for_role(self, role: Role) -> tuple[tuple[int, Entry], ...]:
        """The entries that can take the role, with their rank (a memo: roles are few)."""
        found = self._by_role.get(role)
        if found is None:
            ranked = ((role.rank(entry), entry) for entry in self.entries)
            found = self._by_role[role] = tuple(
                (rank, entry) for rank, entry in ranked if rank is not None
            )
        return found


def catalog_candidate(product: Product) -> Candidate:
    """A catalog product as the guards see it: no shelf item, so no expiry or patch test."""
    return Candidate(
        key=product.id,
        product=product,
        traits=classify(product),
        item=None,
        added_by=None,
        sort_key=(product.name.casefold(), product.name, product.id.int, product.id.int),
        step_product=StepProduct(id=product.id, name=product.name, category=product.category),
        opened_until=None,
    )


class Alternatives:
    """One engine call's alternatives, worked out only on days with an exclusion that wants them."""

    def __init__(self, catalog: Catalog | Sequence[Product], known: ProfileFacts) -> None:
        self._source = catalog
        self._catalog: Catalog | None = None
        self._known = known
        # by candidate: an identity hash, cheaper than a UUID's
        self._entries: dict[Candidate, Entry] = {}

    def _entry(self, c: Candidate) -> Entry:
        found = self._entries.get(c)
        if found is None:
            found = self._entries[c] = Entry.of(c)
        return found

    def attach(
        self,
        excluded: list[Exclusion],
        *,
        on: date,
        state: Pregnancy,
        present: Sequence[Candidate],
        in_use: Sequence[Candidate],
        in_plan: Iterable[UUID],
        pauses: Sequence[Override],
        removes: Mapping[UUID, Sequence[Override]],
    ) -> list[Exclusion]:
        """The exclusions, each with up to three alternatives for its role."""
        if not any(_wants(e) for e in excluded):
            return excluded
        if self._catalog is None:
            self._catalog = Catalog.of(self._source)
        screened = self._catalog.screened(self._known, state)
        by_id = {c.product.id: c for c in present}
        # product ids as ints: UUID hashing is Python code, int hashing is not
        planned = {pid.int for pid in in_plan}
        not_from_catalog = planned | {c.sort_key[2] for c in present if c.item is not None}
        not_from_catalog |= {pid.int for pid in removes}
        pregnant = state is Pregnancy.pregnant

        def allowed(entry: Entry) -> bool:
            if not screened(entry):
                return False
            return not (pauses and dated_hits(entry.candidate, on, pauses=pauses))

        # a product in today's plan is never offered: most of the shelf drops out here
        shelf_entries = [
            self._entry(c) for c in in_use if c.item is not None and c.product.id.int not in planned
        ]
        found: dict[UUID, tuple[Alternative, ...]] = {}
        result = []
        for exclusion in excluded:
            pid = exclusion.product.id
            source = by_id.get(pid)
            if source is None or not _wants(exclusion):
                result.append(exclusion)
                continue
            if pid not in found:
                role = role_of(self._entry(source), self._known)
                covered: set[int] = set()
                shelf = _ranked(
                    role,
                    ((rank, e) for e in shelf_entries if (rank := role.rank(e)) is not None),
                    skip=planned,
                    excluded=pid.int,
                    mineral_first=pregnant,
                    covered=covered,
                )
                catalog: list[Candidate] = []
                if len(shelf) < MAX_ALTERNATIVES:
                    catalog = _ranked(
                        role,
                        self._catalog.for_role(role),
                        skip=not_from_catalog,
                        excluded=pid.int,
                        mineral_first=pregnant,
                        covered=covered,
                        allowed=allowed,
                    )
                found[pid] = tuple(
                    [Alternative(c.step_product, AlternativeSource.shelf) for c in shelf]
                    + [Alternative(c.step_product, AlternativeSource.catalog) for c in catalog]
                )[:MAX_ALTERNATIVES]
            named = found[pid]
            result.append(replace(exclusion, alternatives=named) if named else exclusion)
        return result


def _ranked(
    role: Role,
    entries: Iterable[tuple[int, Entry]],
    *,
    skip: Collection[int],
    excluded: int,
    mineral_first: bool,
    covered: set[int],
    allowed: Callable[[Entry], bool] | None = None,
) -> list[Candidate]:
    """Up to three of the role's candidates (with their rank) that `allowed` lets through,
    closest first; in pregnancy a mineral sunscreen leads (P6); then serums and treatments,
    fragrance-free products, names. Kinds (ranks) not yet `covered` come first, and the ranks
    taken are added to it. The guards run only on the products of the role."""
    scored = []
    for rank, entry in entries:
        pid = entry.pid
        if pid == excluded or pid in skip or (allowed is not None and not allowed(entry)):
            continue
        c = entry.candidate
        traits = c.traits
        mineral = mineral_first and traits.sunscreen and not traits.mineral_filter
        carrier = role.basic is None and not entry.treating
        scored.append(((rank, mineral, carrier, traits.fragrance, c.sort_key), c))
    scored.sort(key=lambda pair: pair[0])
    # one of each kind first (azelaic acid, then BPO, then niacinamide), then the next of each
    firsts: list[Candidate] = []
    rest: list[Candidate] = []
    for (rank, *_), c in scored:
        (rest if rank in covered else firsts).append(c)
        covered.add(rank)
    return (firsts + rest)[:MAX_ALTERNATIVES]
