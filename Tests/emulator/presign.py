"""Presigned S3 URLs (SigV4 query authentication) for moto's signature checks.

moto 5.2.5 checks only Authorization headers: a presigned URL makes it fail with a bare 500. Here
the query signature is checked the way S3 does (expiry, key, signature over UNSIGNED-PAYLOAD), then
the request is handed to moto re-signed with an Authorization header by the same key, so moto's
own check and IAM evaluation still run.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus

AUTH_PARAMS = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
}
MAX_EXPIRES = 7 * 24 * 3600  # S3's limit for SigV4 presigned URLs


class PresignError(Exception):
    def __init__(self, status: str, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def is_presigned(environ: dict[str, Any]) -> bool:
    return not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Signature=" in environ.get("QUERY_STRING", "")


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _header(environ: dict[str, Any], name: str) -> str:
    key = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}.get(name, "HTTP_" + name.upper().replace("-", "_"))
    return " ".join(str(environ.get(key, "")).split())


def _secret(key_id: str, token: str | None) -> tuple[Any, Any]:
    from moto.iam.access_control import create_access_key
    from moto.iam.models import get_account_id_from

    headers = {"X-Amz-Security-Token": token} if token else {}
    try:
        access_key = create_access_key(get_account_id_from(key_id), "aws", key_id, headers)
        return access_key, access_key.create_credentials()
    except Exception:
        raise PresignError("403 Forbidden", "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.") from None


def _raw_path(environ: dict[str, Any]) -> str:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
    return raw.split("?", 1)[0] or "/"


def convert(environ: dict[str, Any], now: datetime | None = None) -> None:
    """Check a presigned request and turn it into a header-signed one, in place; PresignError if bad."""
    query = environ.get("QUERY_STRING", "")
    pairs = parse_qsl(query, keep_blank_values=True)
    params = dict(pairs)
    bad = PresignError("400 Bad Request", "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
    try:
        if params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
            raise bad
        key_id, day, region, service, terminal = params["X-Amz-Credential"].split("/")
        amz_date, signed_headers = params["X-Amz-Date"], params["X-Amz-SignedHeaders"]
        signature, expires = params["X-Amz-Signature"], int(params["X-Amz-Expires"])
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except (KeyError, ValueError):
        raise bad from None
    if terminal != "aws4_request" or not 0 < expires <= MAX_EXPIRES:
        raise bad
    now = now or datetime.now(timezone.utc)
    if now > signed_at + timedelta(seconds=expires):
        raise PresignError("403 Forbidden", "AccessDenied", "Request has expired")

    access_key, credentials = _secret(key_id, params.get("X-Amz-Security-Token"))
    path = _raw_path(environ)
    canonical_query = "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in pairs if k != "X-Amz-Signature"))
    names = signed_headers.split(";")
    canonical_headers = "".join(f"{name}:{_header(environ, name)}\n" for name in names)
    payload = params.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    canonical = "\n".join([environ.get("REQUEST_METHOD", "GET"), path, canonical_query, canonical_headers, signed_headers, payload])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + credentials.secret_key).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise PresignError("403 Forbidden", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")

    # Keep the other parameters exactly as the client encoded them.
    kept = [part for part in query.split("&") if part and unquote_plus(part.split("=", 1)[0]) not in AUTH_PARAMS]
    new_query = "&".join(kept)
    environ["QUERY_STRING"] = new_query
    environ["RAW_URI"] = environ["REQUEST_URI"] = path + (f"?{new_query}" if new_query else "")
    _sign_header_style(environ, credentials, region, service, path, new_query, now)


def _sign_header_style(environ: dict[str, Any], credentials: Any, region: str, service: str, path: str, query: str, now: datetime) -> None:
    # botocore's own S3 signer, fed the request as moto will rebuild it, so moto's check agrees.
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest

    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": environ.get("HTTP_HOST", ""), "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amz_date}
    if credentials.token:
        headers["x-amz-security-token"] = credentials.token
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=path + (f"?{query}" if query else ""), headers=headers)
    request.context["timestamp"] = amz_date
    auth = S3SigV4Auth(credentials, service, region)
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    signed = auth.signed_headers(auth.headers_to_sign(request))
    environ["HTTP_AUTHORIZATION"] = f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{auth.scope(request).split('/', 1)[1]}, SignedHeaders={signed}, Signature={signature}"
    environ["HTTP_X_AMZ_DATE"] = amz_date
    environ["HTTP_X_AMZ_CONTENT_SHA256"] = "UNSIGNED-PAYLOAD"
    if credentials.token:
        environ["HTTP_X_AMZ_SECURITY_TOKEN"] = credentials.token
