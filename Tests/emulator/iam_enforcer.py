"""IAM as AWS enforces it, in place of moto's action-only check.

After moto's signature check, every request is (1) refused with the service's expired-token error
when its temporary credentials have expired, then (2) evaluated against the caller's identity
policies (an IAM user's inline, attached and group policies; an assumed role's inline and attached
policies) for each (action, resource, context) that iam_actions gives. An action the table does not
know is denied. Denials carry AWS's codes, statuses and message wording per service. The one
unsigned call, STS AssumeRoleWithWebIdentity, is checked by web_identity instead.

The caller of each request is kept for its thread: CloudFormation's EC2 resources (cfn_ec2) are
authorized as that caller, or as the stack's service role. Once IAM allowed an EC2 request, an
undocumented filter name is refused (ec2_filters) and DryRun answers DryRunOperation.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
import uuid
from typing import Any

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.utils import utcnow
from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy
from moto.s3.exceptions import S3ClientError
from moto.sts.models import sts_backends
from werkzeug.exceptions import HTTPException

import ec2_filters
import iam_actions
import web_identity
from iam_policy import Decision, UnsupportedCondition, evaluate

JSON_SERVICES = ("codebuild", "logs", "secretsmanager", "ssm", "servicequotas")

# The caller of the request this thread serves, for CloudFormation's resource creation.
_caller = threading.local()


class AwsRejection(HTTPException):
    """An AWS-shaped error answer for the query and JSON services (moto's call_action sends it)."""

    def __init__(self, status: int, body: str):
        super().__init__(description=body)
        self.code = status

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description or ""


class CallerDenied(Exception):
    """A call CloudFormation's identity may not make: the resource, and so the stack, fails."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _rejection(service: str, code: str, message: str, status: int) -> Exception:
    request_id = str(uuid.uuid4())
    if service == "s3":
        error = S3ClientError(code, message)
        error.http_status_code = status  # type: ignore[attr-defined]
        return error
    if service in JSON_SERVICES:
        return AwsRejection(status, json.dumps({"__type": code, "message": message}))
    escaped = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if service == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{escaped}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
    else:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escaped}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return AwsRejection(status, body)


def deny_message(principal: str, check: iam_actions.Check, decision: Decision, service: str) -> str:
    why = (
        "with an explicit deny in an identity-based policy"
        if decision == Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {check.action} action"
    )
    text = f"User: {principal} is not authorized to perform: {check.action} on resource: {check.resource} {why}"
    return f"You are not authorized to perform this operation. {text}" if service == "ec2" else text


def denial(service: str, principal: str, check: iam_actions.Check, decision: Decision, note: str = "") -> Exception:
    message = deny_message(principal, check, decision, service) + note
    # One log line per denial: what a failing test's author looks for first.
    print(f"emulator: denied: {message}", file=sys.stderr, flush=True)
    if service == "ec2":
        return _rejection(service, "UnauthorizedOperation", message, 403)
    if service in JSON_SERVICES:
        return _rejection(service, "AccessDeniedException", message, 400)
    return _rejection(service, "AccessDenied", message, 403)


def expired(service: str) -> Exception:
    if service == "ec2":
        return _rejection(service, "RequestExpired", "Request has expired.", 400)
    if service == "s3":
        return _rejection(service, "ExpiredToken", "The provided token has expired.", 400)
    if service in JSON_SERVICES:
        return _rejection(
            service, "ExpiredTokenException", "The security token included in the request is expired", 400
        )
    return _rejection(service, "ExpiredToken", "The security token included in the request is expired", 403)


def policy_documents(policies: list[Any]) -> list[dict[str, Any]]:
    # moto keeps the inline policies of a role CloudFormation made as objects, not JSON text.
    return [p if isinstance(p, dict) and "Statement" in p else IAMPolicy(p)._policy_json for p in policies]


def _is_expired(access_key: Any) -> bool:
    if not isinstance(access_key, AssumedRoleAccessKey):
        return False
    for role in sts_backends[access_key.account_id][access_key.partition].assumed_roles:
        if role.access_key_id == access_key._access_key_id:
            return role.expiration <= utcnow()
    return False


def _global_context(principal: str, account: str, region: str) -> dict[str, list[str]]:
    # The emulator stands in for AWS's HTTPS endpoints, so every request is secure transport.
    return {
        "aws:securetransport": ["true"],
        "aws:principalarn": [principal],
        "aws:principalaccount": [account],
        "aws:requestedregion": [region],
    }


def authorize(
    principal: str, documents: list[dict[str, Any]], checks: list[iam_actions.Check], account: str, region: str
) -> tuple[iam_actions.Check, Decision] | None:
    """The first check that is not allowed, or None when every one is."""
    base = _global_context(principal, account, region)
    for check in checks:
        try:
            decision = evaluate(documents, check.action, check.resource, {**base, **check.context})
        except UnsupportedCondition:
            decision = Decision.IMPLICIT_DENY
        if decision != Decision.ALLOW:
            return check, decision
    return None


def _missing_key_check(
    request: iam_actions.Request, principal: str, documents: list[dict[str, Any]]
) -> tuple[iam_actions.Check, Decision] | None:
    """API_HeadObject, API_GetObject: a key that does not exist is 404 only to a caller allowed
    s3:ListBucket on the bucket, 403 AccessDenied to any other. AWS does not document the condition
    context of that check; a HeadObject has no prefix, so the emulator evaluates ListBucket on the
    bucket without s3:prefix: a ListBucket granted only under an s3:prefix condition does not count."""
    from moto.s3.models import FakeKey, s3_backends

    name, key, query = iam_actions.s3_target(request)
    bucket = s3_backends[request.account]["aws"].buckets.get(name)
    if bucket is None:
        return None  # moto answers NoSuchBucket
    version = query.get("versionId", [None])[0]
    found = [k for k in bucket.keys.getlist(key, []) if version is None or str(k.version_id) == version]
    # The newest version (or the one asked for); a delete marker is no object.
    if found and isinstance(found[-1], FakeKey):
        return None
    return authorize(principal, documents, [iam_actions.Check("s3:ListBucket", f"arn:aws:s3:::{name}")],
                     request.account, request.region)


def _request_of(response: Any, iam_request: Any) -> iam_actions.Request:
    service = iam_request._service
    path = response.raw_path
    query = urllib.parse.urlsplit(response.uri).query
    if query:
        path += "?" + query
    raw_body = response.raw_body if isinstance(response.raw_body, bytes) else (response.raw_body or "").encode()
    # moto's querystring maps each name to a list of values; the table wants the first, as text.
    params = {
        k: v[0] for k, v in (response.querystring or {}).items() if isinstance(v, list) and v and isinstance(v[0], str)
    }
    request = iam_actions.Request(
        service=service,
        action="",
        account=response.current_account,
        region=iam_request._region,
        params=params,
        method=response.method,
        path=path,
        headers=dict(response.headers.items()),
        raw_body=raw_body,
    )
    if service == "s3":
        request.action = iam_actions.s3_operation(request)
    else:
        request.action = response._get_action()
        if service in JSON_SERVICES:
            request.body = iam_actions.parse_json(raw_body)
    return request


def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    if getattr(self, "_emulator_authorized", False):
        return  # moto's S3 code asks more than once per request
    if not self.headers.get("Authorization") and self._get_action() == "AssumeRoleWithWebIdentity":
        # Unsigned, as on AWS: the web identity token and the role's trust policy decide.
        params = {k: v[0] for k, v in (self.querystring or {}).items() if isinstance(v, list) and v}
        try:
            web_identity.check(params)
        except web_identity.Rejected as rejected:
            print(f"emulator: denied: {web_identity.ACTION}: {rejected.code}: {rejected.message}", file=sys.stderr, flush=True)
            raise _rejection("sts", rejected.code, rejected.message, rejected.status) from None
        self._emulator_authorized = True
        return
    path = self.raw_path
    query = urllib.parse.urlsplit(self.uri).query
    iam_request = iam_request_cls(
        account_id=self.current_account,
        method=self.method,
        path=path + ("?" + query if query else ""),
        data=self.data,
        body=self.raw_body,
        headers=self.headers,
        action=self._get_action(),
    )
    iam_request.check_signature()
    service = iam_request._service
    access_key = iam_request._access_key
    if _is_expired(access_key):
        raise expired(service)
    request = _request_of(self, iam_request)
    principal = access_key.arn
    _caller.identity = None
    if (service, request.action) != ("sts", "GetCallerIdentity"):  # AWS answers it whatever the policies say
        documents = policy_documents(access_key.collect_policies())
        try:
            checks = iam_actions.checks_for(request)
        except iam_actions.UnknownAction as unknown:
            raise denial(
                service,
                principal,
                iam_actions.Check(unknown.action, "*"),
                Decision.IMPLICIT_DENY,
                " (the emulator's IAM table does not know this action: add it to Tests/emulator/iam_actions.py)",
            )
        failed = authorize(principal, documents, checks, request.account, request.region)
        if failed is None and service == "s3" and request.action in ("HeadObject", "GetObject"):
            failed = _missing_key_check(request, principal, documents)
        if failed is not None:
            raise denial(service, principal, *failed)
        if request.action == "AssumeRole" and service == "sts":
            role_arn = request.params.get("RoleArn", "")
            if iam_request._is_assuming_role_operation(role_arn) and not iam_request._check_role_trust_relationship(
                role_arn
            ):
                raise denial(service, principal, checks[0], Decision.IMPLICIT_DENY)
        _caller.identity = (principal, documents)
    if service == "ec2":
        _ec2_after_authorization(request)
    self._emulator_authorized = True


def _ec2_after_authorization(request: iam_actions.Request) -> None:
    """What EC2 answers once IAM allowed the request, before the action runs."""
    name = ec2_filters.invalid_filter(request.action, request.params)
    if name is not None:
        raise _rejection("ec2", "InvalidParameterValue", f"The filter '{name}' is invalid", 400)
    # EC2 API reference, common parameters: "DryRun: Checks whether you have the required
    # permissions for the action, without actually making the request ... If you have the required
    # permissions, the error response is DryRunOperation. Otherwise, it is UnauthorizedOperation."
    # The IAM evaluation above decided that; nothing reaches moto (which ignores DryRun in places).
    if request.params.get("DryRun", "").lower() == "true":
        raise _rejection("ec2", "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)


# --- for CloudFormation, which acts as the caller or as the stack's role (cfn_ec2) --------------


def caller() -> tuple[str, list[dict[str, Any]]] | None:
    """The principal and policies of the request this thread serves; None outside a signed request."""
    return getattr(_caller, "identity", None)


def role_documents(role: Any) -> list[dict[str, Any]]:
    """A role's identity policies (inline and attached), as a session of it is evaluated."""
    from moto.iam.models import iam_backends

    backend = iam_backends[role.account_id]["aws"]
    inline = [backend.get_role_policy(role.name, name)[1] for name in backend.list_role_policies(role.name)]
    return policy_documents(inline + list(backend.list_attached_role_policies(role.name)[0]))


def handler_message(principal: str, check: iam_actions.Check, decision: Decision) -> str:
    """How a CloudFormation resource fails on an EC2 denial."""
    return (
        f"Resource handler returned message: \"{deny_message(principal, check, decision, 'ec2')}\" "
        "(Service: Ec2, Status Code: 403, HandlerErrorCode: AccessDenied)"
    )


def install() -> None:
    ec2_filters.table()  # built now, not in the first Describe call
    replaced = _authenticate_and_authorize_action
    ActionAuthenticatorMixin._authenticate_and_authorize_action = replaced  # type: ignore[method-assign]
