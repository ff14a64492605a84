"""The test ground's AWS: moto server with signature checks, the export extension and a fault switch.

Run from the repository root (make emulator does): python Tests/emulator/emulator.py
Environment: see Tests/emulator/README.md.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

HERE = Path(__file__).resolve().parent
REGION = "eu-west-1"
USER = "sandbox-test"
# The bootstrap's own requests carry this header; everything else waits until bootstrap is done.
BOOTSTRAP_HEADER = "HTTP_X_EMULATOR_BOOTSTRAP"
FAULT_KINDS = ("slowdown", "throttling", "drop")
# Faults after moto has done the work: the effect happens, the answer is lost.
AFTER_FAULT_KINDS = ("drop-after", "error-after")
ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")

# moto reads this when it is imported: set it first. The AMIs every region starts with.
os.environ.setdefault("MOTO_AMIS_PATH", str(HERE / "amis.json"))

from moto import settings as moto_settings  # noqa: E402
from moto.core.base_backend import BackendDict, backend_lock  # noqa: E402
from moto.core.model_instances import reset_model_data  # noqa: E402
from moto.core.responses import ActionAuthenticatorMixin  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

sys.path.insert(0, str(HERE))
import account_checks  # noqa: E402
import cfn_ec2  # noqa: E402
import cfn_models  # noqa: E402
import disks  # noqa: E402
import exports  # noqa: E402
import fixes  # noqa: E402
import fixes_cfn  # noqa: E402
import fixes_changesets  # noqa: E402
import fixes_codebuild  # noqa: E402
import fixes_assets  # noqa: E402
import fixes_export  # noqa: E402
import iam_enforcer  # noqa: E402
import large_objects  # noqa: E402
import presign  # noqa: E402
import request_log  # noqa: E402
import sso_portal  # noqa: E402


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


class DropConnection(ConnectionAbortedError):
    """Raised after the socket is closed on purpose; werkzeug treats it as a client that went away."""


class Emulator:
    """WSGI middleware in front of moto: control endpoints, request counter, faults."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.lock = threading.Lock()
        self.ready = threading.Event()
        self.bootstrap_token = uuid.uuid4().hex
        self.requests = 0
        self.faulted = 0
        self.actions: list[str] = []
        self.fault_rate = 0.0
        self.fault_kinds: list[str] = list(FAULT_KINDS)
        self.fault_limit: int | None = None
        # Served at /_emulator/container-credentials, standing in for CodeBuild's endpoint.
        self.container_token: str | None = None
        self.credentials: tuple[str, str] | None = None
        # {"action": "ExportImage", "seconds": 5}: that action's answer is held back after it was
        # processed, as a slow network would (a tool interrupted meanwhile must still clean up).
        self.delay: dict[str, Any] | None = None
        # When set, the container endpoint hands out this role's temporary keys instead.
        self.container_role: str | None = None
        self.credential_seconds = 3600
        self.configure(
            {
                "faultRate": _env_float("EMULATOR_FAULT_RATE", 0.0),
                "faultKinds": [k for k in os.environ.get("EMULATOR_FAULT_KINDS", ",".join(FAULT_KINDS)).split(",") if k.strip()],
                "exportSeconds": _env_float("EMULATOR_EXPORT_SECONDS", 3.0),
                "exportBytes": int(_env_float("EMULATOR_EXPORT_BYTES", 1024 * 1024)),
            }
        )

    # --- configuration -------------------------------------------------------------------------

    def configure(self, changes: dict[str, Any]) -> None:
        known = {"faultRate", "faultKinds", "faultLimit", "exportSeconds", "exportBytes", "containerToken",
                 "containerRoleArn", "credentialSeconds", "delay", "instanceVcpuQuota"} | disks.CONFIG_KEYS
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        # Validate everything before changing anything.
        rate, kinds, limit = self.fault_rate, self.fault_kinds, self.fault_limit
        role, lifetime = self.container_role, self.credential_seconds
        seconds, size = exports.Settings.export_seconds, exports.Settings.export_bytes
        disk = disks.validated(changes)
        quota = account_checks.validated(changes)
        if "faultRate" in changes:
            rate = float(changes["faultRate"])
            if not 0.0 <= rate <= 1.0:
                raise ValueError("faultRate must be between 0 and 1")
        if "faultKinds" in changes:
            kinds = [str(k).strip().lower() for k in changes["faultKinds"]]
            bad = [k for k in kinds if k not in FAULT_KINDS + AFTER_FAULT_KINDS]
            if bad or not kinds:
                raise ValueError(f"faultKinds must be a non-empty subset of {', '.join(FAULT_KINDS + AFTER_FAULT_KINDS)}")
        if "faultLimit" in changes:
            limit = None if changes["faultLimit"] is None else int(changes["faultLimit"])
            if limit is not None and limit < 0:
                raise ValueError("faultLimit must be >= 0 or null")
        if "containerRoleArn" in changes:
            role = changes["containerRoleArn"]
            if role is not None and not (isinstance(role, str) and ROLE_ARN.match(role)):
                raise ValueError("containerRoleArn must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME) or null")
            if role is not None and not _role_exists(role):
                raise ValueError(f"containerRoleArn: no role {role} in the emulator's IAM; create it first")
        if "credentialSeconds" in changes:
            lifetime = int(changes["credentialSeconds"])
            if not 1 <= lifetime <= 43200:
                raise ValueError("credentialSeconds must be between 1 and 43200")
        if "exportSeconds" in changes:
            seconds = float(changes["exportSeconds"])
            if seconds < 0:
                raise ValueError("exportSeconds must be >= 0")
        if "exportBytes" in changes:
            size = int(changes["exportBytes"])
            if size < 0:
                raise ValueError("exportBytes must be >= 0")
        with self.lock:
            self.fault_rate, self.fault_kinds, self.fault_limit = rate, kinds, limit
            if "delay" in changes:
                delay = changes["delay"]
                if delay is not None and not (isinstance(delay, dict) and set(delay) == {"action", "seconds"}):
                    raise ValueError('delay must be null or {"action": NAME, "seconds": N}')
                self.delay = delay
            self.container_role, self.credential_seconds = role, lifetime
            if "containerToken" in changes:
                self.container_token = None if changes["containerToken"] is None else str(changes["containerToken"])
        exports.Settings.export_seconds, exports.Settings.export_bytes = seconds, size
        disks.Settings.instance_disk = disk
        if quota is not None:
            account_checks.Settings.instance_vcpu_quota = quota

    def config(self) -> dict[str, Any]:
        with self.lock:
            return {
                "faultRate": self.fault_rate,
                "faultKinds": list(self.fault_kinds),
                "faultLimit": self.fault_limit,
                "exportSeconds": exports.Settings.export_seconds,
                "exportBytes": exports.Settings.export_bytes,
                "containerToken": self.container_token,
                "delay": self.delay,
                "containerRoleArn": self.container_role,
                "credentialSeconds": self.credential_seconds,
                "instanceVcpuQuota": account_checks.Settings.instance_vcpu_quota,
                **disks.config(),
            }

    # --- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self.control(environ, start_response)
        if environ.get(BOOTSTRAP_HEADER) == self.bootstrap_token:
            return self.app(environ, start_response)
        if not self.ready.is_set():
            return _json(start_response, "503 Service Unavailable", {"error": "the emulator is still starting"})
        if path.startswith("/moto-api"):
            # moto's own dashboard and reset: not AWS, not counted; its reset would also drop the IAM
            # user, so point callers at ours.
            if path.startswith("/moto-api/reset"):
                return _json(start_response, "403 Forbidden", {"error": "use POST /_emulator/reset"})
            return self.app(environ, start_response)

        action = request_log.action_of(environ)
        with self.lock:
            self.requests += 1
            self.actions.append(action)
            fault = None
            # faultLimit counts down: at most that many more faults from when it was set.
            if self.fault_rate > 0 and self.fault_limit != 0 and random.random() < self.fault_rate:
                fault = random.choice(self.fault_kinds)
                self.faulted += 1
                if self.fault_limit is not None:
                    self.fault_limit -= 1
        if fault:
            print(f"emulator: fault {fault} for {action} ({environ.get('REQUEST_METHOD')} {path})", file=sys.stderr, flush=True)
        if fault == "drop":
            return self.drop(environ)
        if fault == "slowdown":
            return _slowdown(start_response)
        if fault == "throttling":
            return _throttling(environ, start_response)
        if path == sso_portal.PATH:
            with self.lock:
                lifetime = self.credential_seconds
            return sso_portal.get_role_credentials(environ, start_response, _role_credentials, lifetime)
        if action == request_log.OIDC_CREATE_TOKEN:
            return sso_portal.create_token(environ, start_response)
        if presign.is_presigned(environ):
            try:
                presign.convert(environ)
            except presign.PresignError as error:
                return _s3_error(start_response, error.status, error.code, error.message)
        elif action == request_log.WEB_IDENTITY:
            # Unsigned on AWS too (the token is the proof; iam_enforcer checks it). Without
            # DurationSeconds the keys last credentialSeconds (3600 unless set, AWS's default).
            with self.lock:
                lifetime = self.credential_seconds
            _default_duration(environ, lifetime)
        elif not environ.get("HTTP_AUTHORIZATION"):
            # moto answers an unsigned request with a bare 500 once signature checks are on.
            return _unsigned(environ, start_response)
        exports.tick()
        if fault in AFTER_FAULT_KINDS:
            return self.after_fault(fault, environ, start_response)
        with self.lock:
            delay = self.delay
        if delay is None:
            return self.app(environ, start_response)
        body = b"".join(self.app(environ, start_response))
        # The JSON protocols name the action in X-Amz-Target, "<service prefix>.<action>".
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if f"<{delay['action']}Response".encode() in body[:300] or target.endswith("." + delay["action"]):
            time.sleep(float(delay["seconds"]))
        return [body]

    def after_fault(self, fault: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """moto does the work and its answer is thrown away: the reply is lost or replaced by a 500."""
        answered: list[str] = []
        body = self.app(environ, lambda status, headers, exc_info=None: answered.append(status))
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        print(f"emulator: {fault}: moto answered {answered[:1]}, the client gets no such answer", file=sys.stderr, flush=True)
        if fault == "drop-after":
            return self.drop(environ)
        return _internal_error(environ, start_response)

    def drop(self, environ: dict[str, Any]) -> Iterable[bytes]:
        # Read the request body so the close is a clean FIN (curl: "Empty reply from server")
        # rather than a reset caused by unread data, then close without a byte of response.
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH") or ""
        try:
            if length.isdigit():
                remaining = int(length)
                while remaining > 0:
                    chunk = stream.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
                while stream.read(1 << 20):
                    pass
        except OSError:
            pass
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        raise DropConnection("fault switch: connection dropped")

    def control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if path == "/_emulator/health" and method == "GET":
            if not self.ready.is_set():
                return _json(start_response, "503 Service Unavailable", {"ready": False})
            return _json(start_response, "200 OK", {"ready": True})
        if not self.ready.is_set():
            return _json(start_response, "503 Service Unavailable", {"error": "the emulator is still starting"})
        if path == "/_emulator/config":
            if method == "GET":
                return _json(start_response, "200 OK", self.config())
            if method == "POST":
                try:
                    body = _read_json(environ)
                    if not isinstance(body, dict):
                        raise ValueError("expected a JSON object")
                    self.configure(body)
                except (ValueError, TypeError) as error:
                    return _json(start_response, "400 Bad Request", {"error": str(error)})
                return _json(start_response, "200 OK", self.config())
        elif path == "/_emulator/container-credentials" and method == "GET":
            # Like the container credentials endpoint: the token must match when one is set.
            with self.lock:
                token, creds = self.container_token, self.credentials
                role, lifetime = self.container_role, self.credential_seconds
            if token is not None and environ.get("HTTP_AUTHORIZATION") != token:
                return _json(start_response, "401 Unauthorized", {"error": "wrong or missing Authorization token"})
            # A CodeBuild build's URL names its project's service role: each build gets that role's keys.
            asked = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("roleArn")
            if asked:
                role = asked[0]
                if not ROLE_ARN.match(role) or not _role_exists(role):
                    return _json(start_response, "404 Not Found", {"error": f"no role {role} in the emulator's IAM"})
            assert creds is not None
            return _json(start_response, "200 OK", _keys(creds, role, lifetime))
        elif path == "/_emulator/sso-token" and method == "POST":
            # What `aws sso login` caches: an access token for the portal (sso_portal.py).
            try:
                return _json(start_response, "200 OK", sso_portal.issue(_read_json(environ)))
            except (ValueError, TypeError) as error:
                return _json(start_response, "400 Bad Request", {"error": str(error)})
        elif path.startswith("/_emulator/checkip/") and method == "GET":
            # checkip.amazonaws.com as a CodeBuild build sees it: /_emulator/checkip/REGION[/SUBNET]
            # (the buildspec runner points there).
            region, _, subnet = path[len("/_emulator/checkip/"):].partition("/")
            status, text = fixes_codebuild.checkip(region, subnet or None)
            start_response(f"{status} {'OK' if status == 200 else 'Error'}", [("Content-Type", "text/plain")])
            return [(text + "\n").encode()]
        elif path.startswith("/_emulator/imds/"):
            return self.instance_metadata(environ, start_response, path[len("/_emulator/imds"):], method)
        elif path == "/_emulator/requests" and method == "GET":
            with self.lock:
                return _json(start_response, "200 OK", {"count": self.requests, "faulted": self.faulted, "actions": list(self.actions)})
        elif path == "/_emulator/expire-credentials" and method == "POST":
            # Keys AWS revokes or expires before the Expiration they were handed out with: a
            # client's early renewal cannot help, only its renewal on the expired-token answer.
            return _json(start_response, "200 OK", {"expired": expire_role_credentials()})
        elif path == "/_emulator/reset" and method == "POST":
            reset_keeping_iam()
            with self.lock:
                self.requests = 0
                self.faulted = 0
                self.delay = None
                self.actions.clear()
            return _json(start_response, "200 OK", {"status": "ok"})
        else:
            return _json(start_response, "404 Not Found", {"error": f"no control endpoint {method} {path}"})
        return _json(start_response, "405 Method Not Allowed", {"error": f"{method} is not allowed on {path}"})


    def instance_metadata(self, environ: dict[str, Any], start_response: Callable[..., Any], path: str, method: str) -> Iterable[bytes]:
        """IMDSv2 as an EC2 instance sees it: a session token first (PUT), then the role and its
        credentials, each GET carrying the token."""
        def text(status: str, body: str) -> list[bytes]:
            data = body.encode()
            start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
            return [data]

        if path == "/latest/api/token":
            if method != "PUT" or not environ.get("HTTP_X_AWS_EC2_METADATA_TOKEN_TTL_SECONDS"):
                return text("400 Bad Request", "PUT with X-aws-ec2-metadata-token-ttl-seconds")
            with self.lock:
                self.imds_token = uuid.uuid4().hex
                return text("200 OK", self.imds_token)
        with self.lock:
            token, creds = getattr(self, "imds_token", None), self.credentials
            role_arn, lifetime = self.container_role, self.credential_seconds
        if token is None or environ.get("HTTP_X_AWS_EC2_METADATA_TOKEN") != token:
            return text("401 Unauthorized", "")
        role = "sandbox-instance-role"
        if path == "/latest/meta-data/iam/security-credentials/":
            return text("200 OK", role)
        if path == f"/latest/meta-data/iam/security-credentials/{role}" and creds is not None:
            # The instance profile hands out the same role's expiring keys as the container endpoint.
            keys = _keys(creds, role_arn, lifetime)
            return _json(start_response, "200 OK", {"Code": "Success", "Type": "AWS-HMAC", **keys})
        return text("404 Not Found", "")


def _read_json(environ: dict[str, Any]) -> Any:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    return json.loads(raw or b"{}")


def _default_duration(environ: dict[str, Any], seconds: int) -> None:
    """Adds DurationSeconds to a form body that has none (request_log has read it already)."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if body and "DurationSeconds" not in urllib.parse.parse_qs(body.decode("utf-8", "replace")):
        body += f"&DurationSeconds={seconds}".encode()
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))


def _json(start_response: Callable[..., Any], status: str, body: Any) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _request_id() -> str:
    return str(uuid.uuid4())


def _slowdown(start_response: Callable[..., Any]) -> list[bytes]:
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>emulator</HostId></Error>"
    ).encode()
    start_response(
        "503 Slow Down",
        [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]


def _service_error(environ: dict[str, Any], start_response: Callable[..., Any], status: str, code: str,
                   json_code: str, message: str, party: str) -> list[bytes]:
    """An error in the request's own protocol: JSON (X-Amz-Target + JSON body) or the query XML."""
    request_id = _request_id()
    content_type = environ.get("CONTENT_TYPE", "")
    if environ.get("HTTP_X_AMZ_TARGET") and "json" in content_type:
        body = json.dumps({"__type": json_code, "message": message}).encode()
        headers = [("Content-Type", content_type.split(";")[0]), ("x-amzn-ErrorType", json_code)]
    else:
        body = (
            f"<ErrorResponse><Error><Type>{party}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    headers += [("Content-Length", str(len(body))), ("x-amzn-RequestId", request_id)]
    start_response(status, headers)
    return [body]


def _throttling(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    # A JSON-protocol service (CodeBuild, WAFv2) says the same thing in JSON.
    return _service_error(environ, start_response, "400 Bad Request", "Throttling", "ThrottlingException", "Rate exceeded", "Sender")


def _s3_error(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body))), ("x-amz-request-id", request_id)])
    return [body]


def _unsigned(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    request_id = _request_id()
    content_type = environ.get("CONTENT_TYPE", "")
    message = "Request is missing Authentication Token"
    if environ.get("HTTP_X_AMZ_TARGET") and "json" in content_type:
        body = json.dumps({"__type": "MissingAuthenticationTokenException", "message": message}).encode()
        headers = [("Content-Type", content_type.split(";")[0])]
    elif "Action=" in environ.get("QUERY_STRING", "") or "x-www-form-urlencoded" in content_type:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    else:
        # S3 treats an unsigned request as anonymous; nothing here is public.
        return _s3_error(start_response, "403 Forbidden", "AccessDenied", "Access Denied")
    start_response("403 Forbidden", headers + [("Content-Length", str(len(body))), ("x-amzn-RequestId", request_id)])
    return [body]


def _internal_error(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    status = "500 Internal Server Error"
    if "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
        return _s3_error(start_response, status, "InternalError", "We encountered an internal error. Please try again.")
    return _service_error(environ, start_response, status, "InternalFailure", "InternalFailure", "An internal error has occurred", "Receiver")


def _role_exists(role_arn: str) -> bool:
    from moto.iam.models import iam_backends

    account = role_arn.split(":")[4]
    try:
        iam_backends[account]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 (moto raises its NotFound)
        return False
    return True


def _keys(bootstrap: tuple[str, str], role_arn: str | None, seconds: int) -> dict[str, str]:
    """What the credential endpoints serve: the role's fresh temporary keys, or the bootstrap key."""
    if role_arn is not None:
        return _role_credentials(role_arn, seconds)
    return {
        "AccessKeyId": bootstrap[0], "SecretAccessKey": bootstrap[1], "Token": "",
        "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds)),
    }


def _role_credentials(role_arn: str, seconds: int) -> dict[str, str]:
    """A fresh set of the role's temporary keys through moto's STS, so requests carry its policies."""
    from moto.sts.models import sts_backends

    account = role_arn.split(":")[4]
    assumed = sts_backends[account]["aws"].assume_role(
        region_name=REGION, role_session_name=f"container-{uuid.uuid4().hex[:12]}", role_arn=role_arn,
        policy="", duration=seconds, external_id="",
    )
    return {
        "AccessKeyId": assumed.access_key_id, "SecretAccessKey": assumed.secret_access_key,
        "Token": assumed.session_token, "Expiration": assumed.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def expire_role_credentials() -> int:
    """Every temporary key handed out so far expires now; returns how many there were."""
    import datetime

    from moto.sts.models import sts_backends

    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(seconds=1)
    count = 0
    for account in list(sts_backends.keys()):
        for backend in sts_backends[account].values():
            for role in backend.assumed_roles:
                role.expiration = past
                count += 1
    return count


def reset_keeping_iam() -> None:
    """moto's reset for every service but IAM, so the bootstrap user and its key keep working."""
    with backend_lock:
        kept = []
        for backend in BackendDict._instances:  # type: ignore[misc]
            if backend.service_name in ("iam", "sts"):
                kept.append(backend)
                continue
            for account_specific in backend.values():
                account_specific.reset()
            backend.clear()
        BackendDict._instances[:] = kept  # type: ignore[misc]
    reset_model_data()
    exports.reset()
    disks.reset()
    fixes_export.reset()
    fixes_codebuild.reset()


def bootstrap(endpoint: str, token: str) -> tuple[str, str]:
    """The first (and only) unauthenticated requests: a user, an allow-all policy, an access key."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bootstrap",
        aws_secret_access_key="bootstrap",
    )

    def mark(request: Any, **_: Any) -> None:
        request.headers["X-Emulator-Bootstrap"] = token

    iam.meta.events.register("before-send", mark)
    iam.create_user(UserName=USER)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=USER, PolicyName="allow-all", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _write_private(path: Path, text: str) -> None:
    # Written whole under a temporary name with mode 0600, then renamed: never readable half-done.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_credentials(state_dir: Path, endpoint: str, key_id: str, secret: str) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    _write_private(
        state_dir / "credentials",
        f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n",
    )
    _write_private(
        state_dir / "env",
        f"export AWS_ACCESS_KEY_ID={key_id}\n"
        f"export AWS_SECRET_ACCESS_KEY={secret}\n"
        f"export AWS_ENDPOINT_URL={endpoint}\n"
        f"export AWS_REGION={REGION}\n"
        f"export AWS_DEFAULT_REGION={REGION}\n"
        "export AWS_EC2_METADATA_DISABLED=true\n",
    )


class Handler(MotoRequestHandler):
    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        # werkzeug drops header names containing "_" (a spoofing guard); the SSO portal's token
        # header has one.
        token = self.headers.get(sso_portal.TOKEN_HEADER)
        if token is not None:
            environ["HTTP_X_AMZ_SSO_BEARER_TOKEN"] = token
        return environ

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # Control calls (polling) would drown the log.
        if not self.path.startswith("/_emulator/"):
            super().log_request(code, size)


def main() -> int:
    host = "127.0.0.1"
    # Unset or 0: a free port, chosen by the system (a fresh emulator never meets an old one).
    port = int(os.environ.get("EMULATOR_PORT") or "0")
    state_dir = Path(os.environ.get("EMULATOR_STATE_DIR", str(HERE.parent.parent / "build" / "emulator")))

    fixes.install()
    large_objects.install()
    fixes_cfn.install()
    fixes_changesets.install()
    fixes_codebuild.install()
    fixes_assets.install()
    fixes_export.install(sys.modules[__name__])
    cfn_models.install()
    exports.install()
    iam_enforcer.install()
    cfn_ec2.install()
    account_checks.install()
    disks.install()
    emulator = Emulator(DomainDispatcherApplication(create_backend_app))

    # Exactly the bootstrap's three calls go unchecked; every later request must be signed.
    moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 3
    ActionAuthenticatorMixin.request_count = 0

    # Port 0: the system picks a free one; env then names the port really used.
    server = make_server(host, port, emulator, threaded=True, request_handler=Handler)
    port = server.server_port
    endpoint = f"http://{host}:{port}"
    os.environ["MOTO_PORT"] = str(port)

    def start() -> None:
        try:
            key_id, secret = bootstrap(endpoint, emulator.bootstrap_token)
            if ActionAuthenticatorMixin.request_count < moto_settings.INITIAL_NO_AUTH_ACTION_COUNT:
                raise RuntimeError("signature checks did not switch on after the bootstrap")
            write_credentials(state_dir, endpoint, key_id, secret)
            emulator.credentials = (key_id, secret)
            emulator.ready.set()
            print(f"emulator ready on {endpoint} (state in {state_dir})", file=sys.stderr, flush=True)
        except Exception:
            traceback.print_exc()
            print("emulator: bootstrap failed", file=sys.stderr, flush=True)
            os._exit(1)

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=start, name="bootstrap", daemon=True).start()
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
