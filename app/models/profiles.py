"""A user's skin profile: the engine's main input besides the shelf."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
from pydantic import AfterValidator, ConfigDict, field_validator, model_validator
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.clock import now_utc
from app.models.base import Instant, JSONList, UTCDateTime, described, utcnow
from app.scheduling.inputs import Pregnancy, RetinoidExperience, Sensitivity
from app.validation import SafeDate, Text, null_not_offered


# stored and shown on the profile; no engine rule reads it, so it is not an engine input
class SkinType(StrEnum):
    """The skin type the user states."""

    dry = "dry"
    oily = "oily"
    combination = "combination"
    normal = "normal"


class Condition(StrEnum):
    """A skin condition the user has."""

    acne = "acne"
    rosacea = "rosacea"
    eczema = "eczema"
    melasma = "melasma"
    psoriasis = "psoriasis"
    seborrheic_dermatitis = "seborrheic_dermatitis"
    perioral_dermatitis = "perioral_dermatitis"
    contact_dermatitis = "contact_dermatitis"


class Concern(StrEnum):
    """Something the user wants the routine to address."""

    aging = "aging"
    hyperpigmentation = "hyperpigmentation"
    dehydration = "dehydration"
    texture = "texture"
    redness = "redness"
    barrier = "barrier"
    pores = "pores"
    dullness = "dullness"
    acne_scars = "acne_scars"


class Fitzpatrick(StrEnum):
    """Skin phototype as the user states it; never inferred (PP1 reads IV-VI as darker skin)."""

    I = "I"  # noqa: E741
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    VI = "VI"


FITZPATRICK_NUMBER = {kind: number for number, kind in enumerate(Fitzpatrick, start=1)}


# the longest a pregnancy is counted back from its due date (42 weeks: post-term)
MAX_PREGNANCY = timedelta(weeks=42)
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _valid_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc
    return name


def _valid_hhmm(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("expected a local time as HH:MM (00:00 to 23:59)")
    return value


def _normalised(items: list[str]) -> list[str]:
    cleaned = {item.strip().lower() for item in items if item.strip()}
    return sorted(cleaned)


# a due date is at most about ten months ahead (a pregnancy lasts about 40 weeks)
DUE_DATE_HORIZON = timedelta(days=310)


def _plausible_due_date(value: date) -> date:
    if value > now_utc().date() + DUE_DATE_HORIZON:
        raise ValueError("a due date is at most about ten months ahead")
    return value


# in the document: a name of the IANA tz database (no JSON Schema format names one, so a format
# of our own that says what it is), and the pattern _valid_hhmm checks
TimeZoneName = Annotated[
    str,
    Field(max_length=64),
    pydantic.Field(json_schema_extra={"format": "iana-time-zone"}),
    AfterValidator(_valid_zone),
]
LocalTime = Annotated[
    str,
    Field(max_length=5),
    pydantic.Field(json_schema_extra={"pattern": _HHMM.pattern}),
    AfterValidator(_valid_hhmm),
]
FreeTerms = Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=50)]
FreeTermsIn = Annotated[list[Annotated[Text, Field(max_length=80)]], Field(max_length=50)]
DueDate = Annotated[SafeDate, AfterValidator(_plausible_due_date)]


PROFILE = {
    "skin_type": "The skin type the user states",
    "sensitivity": "How easily the skin reacts (high: a gentler ramp and fewer exfoliant nights)",
    "conditions": "Skin conditions (each may exclude ingredients)",
    "concerns": "What the routine should address",
    "pregnancy": "Pregnancy, trying to conceive or breastfeeding: each excludes ingredients "
    "(RULES.md P1-P9); stays `pregnant` after the due date until changed",
    "due_date": "The due date, while pregnant (kept beside `pregnancy_ended_on` afterwards)",
    "pregnancy_ended_on": "When the pregnancy ended, recorded with the change of `pregnancy` "
    "(RULES.md P9a); today when the change does not say",
    "oral_medications": "Oral medications, lower case (`isotretinoin` changes the plan)",
    "retinoid_experience": "How used the skin is to retinoids",
    "avoid_ingredients": "Ingredients the user wants kept out, lower case",
    "timezone": "The user's IANA time zone: routine dates and reminder times are local to it",
    "am_time": "The morning routine's local time, HH:MM",
    "pm_time": "The evening routine's local time, HH:MM",
    "fitzpatrick": "Fitzpatrick skin type I-VI, as stated (optional)",
    "updated_at": "When the profile last changed",
}
_PROFILE_EXAMPLE = {
    "skin_type": "combination",
    "sensitivity": "medium",
    "conditions": ["acne"],
    "concerns": ["texture", "hyperpigmentation"],
    "pregnancy": "none",
    "oral_medications": [],
    "retinoid_experience": "beginner",
    "avoid_ingredients": ["lanolin"],
    "timezone": "Europe/London",
    "am_time": "07:30",
    "pm_time": "21:30",
}


class ProfileBase(SQLModel):
    model_config = ConfigDict(json_schema_extra=described(PROFILE))  # type: ignore[assignment]

    skin_type: SkinType | None = None
    sensitivity: Sensitivity = Sensitivity.medium
    conditions: list[Condition] = Field(default_factory=list, max_length=10)
    concerns: list[Concern] = Field(default_factory=list, max_length=10)
    pregnancy: Pregnancy = Pregnancy.none
    due_date: date | None = None
    # when the pregnancy ended, recorded with the change of `pregnancy` (P9a): a due date ends
    # nothing, and the days before this keep the pregnancy rules
    pregnancy_ended_on: date | None = None
    oral_medications: FreeTerms = Field(default_factory=list)
    retinoid_experience: RetinoidExperience = RetinoidExperience.none
    avoid_ingredients: FreeTerms = Field(default_factory=list)
    timezone: TimeZoneName = "UTC"
    am_time: LocalTime = "07:30"
    pm_time: LocalTime = "21:30"
    fitzpatrick: Fitzpatrick | None = Field(
        default=None, description="Fitzpatrick skin type I-VI, as stated (optional)"
    )


class Profile(ProfileBase, table=True):
    __tablename__ = "profiles"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    skin_type: str | None = Field(default=None, sa_type=String(20))  # type: ignore[assignment]
    sensitivity: str = Field(default=Sensitivity.medium, sa_type=String(20))  # type: ignore[assignment]
    pregnancy: str = Field(default=Pregnancy.none, sa_type=String(30))  # type: ignore[assignment]
    retinoid_experience: str = Field(  # type: ignore[assignment]
        default=RetinoidExperience.none, sa_type=String(20)
    )
    conditions: list[str] = Field(default_factory=list, sa_type=JSONList)  # type: ignore[assignment]
    concerns: list[str] = Field(default_factory=list, sa_type=JSONList)  # type: ignore[assignment]
    oral_medications: list[str] = Field(default_factory=list, sa_type=JSONList)
    avoid_ingredients: list[str] = Field(default_factory=list, sa_type=JSONList)
    timezone: str = Field(default="UTC", max_length=64)
    am_time: str = Field(default="07:30", max_length=5)
    pm_time: str = Field(default="21:30", max_length=5)
    fitzpatrick: str | None = Field(default=None, sa_type=String(3))  # type: ignore[assignment]
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProfileIn(ProfileBase):
    """A whole profile (PUT), and the shape a PATCH must still have once merged: a field not
    sent takes its default."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=described(PROFILE, _PROFILE_EXAMPLE)
    )

    due_date: DueDate | None = None
    oral_medications: FreeTermsIn = Field(default_factory=list)
    avoid_ingredients: FreeTermsIn = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ProfileIn:
        ended = self.pregnancy_ended_on
        if ended is not None and self.pregnancy == Pregnancy.pregnant:
            raise ValueError(
                "pregnancy_ended_on records the end of a pregnancy: send it with pregnancy "
                "'none' or 'breastfeeding', not while pregnancy is 'pregnant'"
            )
        # the due date of a pregnancy that ended stays beside its end, as its record
        if self.due_date is not None and self.pregnancy != Pregnancy.pregnant and ended is None:
            raise ValueError(
                "due_date is only accepted when pregnancy is 'pregnant' or with pregnancy_ended_on"
            )
        if (
            ended is not None
            and self.due_date is not None
            and ended < self.due_date - MAX_PREGNANCY
        ):
            raise ValueError(
                f"pregnancy_ended_on ({ended}) is before the pregnancy began: more than 42 weeks "
                f"before the due date ({self.due_date})"
            )
        self.oral_medications = _normalised(self.oral_medications)
        self.avoid_ingredients = _normalised(self.avoid_ingredients)
        self.conditions = sorted(set(self.conditions))
        self.concerns = sorted(set(self.concerns))
        return self


_NOT_NULL = {"json_schema_extra": null_not_offered}


class ProfilePatch(SQLModel):
    """Only the fields sent change; the merged result is validated as a whole profile."""

    model_config = ConfigDict(  # type: ignore[assignment]
        extra="forbid",
        json_schema_extra=described(PROFILE, {"sensitivity": "high", "pm_time": "22:00"}),
    )

    # null clears skin_type, due_date, pregnancy_ended_on and fitzpatrick; the other fields
    # cannot be empty: null is refused there (_not_null) and the document does not offer it
    skin_type: SkinType | None = None
    sensitivity: Sensitivity | None = Field(default=None, schema_extra=_NOT_NULL)
    conditions: list[Condition] | None = Field(default=None, max_length=10, schema_extra=_NOT_NULL)
    concerns: list[Concern] | None = Field(default=None, max_length=10, schema_extra=_NOT_NULL)
    pregnancy: Pregnancy | None = Field(default=None, schema_extra=_NOT_NULL)
    due_date: DueDate | None = None
    pregnancy_ended_on: SafeDate | None = None
    oral_medications: FreeTermsIn | None = Field(default=None, schema_extra=_NOT_NULL)
    retinoid_experience: RetinoidExperience | None = Field(default=None, schema_extra=_NOT_NULL)
    avoid_ingredients: FreeTermsIn | None = Field(default=None, schema_extra=_NOT_NULL)
    timezone: TimeZoneName | None = Field(default=None, schema_extra=_NOT_NULL)
    am_time: LocalTime | None = Field(default=None, schema_extra=_NOT_NULL)
    pm_time: LocalTime | None = Field(default=None, schema_extra=_NOT_NULL)
    fitzpatrick: Fitzpatrick | None = None

    @field_validator(
        "sensitivity",
        "conditions",
        "concerns",
        "pregnancy",
        "oral_medications",
        "retinoid_experience",
        "avoid_ingredients",
        "timezone",
        "am_time",
        "pm_time",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep its value")
        return value


class ProfilePublic(ProfileBase):
    """A skin profile: the engine's main input besides the shelf."""

    model_config = ConfigDict(
        json_schema_serialization_defaults_required=True,
        json_schema_extra=described(
            PROFILE,
            {
                **_PROFILE_EXAMPLE,
                "due_date": None,
                "pregnancy_ended_on": None,
                "fitzpatrick": "III",
                "updated_at": "2026-11-21T09:15:02Z",
            },
        ),
    )

    updated_at: Instant
