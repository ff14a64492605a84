"""STS AssumeRoleWithWebIdentity as AWS checks it, before moto hands out the role's keys.

The call is unsigned (botocore's STS model: `"auth": ["smithy.api#noAuth"]`); AWS trusts the
token instead (API reference: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
trust policies: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).
Here the JWT is decoded, and
- its `iss` must name an IAM OIDC provider of the role's account (CreateOpenIDConnectProvider),
  else `InvalidIdentityToken`;
- its `aud` must be one of that provider's client ids, else `InvalidIdentityToken`;
- its `exp` must lie ahead, else `ExpiredTokenException`;
- the role's trust policy must allow `sts:AssumeRoleWithWebIdentity` to that provider
  (`Principal: {"Federated": <provider ARN>}`), its conditions evaluated with the keys
  `<provider>:aud` and `<provider>:sub`, else `AccessDenied`.
Not modelled: the token's signature (the emulator has no identity provider's keys) and the
provider's thumbprints.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from iam_policy import trust_allows

ACTION = "sts:AssumeRoleWithWebIdentity"


class Rejected(Exception):
    """An AWS error answer: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("InvalidIdentityToken", "Couldn't parse the web identity token: not a JWT", 400)
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except ValueError:
        raise Rejected("InvalidIdentityToken", "Couldn't parse the web identity token's claims", 400) from None
    if not isinstance(claims, dict):
        raise Rejected("InvalidIdentityToken", "Couldn't parse the web identity token's claims", 400)
    return claims


def check(params: dict[str, str]) -> None:
    """Raises Rejected unless the request may have the role's keys."""
    from moto.iam.access_control import IAMPolicy
    from moto.iam.models import iam_backends

    role_arn, token = params.get("RoleArn", ""), params.get("WebIdentityToken", "")
    for name, value in (("roleArn", role_arn), ("roleSessionName", params.get("RoleSessionName")), ("webIdentityToken", token)):
        if not value:
            raise Rejected(
                "ValidationError", f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null", 400
            )
    claims = _claims(token)
    issuer = str(claims.get("iss", ""))
    provider_url = issuer.removeprefix("https://")
    parts = role_arn.split(":")
    account = parts[4] if len(parts) > 5 else ""
    iam = iam_backends[account]["aws"] if account else None
    provider = next((p for p in (iam.open_id_providers.values() if iam else []) if p.url == provider_url), None)
    if provider is None:
        raise Rejected("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}", 400)
    audiences = claims.get("aud", [])
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if not set(map(str, audiences)) & set(provider.client_id_list):
        raise Rejected("InvalidIdentityToken", "Incorrect token audience", 400)
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or expires <= time.time():
        raise Rejected(
            "ExpiredTokenException",
            f"Token expired: current date/time {int(time.time())} must be before the expiration date/time {expires}",
            400,
        )
    try:
        role = iam.get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 (moto raises its NotFound)
        role = None
    context = {f"{provider_url}:aud": list(map(str, audiences)), f"{provider_url}:sub": [str(claims.get("sub", ""))]}
    trust = IAMPolicy(role.assume_role_policy_document)._policy_json if role is not None else {}
    if not trust_allows(trust, ACTION, "Federated", provider.arn, context):
        raise Rejected("AccessDenied", f"Not authorized to perform {ACTION}", 403)
