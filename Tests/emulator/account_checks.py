"""What a preflight reads that moto 5.2.5 lacks.

- IAM SimulatePrincipalPolicy (IAM API reference): the decision of a user's or role's identity
  policies for each action and resource given, with the context entries given (aws:ResourceTag/…,
  aws:RequestTag/…, s3:prefix, …), as EvaluationResults (`allowed`, `explicitDeny`, `implicitDeny`).
  Evaluated by iam_policy, the evaluation every request of the emulator goes through; the
  simulation sees what the identity policies say, not a resource's own policy (as on AWS without
  ResourcePolicy).
- Service Quotas GetServiceQuota for EC2's "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z)
  instances" (L-1216C47A, counted in vCPUs); moto knows only VPC quotas. Its value is the
  configuration key `instanceVcpuQuota`.
"""

from __future__ import annotations

from typing import Any

import iam_enforcer
from iam_policy import UnsupportedCondition, evaluate
from moto.core.responses import ActionResult

STANDARD_INSTANCES = "L-1216C47A"


class Settings:
    instance_vcpu_quota = 64


def _user_documents(backend: Any, name: str) -> list[dict[str, Any]]:
    inline = [backend.get_user_policy(name, p)["policy_document"] for p in backend.list_user_policies(name)]
    attached = list(backend.list_attached_user_policies(name)[0])
    for group in backend.get_groups_for_user(name):
        inline += [backend.get_group_policy(group.name, p)["policy_document"] for p in backend.list_group_policies(group.name)]
        attached += list(backend.list_attached_group_policies(group.name)[0])
    return iam_enforcer.policy_documents(inline + attached)


def principal_documents(account: str, arn: str) -> list[dict[str, Any]]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    kind, _, path_and_name = arn.split(":", 5)[5].partition("/")
    if kind == "role":
        return iam_enforcer.role_documents(backend.get_role_by_arn(arn))
    if kind == "user":
        return _user_documents(backend, path_and_name.rsplit("/", 1)[-1])
    raise ValueError(arn)


def _members(params: dict[str, Any], name: str) -> list[Any]:
    value = params.get(name) or []
    return value if isinstance(value, list) else [value]


def simulate_principal_policy(self: Any) -> ActionResult:
    from moto.iam.exceptions import NotFoundException

    params = self._get_params()
    source = params.get("PolicySourceArn", "")
    try:
        documents = principal_documents(self.current_account, source)
    except Exception as error:  # noqa: BLE001 (an ARN of no user or role, moto's NotFound kinds)
        raise NotFoundException(f"The principal {source} does not exist") from error
    context = {
        str(entry.get("ContextKeyName", "")).lower(): [str(v) for v in _members(entry, "ContextKeyValues")]
        for entry in _members(params, "ContextEntries")
    }
    results = []
    for action in _members(params, "ActionNames"):
        for resource in _members(params, "ResourceArns") or ["*"]:
            try:
                decision = evaluate(documents, action, resource, context).name
            except UnsupportedCondition:
                decision = "IMPLICIT_DENY"
            results.append({
                "EvalActionName": action, "EvalResourceName": resource,
                "EvalDecision": {"ALLOW": "allowed", "EXPLICIT_DENY": "explicitDeny"}.get(decision, "implicitDeny"),
            })
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def _instance_quota() -> None:
    from moto.servicequotas.models import ServiceQuotasBackend

    original = ServiceQuotasBackend.get_service_quota

    def get_service_quota(self: Any, service_code: str, quota_code: str) -> dict[str, Any]:
        if (service_code, quota_code) != ("ec2", STANDARD_INSTANCES):
            return original(self, service_code, quota_code)
        return {
            "ServiceCode": "ec2", "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
            "QuotaArn": f"arn:aws:servicequotas:{self.region_name}:{self.account_id}:ec2/{STANDARD_INSTANCES}",
            "QuotaCode": STANDARD_INSTANCES,
            "QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
            "Value": float(Settings.instance_vcpu_quota), "Unit": "None", "Adjustable": True, "GlobalQuota": False,
        }

    ServiceQuotasBackend.get_service_quota = get_service_quota


def install() -> None:
    from moto.iam.responses import IamResponse

    IamResponse.simulate_principal_policy = simulate_principal_policy  # type: ignore[attr-defined]
    _instance_quota()


def validated(changes: dict[str, Any]) -> int | None:
    """The new `instanceVcpuQuota`, checked; None when not given."""
    if "instanceVcpuQuota" not in changes:
        return None
    value = changes["instanceVcpuQuota"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("instanceVcpuQuota must be a whole number of vCPUs")
    return value

