"""Every rule the engine cites: id -> readable text, source and evidence grade (RULES.md).

Grade U rules are configurable defaults, never presented as cited rules: their text says so, and
`Rule.configurable_default` lets a response label them. Grades keep RULES.md's spelling ("A/C",
"B-"); "policy" marks the project's own decisions. R7 also carries the unnumbered missed-night
line of RULES.md's R section; ids P9a and S4a number the unnumbered lines of its P and S sections
(P9a: pregnancy is a dated state; S4a: high sensitivity); EXO1, EXO2, AV1, DUP1 and O3 are
policies the engine needs an id for; MK1 (face masks) is common practice RULES.md is silent on.

The sentences a user reads carry no rule ids or grades (L8): `plain` strips the citations the
engine's texts are written with, and says "a common default, not a cited rule" where one of them
is grade U. The ids travel in `rule_ids`, `rule_id` and `rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    U = "U"
    policy = "policy"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    text: str
    source: str
    grade: str

    @property
    def configurable_default(self) -> bool:
        return self.grade == Grade.U


DEFAULT = "configurable default"


def _rule(id_: str, grade: str, text: str, source: str) -> Rule:
    if grade == Grade.U:
        text = f"{text} ({DEFAULT})"
    return Rule(id=id_, text=text, source=source, grade=grade)


_CATALOGUE = (
    # L: order and waits
    _rule(
        "L1",
        "C",
        "Cleanse, then treat, then moisturise and protect; a dermatologist may change the order.",
        "AAD (S. C. Taylor)",
    ),
    _rule("L2", "U", "Thinnest to thickest, water-based before oil-based.", "Common practice"),
    _rule(
        "L3",
        "U",
        "Mild cleanser, essence, exosome serum on damp skin, targeted actives (vitamin C by day, "
        "peptides by night), moisturiser, SPF every morning; wait about 60 s after the exosome "
        "serum.",
        "Seed 002 (blog routine)",
    ),
    _rule(
        "L8",
        "policy",
        "Step texts speak plain language: rule ids and grades go with the rules, not in the "
        "sentence a user reads.",
        "RULES.md L8",
    ),
    _rule(
        "L3a",
        "B",
        "L-ascorbic acid works below pH 3.5: apply it early in the morning on cleansed skin.",
        "Pinnell, Dermatol Surg 2001",
    ),
    _rule(
        "L4",
        "B",
        "Mornings carry the antioxidant and sunscreen; the retinoid goes on once daily at bedtime "
        "(tretinoin degrades in light).",
        "Reszko, Berson & Lupo, Dermatol Clin; tretinoin labels; DermNet; Martin, Br J Dermatol "
        "1998",
    ),
    _rule(
        "L5",
        "A",
        "Sunscreen is the last skincare step of the morning, applied 15 min before sun exposure.",
        "FDA Drug Facts (NHS: 30 min)",
    ),
    _rule(
        "L6",
        "A/C",
        "Tretinoin: wash, dry and wait 20-30 min before applying it.",
        "Generic tretinoin patient instructions; Draelos & Thaman (15 min)",
    ),
    _rule(
        "L7",
        "U",
        "An evening double cleanse when the shelf has an oil or balm cleanser (oil first, then "
        "the water-based cleanser); oil-based serums and facial oils after water-based serums; "
        "every step's text agrees with the waits around it (no damp skin after a wait).",
        "Common practice",
    ),
    # I: interactions
    _rule(
        "I1",
        "B",
        "Tretinoin and benzoyl peroxide never at the same time of day (BPO and light degrade "
        "tretinoin); adapalene with BPO is fine.",
        "Martin, Br J Dermatol 1998",
    ),
    _rule(
        "I2",
        "C/A",
        "A retinoid and an AHA/BHA or other peeling product never in the same routine: "
        "alternate nights.",
        "OTC acne Drug Facts; UK tretinoin counselling",
    ),
    _rule(
        "I3",
        "C",
        "Vitamin C and benzoyl peroxide never in the same application: split morning and evening.",
        "Draelos, Dermatology Times 2016",
    ),
    _rule(
        "I4",
        "C",
        "Vitamin C in the morning, the retinoid in the evening.",
        "Follows L4",
    ),
    _rule(
        "I5",
        "U",
        "Vitamin C and an AHA/BHA not in the same routine for sensitive skin.",
        "Common practice",
    ),
    _rule(
        "I6",
        "U",
        "Vitamin C with niacinamide is fine: the clash is an in-vitro myth.",
        "Common practice",
    ),
    _rule(
        "I7",
        "U",
        "Copper peptides apart from L-ascorbic acid and low-pH acids: split morning and evening.",
        "Common practice",
    ),
    _rule(
        "I8",
        "A/C",
        "Never two exfoliants (acid and acid, acid and scrub) in one routine.",
        "OTC acne Drug Facts: other topical acne products at the same time may increase dryness "
        "or irritation (FDA, 21 CFR 333.350); AAD, how to exfoliate safely",
    ),
    _rule(
        "I9",
        "B",
        "A niacinamide or panthenol barrier moisturiser eases retinization.",
        "Draelos et al., Cutis",
    ),
    _rule(
        "I10",
        "C/U",
        "While the retinoid ramp is below its target or the skin is sensitive, no exfoliant the "
        "night before or after a retinoid night; an at-home peel (labelled a peel, or AHA 20 % "
        "or more) at most weekly, for its label's contact time, never within 48 h of a retinoid "
        "night or in the first 6 weeks of a ramp.",
        "AAD and DermNet patient guidance; common practice",
    ),
    _rule(
        "I11",
        "A",
        "Hydroquinone never in the same routine as benzoyl peroxide or hydrogen peroxide "
        "(transient dark staining); on the dark patches only, and see a doctor if there is no "
        "improvement after 3 months.",
        "Hydroquinone labelling",
    ),
    _rule(
        "I12",
        "C/U",
        "Rinse-off products (washes, cleansers, rinse-off masks) do not trigger the leave-on "
        "clashes with products applied after them; an acid or benzoyl peroxide wash stays the "
        "routine's cleanse.",
        "Patient guidance on acne washes; common practice",
    ),
    # R: retinoid introduction
    _rule(
        "R1",
        "C",
        "Start a retinoid every 2nd-3rd night for about 2 weeks, then step up (nightly by about "
        "week 6); skip a night when irritated.",
        "Textbook table; Poole Dermatology; Village Dermatology; seed 002",
    ),
    _rule(
        "R2",
        "A/C",
        "A pea-sized amount for the whole face, on dry skin; avoid eyes, mouth and nasal creases.",
        "Retinoid labels; patient guidance",
    ),
    _rule(
        "R3",
        "B",
        "Short-contact option: tretinoin 0.05 % left on for 30 min, then washed off.",
        "Veraldi 2013",
    ),
    _rule(
        "R4",
        "B-",
        "A moisturiser sandwich lowers retinoid activity: use it only while acclimatising.",
        "Shah et al., AAD 2025 poster",
    ),
    _rule(
        "R5",
        "B/A",
        "Strength ladder: retinyl esters < retinol < retinaldehyde < tretinoin (OTC adapalene "
        "0.1 %, Rx tazarotene); start at the lowest.",
        "Retinoid labels; RULES.md R5",
    ),
    _rule(
        "R6",
        "A",
        "Use sunscreen every day while on a retinoid; no waxing of treated skin.",
        "Adapalene OTC Drug Facts",
    ),
    _rule(
        "R7",
        "C/U",
        "A missed night does not break the rotation: the next retinoid night is timed from the "
        "last one actually used. After 4 weeks or more without the retinoid (pregnancy, a "
        "procedure pause, a gap in use) restart on the beginner ramp; after severe irritation, "
        "resume one ramp stage lower.",
        "R1 ('skip a night when irritated' and step back); textbook ramp tables (restart); "
        "reminder-app users' requests (missed nights, configurable default)",
    ),
    _rule(
        "R8",
        "C/U",
        "One retinoid at a time: a prescribed retinoid (tretinoin, tazarotene, adapalene 0.3 %) "
        "beats an over-the-counter one; ask your prescriber before combining.",
        "Dermatology patient guidance (AAD, DermNet); common practice",
    ),
    # P: pregnancy, trying to conceive, breastfeeding
    _rule(
        "P1",
        "A/B",
        "Oral isotretinoin or acitretin with pregnancy (or trying to conceive) is a hard "
        "contraindication; no override of any kind.",
        "Isotretinoin and acitretin labels; teratology services",
    ),
    _rule(
        "P2",
        "B",
        "No topical retinoids in pregnancy (tretinoin, adapalene, tazarotene, retinol, retinal, "
        "retinyl esters).",
        "UKTIS; MotherToBaby; Panchaud 2012",
    ),
    _rule(
        "P3",
        "B",
        "No hydroquinone in pregnancy (35-45 % is absorbed).",
        "UKTIS",
    ),
    _rule(
        "P4",
        "B/C",
        "Salicylic acid in pregnancy: low strength (< 2 %) on limited areas only, no peels or "
        "high strength; glycolic acid up to 10 %.",
        "MotherToBaby; Murase, JAAD 2014; CIR",
    ),
    _rule(
        "P5",
        "B",
        "Azelaic acid and benzoyl peroxide are allowed in pregnancy.",
        "Chien, JABFM 2016",
    ),
    _rule(
        "P6",
        "A/C",
        "In pregnancy prefer mineral sunscreen filters (zinc oxide, titanium dioxide) as a "
        "precaution.",
        "FDA sunscreen proposed rule 2019: only zinc oxide and titanium dioxide proposed as "
        "generally recognised as safe and effective; a precaution, not a finding of harm",
    ),
    _rule(
        "P7",
        "C-",
        "Essential oils to avoid in pregnancy: wormwood, rue, oakmoss, Lavandula stoechas, "
        "camphor, parsley seed, sage, hyssop.",
        "Aromatherapy safety guidance (Tisserand & Young, Essential Oil Safety, 2nd ed., 2014)",
    ),
    _rule(
        "P8",
        "B",
        "Breastfeeding: topical acne products are allowed; keep them off the nipple and areola "
        "and keep the infant off treated skin.",
        "NHS SPS",
    ),
    _rule(
        "P9",
        "policy",
        "Exosome serum in pregnancy: no reproductive-toxicology data, so it is left out unless a "
        "clinician confirms it.",
        "Seed 002; FDA public safety notification 2019",
    ),
    _rule(
        "P9a",
        "policy",
        "A due date does not end a pregnancy (births come late): the pregnancy rules stay until "
        "the user or their dermatologist records the end; after the due date the plan asks them "
        "to confirm it and to say whether they breastfeed. A retinoid then restarts on the "
        "beginner ramp (R7).",
        "RULES.md P section (pregnancy as a dated state); R7",
    ),
    _rule(
        "P10",
        "C",
        "Oral isotretinoin (or acitretin): a bland routine of gentle cleanser, moisturiser, lip "
        "care and SPF; topical retinoids, benzoyl peroxide, AHA/BHA, scrubs and strong L-ascorbic "
        "acid are paused; waxing, dermabrasion and ablative laser wait 6 months; "
        "photosensitivity every day.",
        "Isotretinoin medication guide; AAD; DermNet",
    ),
    # S: sensitivity, rosacea, eczema
    _rule(
        "S1",
        "C",
        "Rosacea: avoid alcohol, camphor, fragrance, glycolic and lactic acid, menthol, sodium "
        "lauryl sulfate and urea; witch hazel, peppermint and eucalyptus too.",
        "AAD 2024; National Rosacea Society survey",
    ),
    _rule(
        "S2",
        "C/B",
        "Patch test a new leave-on product: twice daily on a quarter-sized spot on the inner arm "
        "for 7-10 days; rinse-off cleansers are not use-tested.",
        "AAD 2021; Skin Health Institute; DAG study",
    ),
    _rule(
        "S3",
        "C/A",
        "Eczema: retinoids can aggravate it (no adapalene on eczema); use fragrance- and "
        "dye-free products.",
        "DermNet; adapalene label; National Eczema Association",
    ),
    _rule(
        "S4",
        "U",
        "Exfoliate at most 1-2 times a week with sensitive skin; no scrubs with rosacea or eczema.",
        "Common practice; AAD (scrubs)",
    ),
    _rule(
        "S4a",
        "U",
        "High sensitivity: one active per routine, the slowest retinoid ramp, buffering allowed.",
        "Common practice",
    ),
    _rule(
        "S5",
        "C",
        "Introduce one new active at a time, about 2 weeks apart, so a reaction can be traced; "
        "the basics (cleanser, moisturiser, sunscreen) are in the routine from day 1 and a new "
        "active starts as a patch test.",
        "AAD; DermNet",
    ),
    _rule(
        "S6",
        "policy",
        "Sunscreen is never withheld for a pending patch test: a new one is patch tested while an "
        "established one is used, and used at once when there is no other; the same for the only "
        "cleanser and moisturiser of skin with eczema or a damaged barrier.",
        "RULES.md S6 (sunburn risk outweighs the contact-allergy risk)",
    ),
    _rule(
        "S7",
        "C",
        "Eczema or a damaged barrier needs a moisturiser; with high sensitivity, a fragranced or "
        "essential-oil leave-on product is said so in its step.",
        "National Eczema Association; AAD",
    ),
    # PP: procedures
    _rule(
        "PP1",
        "C",
        "Pause retinoids and exfoliants around chemical peels and procedures; resume when "
        "peeling and irritation have resolved.",
        "Clinic protocols (3-7 days before, 2-7 after)",
    ),
    _rule(
        "PP2",
        "A",
        "On isotretinoin, superficial peels and non-ablative lasers need no delay; ablative "
        "lasers and dermabrasion do.",
        "Spring et al., JAMA Dermatol 2017; ASDS 2017",
    ),
    _rule(
        "PP3",
        "B",
        "Microneedling with or without PRP: sessions about a month apart, 4-6 sessions; "
        "PRP/PRF: 3 sessions about 21 days apart.",
        "Kang & Lu 2021; seed 004",
    ),
    _rule(
        "PP4",
        "A",
        "AHAs raise sun sensitivity during use and for a week after.",
        "FDA AHA guidance 2005",
    ),
    _rule(
        "PP5",
        "C",
        "After microneedling, a peel, a laser or IPL: for the healing window only a gentle "
        "cleanser, a bland moisturiser and a mineral sunscreen; every irritant is paused and "
        "restarts step by step. Exosome serum only if the clinic says so, as an adjunct.",
        "Clinic aftercare (AAD, DermNet); seed 004; FDA 2019 notification on exosome products",
    ),
    _rule(
        "PP6",
        "B/C",
        "Series: microneedling 4-6 sessions 3-4 weeks apart, maintenance every 6-12 months; "
        "PRP/PRF 3 sessions about 21 days apart, maintenance about every 6 months. A session "
        "booked closer than the minimum spacing is refused unless a dermatologist overrides it.",
        "Seed 004; Kang & Lu 2021",
    ),
    # SUN
    _rule(
        "SUN1",
        "A/C",
        "Broad-spectrum SPF 30+, 15 min before going out, reapplied at least every 2 h outdoors "
        "and after swimming or sweating.",
        "FDA Drug Facts; AAD",
    ),
    _rule(
        "SUN2",
        "C",
        "Just over 1/2 teaspoon of sunscreen (about 2.5-3 ml) for the face and neck together, or "
        "two finger lengths for the face.",
        "Schneider, Clin Exp Dermatol 2002 (teaspoon rule, as used by the BAD); two finger "
        "lengths as the equivalent lay measure",
    ),
    _rule(
        "SUN3",
        "A",
        "Products with salicylic acid or AHAs call for daily sun protection.",
        "OTC product labelling",
    ),
    # ALT: alternatives
    _rule(
        "ALT1",
        "policy",
        "An excluded product names what could take its role safely for this user, from the "
        "user's own shelf first, then the catalog, each allowed by every guard; suggestions are "
        "never added to the plan.",
        "RULES.md ALT1",
    ),
    # E: expiry and storage
    _rule(
        "E1",
        "A",
        "A product past its period-after-opening or its expiry date is not used.",
        "EU 1223/2009 Art. 19 and Annex VII",
    ),
    _rule(
        "E2",
        "A",
        "Do not use expired sunscreen: OTC drugs carry an expiry date.",
        "21 CFR 211.137",
    ),
    _rule(
        "E3",
        "A/C",
        "Heat, light and air degrade products; vitamin C oxidises; refrigerate exosome serum "
        "only if the label says so.",
        "Draelos; seed 002",
    ),
    # MK: masks (RULES.md is silent on them)
    _rule(
        "MK1",
        "U",
        "Face masks 1-2 evenings a week, never on a retinoid night; a rinse-off mask comes off "
        "after the time on its label, an overnight mask goes on last, over the moisturiser.",
        "Common practice",
    ),
    # O: dermatologist overrides
    _rule(
        "O1",
        "policy",
        "A dermatologist may override the order (L1), formulation exceptions (I1) and procedure "
        "windows (PP1).",
        "RULES.md O1",
    ),
    _rule(
        "O2",
        "policy",
        "P1 is never overridable; P2, P3 and P9 only with an explicit, recorded warning.",
        "RULES.md O2",
    ),
    _rule(
        "O3",
        "policy",
        "A dermatologist's override shapes the routine; it names its author and reason and is "
        "re-checked by every guard.",
        "RULES.md O2 (author, reason, dates, audit)",
    ),
    # Engine policies
    _rule(
        "EXO1",
        "B",
        "Exosome serum is an optional adjunct with limited evidence: no FDA-approved exosome "
        "product exists and safety and dose are not established.",
        "FDA public safety notification 2019; Olumesi & Goldberg, J Cosmet Dermatol 2023",
    ),
    _rule(
        "EXO2",
        "policy",
        "Flag an exosome product without a batch number, an expiry date or GMP or purity evidence.",
        "Seed 002; RULES.md clinical stance",
    ),
    _rule(
        "AV1",
        "policy",
        "Never use a product with an ingredient on the user's avoid list.",
        "User preference",
    ),
    _rule(
        "DUP1",
        "policy",
        "One product per role in a routine; a second product of the role takes the other slot "
        "or waits on the shelf.",
        "Regimen policy",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}


COMMON_DEFAULT = "a common default, not a cited rule"
# a parenthesised list of rule ids in the engine's texts, "(L3)", "(I2, I8)", "(L2, configurable
# default)", with the space before it
_CITATION = re.compile(r" ?\(([A-Z][A-Za-z0-9]*(?:, [A-Z][A-Za-z0-9]*)*)(?:, " + DEFAULT + r")?\)")


# texts repeat from day to day: a bounded memo keeps the regex off the per-day path
@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """The sentence a user reads (L8): rule citations removed, and where a cited rule (or a
    setting) is a grade U default, plain words that say so."""

    def cite(match: re.Match[str]) -> str:
        ids = match.group(1).split(", ")
        if not all(rule_id in RULES for rule_id in ids):
            return match.group(0)  # not a citation: "(SPF)" stays
        if DEFAULT in match.group(0) or any(RULES[i].configurable_default for i in ids):
            return f" ({COMMON_DEFAULT})"
        return ""

    return _CITATION.sub(cite, text).replace(DEFAULT, COMMON_DEFAULT)
