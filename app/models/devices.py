"""Push devices: the app installs a person has registered, each with the push token that reaches
it, so that push schedulers can send a due reminder without a second lookup.

A device id is chosen by the client (one per install) and is private to its user: two people
may use the same id. A push token reaches one install, so at most one row holds it
(`push_token_hash`, unique; the token itself may be too long for a btree index).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Instant, UTCDateTime, id_field
from app.validation import clean_text

MAX_DEVICE_ID = 128
MAX_PUSH_TOKEN = 4096
MAX_LOCALE = 35  # RFC 5646 4.4.1: a tag up to 35 characters must be supported
MAX_APP_VERSION = 64

DEVICE_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"
# BCP 47 in its common shapes: a language (2-3 letters, or 5-8 registered), then subtags of
# 1-8 letters or digits (script, region, variants, extensions), separated by hyphens
_LOCALE = re.compile(r"(?:[A-Za-z]{2,3}|[A-Za-z]{5,8})(?:-[A-Za-z0-9]{1,8})*")


class Platform(StrEnum):
    """Which push service reaches an install: APNs (ios), FCM (android) or Web Push (web)."""

    ios = "ios"
    android = "android"
    web = "web"


def not_a_dot_segment(value: str) -> str:
    """A device id (with DEVICE_ID_PATTERN, on the path parameter) that a URL can carry."""
    # URL libraries collapse "." and ".." (RFC 3986 5.2.4): such a device could never be deleted
    if value in (".", ".."):
        raise ValueError("must not be '.' or '..'")
    return value


def _bcp47(value: str) -> str:
    if not _LOCALE.fullmatch(value):
        raise ValueError("must be a BCP 47 language tag such as en, en-GB or zh-Hant-TW")
    return value


# blank as the document's pattern has it (ECMA-262 \s, which counts U+FEFF and Python does not)
_SOMETHING = re.compile(r"[^\s\ufeff]")


def _not_blank(value: str) -> str:
    if not _SOMETHING.search(value):
        raise ValueError("must not be blank")
    return value


# The document states each rule as a JSON Schema pattern (ECMA-262), as app/validation.py does:
# a BCP 47 tag; and text with no control characters and at least one that is not a space.
_LOCALE_PATTERN = {"pattern": "^" + _LOCALE.pattern + "$"}
_PRINTABLE = r"[^\x00-\x1F\x7F-\x9F]"
_NOT_BLANK_PATTERN = {"pattern": rf"^{_PRINTABLE}*[^\s\x00-\x1F\x7F-\x9F]{_PRINTABLE}*$"}

# the length first, on the plain string, so that a long value is told its limit in characters
Locale = Annotated[
    str,
    StringConstraints(max_length=MAX_LOCALE),
    AfterValidator(clean_text),
    AfterValidator(_bcp47),
    pydantic.Field(json_schema_extra=_LOCALE_PATTERN),
]
PushToken = Annotated[
    str,
    StringConstraints(max_length=MAX_PUSH_TOKEN),
    AfterValidator(clean_text),
    AfterValidator(_not_blank),
    pydantic.Field(json_schema_extra=_NOT_BLANK_PATTERN),
]
AppVersion = Annotated[
    str,
    StringConstraints(max_length=MAX_APP_VERSION),
    AfterValidator(clean_text),
    AfterValidator(_not_blank),
    pydantic.Field(json_schema_extra=_NOT_BLANK_PATTERN),
]


class Device(SQLModel, table=True):
    __tablename__ = "devices"
    # also the index of "this user's devices" (the list, the cap, the feed's lookup)
    __table_args__ = (UniqueConstraint("user_id", "device_id"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    device_id: str = Field(max_length=MAX_DEVICE_ID)
    platform: str = Field(sa_type=String(10))
    push_token: str = Field(max_length=MAX_PUSH_TOKEN)
    # SHA-256 hex of push_token: one row per token, and the index to find it by
    push_token_hash: str = Field(max_length=64, unique=True)
    locale: str | None = Field(default=None, max_length=MAX_LOCALE)
    app_version: str | None = Field(default=None, max_length=MAX_APP_VERSION)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class DeviceIn(BaseModel):
    """A device as its app registers it; a PUT replaces every field (absent means none)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "platform": "ios",
                    "push_token": "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb7",
                    "locale": "en-GB",
                    "app_version": "2.4.1",
                }
            ]
        },
    )

    platform: Platform = Field(description="Which push service reaches this install")
    push_token: PushToken = Field(
        description="The token the platform's push service gave this install (APNs device "
        "token, FCM registration token, or a Web Push subscription). Registering a token "
        "removes it from any other device that held it, whoever's.",
    )
    locale: Locale | None = Field(
        default=None,
        description="The install's language as a BCP 47 tag (en-GB), for the notification text",
    )
    app_version: AppVersion | None = Field(
        default=None,
        description="The app's version on this install",
    )


class PushTarget(BaseModel):
    """Where a reminder is sent: one of its user's devices."""

    device_id: str = Field(description="The client's id for this install")
    platform: Platform = Field(description="Which push service reaches this install")
    push_token: str = Field(description="The token to send to")
    locale: str | None = Field(description="The install's language (BCP 47), if it said")


class DevicePublic(BaseModel):
    """A registered push device (one app install)."""

    device_id: str = Field(description="The client's id for this install")
    platform: Platform = Field(description="Which push service reaches this install")
    push_token: str = Field(description="The token the push service gave this install")
    locale: str | None = Field(description="The install's language (BCP 47), if it said")
    app_version: str | None = Field(description="The app's version on this install, if it said")
    created_at: Instant = Field(description="When this device was first registered")
    updated_at: Instant = Field(description="When its app last registered it (PUT)")


class DeviceList(BaseModel):
    """The caller's push devices."""

    items: list[DevicePublic] = Field(description="The caller's devices, oldest first")
