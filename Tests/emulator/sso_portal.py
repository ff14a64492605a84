"""The IAM Identity Center portal's GetRoleCredentials, which moto lacks.

API reference: https://docs.aws.amazon.com/singlesignon/latest/PortalAPIReference/API_GetRoleCredentials.html
(botocore's `sso` model: rest-json, unsigned). `GET /federation/credentials?account_id=…&role_name=…`
with the access token in the `x-amz-sso_bearer_token` header answers
`{"roleCredentials":{"accessKeyId","secretAccessKey","sessionToken","expiration"}}`, the
expiration in milliseconds since the epoch. Clients reach it through `AWS_ENDPOINT_URL_SSO` (the
SDKs' service id "SSO") or `AWS_ENDPOINT_URL`.

On AWS the token comes from `aws sso login` (the OIDC device flow) and `role_name` is a permission
set provisioned into the account as an IAM role. Here `POST /_emulator/sso-token` issues a token
for one account and its role names, with a refresh token and a client registration as
`aws sso login` caches them for an sso-session, and each role name stands for the IAM role of
that name in the emulator's IAM: its keys, assumed through moto's STS, carry its policies and last
`credentialSeconds`.

The SSO OIDC service's CreateToken with `grantType` `refresh_token` (`POST /token`, unsigned,
https://docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/API_CreateToken.html) renews an
access token: a new one for the same grant and lifetime, the same refresh token. A wrong client
or refresh token is `InvalidGrantException`/`InvalidClientException` (400/401,
`{"error","error_description"}`), an expired registration `ExpiredTokenException`.

Errors (rest-json: `x-amzn-ErrorType` header, `{"message"}` body): a missing parameter or token is
`InvalidRequestException` (400); an unknown or expired token `UnauthorizedException` (401,
"Session token not found or invalid"); a role the token was not given, or one IAM does not have,
`ForbiddenException` (403, "No access"), as the portal answers it.
"""

from __future__ import annotations

import calendar
import json
import secrets
import threading
import time
import urllib.parse
from typing import Any, Callable

PATH = "/federation/credentials"
TOKEN_HEADER = "x-amz-sso_bearer_token"
OIDC_PATH = "/token"
ACCOUNT = "123456789012"
REGISTRATION_SECONDS = 90 * 24 * 3600

_lock = threading.Lock()
# token → (account id, role names, expiry in epoch seconds)
_tokens: dict[str, tuple[str, frozenset[str], float]] = {}
# refresh token → (client id, client secret, registration expiry, account, roles, token lifetime)
_refresh: dict[str, tuple[str, str, float, str, frozenset[str], float]] = {}


def _timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _new_token(account: str, roles: frozenset[str], seconds: float) -> tuple[str, float]:
    token = "sso-" + secrets.token_urlsafe(24)
    expires = time.time() + seconds
    with _lock:
        _tokens[token] = (account, roles, expires)
    return token, expires


def issue(body: Any) -> dict[str, Any]:
    """`{"roleNames":[…], "accountId"?, "seconds"?}` → `{"accessToken","expiresAt","refreshToken",
    "clientId","clientSecret","registrationExpiresAt"}` (times in ISO 8601, as `aws sso login`
    caches them)."""
    if not isinstance(body, dict) or set(body) - {"roleNames", "accountId", "seconds"}:
        raise ValueError('expected {"roleNames": [...], "accountId": "...", "seconds": N}')
    roles = body.get("roleNames")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r for r in roles):
        raise ValueError("roleNames must be a non-empty list of role names")
    seconds = float(body.get("seconds", 3600))
    account = str(body.get("accountId", ACCOUNT))
    token, expires = _new_token(account, frozenset(roles), seconds)
    refresh, client, secret = "refresh-" + secrets.token_urlsafe(24), "client-" + secrets.token_urlsafe(8), secrets.token_urlsafe(24)
    registered_until = time.time() + REGISTRATION_SECONDS
    with _lock:
        _refresh[refresh] = (client, secret, registered_until, account, frozenset(roles), seconds)
    return {
        "accessToken": token, "expiresAt": _timestamp(expires), "refreshToken": refresh, "clientId": client,
        "clientSecret": secret, "registrationExpiresAt": _timestamp(registered_until),
    }


def create_token(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """SSO OIDC CreateToken with the refresh_token grant."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        body = None

    def error(status: str, code: str, kind: str, description: str) -> list[bytes]:
        data = json.dumps({"error": kind, "error_description": description}).encode()
        start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("Content-Length", str(len(data)))])
        return [data]

    if not isinstance(body, dict) or body.get("grantType") != "refresh_token":
        return error("400 Bad Request", "UnsupportedGrantTypeException", "unsupported_grant_type", "only refresh_token is served here")
    with _lock:
        grant = _refresh.get(str(body.get("refreshToken", "")))
    if grant is None:
        return error("400 Bad Request", "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
    client, secret, registered_until, account, roles, seconds = grant
    if body.get("clientId") != client or body.get("clientSecret") != secret:
        return error("401 Unauthorized", "InvalidClientException", "invalid_client", "Invalid client provided")
    if registered_until <= time.time():
        return error("400 Bad Request", "ExpiredTokenException", "expired_token", "The client registration has expired")
    token, _ = _new_token(account, roles, seconds)
    data = json.dumps({"accessToken": token, "tokenType": "Bearer", "expiresIn": int(seconds), "refreshToken": body["refreshToken"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    data = json.dumps({"message": message}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("Content-Length", str(len(data)))]
    )
    return [data]


def get_role_credentials(
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    credentials: Callable[[str, int], dict[str, str]],
    seconds: int,
) -> list[bytes]:
    """Answers GetRoleCredentials; `credentials(role_arn, seconds)` assumes the role."""
    from moto.iam.models import iam_backends

    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    account, role = query.get("account_id", [""])[0], query.get("role_name", [""])[0]
    token = environ.get("HTTP_X_AMZ_SSO_BEARER_TOKEN", "")
    if environ.get("REQUEST_METHOD") != "GET" or not account or not role or not token:
        return _error(start_response, "400 Bad Request", "InvalidRequestException", "account_id, role_name and the x-amz-sso_bearer_token header are required")
    with _lock:
        grant = _tokens.get(token)
    if grant is None or grant[2] <= time.time():
        return _error(start_response, "401 Unauthorized", "UnauthorizedException", "Session token not found or invalid")
    role_arn = f"arn:aws:iam::{account}:role/{role}"
    try:
        iam_backends[account]["aws"].get_role_by_arn(role_arn)
        known = True
    except Exception:  # noqa: BLE001 (moto raises its NotFound)
        known = False
    if account != grant[0] or role not in grant[1] or not known:
        return _error(start_response, "403 Forbidden", "ForbiddenException", "No access")
    keys = credentials(role_arn, seconds)
    expiration = calendar.timegm(time.strptime(keys["Expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    body = {
        "roleCredentials": {
            "accessKeyId": keys["AccessKeyId"],
            "secretAccessKey": keys["SecretAccessKey"],
            "sessionToken": keys["Token"],
            "expiration": int(expiration * 1000),
        }
    }
    data = json.dumps(body).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
