"""The AWS action a raw WSGI request asks for, as "service:Operation", for the emulator's request log.

The service is the signing scope's (header or presigned query); the operation comes from
X-Amz-Target (JSON services), the Action parameter (query services, in the URL or a form body)
or, for S3, from the method, path and subresource. A form body is read here and put back, so moto
still sees it.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from typing import Any

import iam_actions

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# The unsigned calls the emulator serves: STS web identity (its Action names it), the SSO
# portal's GetRoleCredentials and SSO OIDC's CreateToken (their paths do).
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
OIDC_CREATE_TOKEN = "sso-oidc:CreateToken"
_UNSIGNED_PATHS = {("GET", "/federation/credentials"): "sso:GetRoleCredentials", ("POST", "/token"): OIDC_CREATE_TOKEN}


def _service(environ: dict[str, Any]) -> str:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    credential = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 else "unknown"


def _form_action(environ: dict[str, Any]) -> str | None:
    if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", "") or environ.get("REQUEST_METHOD") != "POST":
        return None
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit():
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]


def action_of(environ: dict[str, Any]) -> str:
    unsigned = _UNSIGNED_PATHS.get((environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")))
    if unsigned and not environ.get("HTTP_AUTHORIZATION"):
        return unsigned
    service = _service(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    if service == "s3":
        path = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        if "?" not in path and environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        request = iam_actions.Request(
            service="s3",
            action="",
            account="",
            region="",
            params={},
            method=environ.get("REQUEST_METHOD", "GET"),
            path=path,
            headers=headers,
        )
        return f"s3:{iam_actions.s3_operation(request)}"
    action = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action", [None])[0] or _form_action(environ)
    if service == "unknown" and f"sts:{action}" == WEB_IDENTITY:
        service = "sts"
    return f"{service}:{action or 'unknown'}"
