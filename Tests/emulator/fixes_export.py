"""What ami-export meets on AWS and moto 5.2.5 lacks.

- S3 throttles with `503 SlowDown`, never with EC2's `400 Throttling`; the fault switch's throttling
  answered S3 requests with the latter, which a HEAD (no body, so no code) cannot be told apart from
  a real `400 Bad Request`. S3 requests now get S3's answer.
- Block public access for AMIs: `GetImageBlockPublicAccessState` (moto: 500),
  `EnableImageBlockPublicAccess`, `DisableImageBlockPublicAccess`; while it is on, making an AMI
  public is refused.
- The public-AMI quota (5 per Region): making a sixth of the account's AMIs public is refused with
  `ResourceLimitExceeded`.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any, Callable, Iterable

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ec2.responses import EC2Response
from moto.ec2.responses.amis import AmisResponse

PUBLIC_AMI_QUOTA = 5

_lock = threading.Lock()
# (account, region) with block public access on; accounts start unblocked, as an account that
# already shared AMIs publicly does.
_blocked: set[tuple[str, str]] = set()


class EC2Error(ServiceException):
    def __init__(self, code: str, message: str):
        super().__init__(code, message)


def _s3_throttles_with_slowdown(emulator: ModuleType) -> None:
    original: Callable[..., Iterable[bytes]] = emulator._throttling

    def throttling(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            return emulator._slowdown(start_response)
        return original(environ, start_response)

    emulator._throttling = throttling


def get_image_block_public_access_state(self: EC2Response) -> ActionResult:
    self.error_on_dryrun()
    with _lock:
        blocked = (self.current_account, self.region) in _blocked
    return ActionResult({"ImageBlockPublicAccessState": "block-new-sharing" if blocked else "unblocked", "ManagedBy": "account"})


def enable_image_block_public_access(self: EC2Response) -> ActionResult:
    state = self._get_param("ImageBlockPublicAccessState")
    if state != "block-new-sharing":
        raise EC2Error("InvalidParameterValue", f"Value ({state}) for parameter ImageBlockPublicAccessState is invalid.")
    self.error_on_dryrun()
    with _lock:
        _blocked.add((self.current_account, self.region))
    return ActionResult({"ImageBlockPublicAccessState": "block-new-sharing"})


def disable_image_block_public_access(self: EC2Response) -> ActionResult:
    self.error_on_dryrun()
    with _lock:
        _blocked.discard((self.current_account, self.region))
    return ActionResult({"ImageBlockPublicAccessState": "unblocked"})


def _public_checks() -> None:
    original = AmisResponse.modify_image_attribute

    def modify_image_attribute(self: Any) -> ActionResult:
        adds = (self._get_param("LaunchPermission", {}) or {}).get("Add", []) or []
        groups = [p.get("Group") for p in adds]
        if self._get_param("OperationType") == "add":
            groups += self._get_param("UserGroups", []) or []
        if "all" in groups:
            image_id = self._get_param("ImageId")
            with _lock:
                blocked = (self.current_account, self.region) in _blocked
            if blocked:
                raise EC2Error(
                    "OperationNotPermitted",
                    "Block public access for AMIs is enabled in this Region; the AMI cannot be made public.",
                )
            public = [
                a.id
                for a in self.ec2_backend.amis.values()
                if a.owner_id == self.current_account and {"Group": "all"} in a.launch_permissions
            ]
            if image_id not in public and len(public) >= PUBLIC_AMI_QUOTA:
                raise EC2Error(
                    "ResourceLimitExceeded",
                    f"You have reached your quota of {PUBLIC_AMI_QUOTA} public AMIs in this Region.",
                )
        return original(self)

    AmisResponse.modify_image_attribute = modify_image_attribute


def reset() -> None:
    with _lock:
        _blocked.clear()


def install(emulator: ModuleType) -> None:
    _s3_throttles_with_slowdown(emulator)
    EC2Response.get_image_block_public_access_state = get_image_block_public_access_state  # type: ignore[attr-defined]
    EC2Response.enable_image_block_public_access = enable_image_block_public_access  # type: ignore[attr-defined]
    EC2Response.disable_image_block_public_access = disable_image_block_public_access  # type: ignore[attr-defined]
    _public_checks()
