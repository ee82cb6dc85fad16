"""The end of a pregnancy (P9a, R7): what changes on the date the user or a dermatologist records.

A due date never ends a pregnancy (guards.pregnancy_on); a recorded end does, from that date.
A product the pregnancy kept out is usable from the end at the earliest, and a retinoid restarts
there on the beginner ramp whatever the user's experience, because by then it has been months,
not weeks, without it (R7: 4 weeks or more).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.scheduling.classify import Traits
from app.scheduling.guards import Hit, ProfileFacts, static_hits
from app.scheduling.inputs import Pregnancy, Profile, RetinoidExperience


def kept_out_until_end(traits: Traits, known: ProfileFacts) -> tuple[date, tuple[Hit, ...]] | None:
    """The recorded end and the pregnancy hits, when the pregnancy before it kept the product out
    but the state since lets it in."""
    profile = known.profile
    ended = profile.pregnancy_ended_on
    if ended is None or static_hits(traits, known, profile.pregnancy):
        return None
    hits = static_hits(traits, known, Pregnancy.pregnant)
    return (ended, hits) if hits else None


def ramp_profile(profile: Profile, anchor: date | None) -> Profile:
    """The profile the retinoid ramp follows: a grid that starts at or after a recorded end of
    pregnancy starts on the beginner ramp (R7)."""
    ended = profile.pregnancy_ended_on
    if (
        ended is None
        or anchor is None
        or anchor < ended
        or profile.retinoid_experience is not RetinoidExperience.experienced
    ):
        return profile
    return replace(profile, retinoid_experience=RetinoidExperience.beginner)
