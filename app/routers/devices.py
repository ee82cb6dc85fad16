"""The caller's push devices (app installs), which the reminder feed sends to."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.deps import CurrentUser, DeviceId, OwnedDevice, SessionDep
from app.models.devices import DeviceIn, DeviceList, DevicePublic
from app.services import devices

router = APIRouter(prefix="/v1/me/devices", tags=["devices"])


@router.get("", response_model=DeviceList, operation_id="listDevices")
async def list_devices(user: CurrentUser, session: SessionDep) -> DeviceList:
    """The caller's registered devices, oldest first."""
    return await devices.list_devices(session, user_id=user.id)


@router.put(
    "/{device_id}",
    response_model=DevicePublic,
    responses={201: {"model": DevicePublic, "description": "Registered"}},
    operation_id="putDevice",
)
async def put_device(
    device_id: DeviceId, body: DeviceIn, user: CurrentUser, session: SessionDep, response: Response
) -> DevicePublic:
    """Register this install for push (201), or replace its registration (200). The push token
    is removed from any other device that held it; 409 `too_many_devices` past 20 devices."""
    device, created = await devices.put_device(session, user=user, device_id=device_id, data=body)
    if created:
        response.status_code = 201
    return devices.public(device)


@router.get("/{device_id}", response_model=DevicePublic, operation_id="getDevice")
async def read_device(device: OwnedDevice) -> DevicePublic:
    """One of the caller's devices; 404 `device_not_found` for an id they have not registered."""
    return devices.public(device)


@router.delete("/{device_id}", status_code=204, operation_id="deleteDevice")
async def delete_device(device: OwnedDevice, session: SessionDep) -> None:
    """Stop sending to this install (sign-out, uninstall); 404 `device_not_found` if unknown."""
    await devices.remove_device(session, device=device)
