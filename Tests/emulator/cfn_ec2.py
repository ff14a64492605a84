"""CloudFormation's EC2 resources, made with the calls AWS's handlers make, as the stack's identity.

CloudFormation creates and deletes a stack's resources with the credentials of whoever executes the
change set (or CreateStack, UpdateStack, DeleteStack), or with the stack's service role when it has
one (`RoleARN`; CloudFormation User Guide, "CloudFormation service role": the role must trust
cloudformation.amazonaws.com). Each call below is authorized as IAM authorizes that call from that
identity (iam_actions' table, with the parameters CloudFormation sends); the first denial fails the
resource with the handler's message, and the stack rolls back (fixes_cfn).

- `AWS::EC2::SecurityGroup`: CreateSecurityGroup *without* tags, then AuthorizeSecurityGroupIngress
  (and Egress) for the rules, and only then CreateTags with the stack's and the resource's tags, a
  call of its own on a group that has no tags yet (so no `ec2:CreateAction`):
  aws-cloudformation/cloudformation-coverage-roadmap#714, aws/aws-cdk#13204.
- `AWS::EC2::LaunchTemplate`: CreateLaunchTemplate, tagged at creation by its TagSpecifications
  (resource type `launch-template`, with the stack's tags).
- `AWS::EC2::Instance`: RunInstances with the launch template, image, type, key pair, groups or
  interface, and the tags EC2 applies: for each resource type the launch template's tag
  specifications joined with the request's (the instance's Tags and the stack's tags), a key in
  both taking the request's value. EC2 User Guide, "Use launch templates to control launching
  instances": parameters given at launch override the launch template's, others are added; and
  "IAM permissions required for launch templates": whoever launches needs the rights to create and
  tag what the template specifies. moto applies the template's instance tags the same way
  (getmoto/moto#5085), but drops its volume tags and the Instance resource's LaunchTemplate: both
  are applied here.
- Deletion: TerminateInstances, DeleteLaunchTemplate, DeleteSecurityGroup as the identity that
  deletes (the DeleteStack caller, or the service role); a denial leaves the stack DELETE_FAILED.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import iam_actions
import iam_enforcer

CLOUDFORMATION = "cloudformation.amazonaws.com"
Identity = tuple[str, list[dict[str, Any]]]


def _stack(resources_map: Any, account: str, region: str) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[account][region]
    return backend.stacks.get(resources_map.stack_id) or backend.deleted_stacks.get(resources_map.stack_id)


def _trusts_cloudformation(role: Any) -> bool:
    document = role.assume_role_policy_document
    document = json.loads(document) if isinstance(document, str) else document
    for statement in document.get("Statement", []):
        services = (statement.get("Principal") or {}).get("Service", [])
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and CLOUDFORMATION in ([services] if isinstance(services, str) else services)
            and {"sts:AssumeRole", "sts:*", "*"} & set([actions] if isinstance(actions, str) else actions)
        ):
            return True
    return False


def identity(resources_map: Any, account: str, region: str) -> Identity | None:
    """Who CloudFormation acts as for this stack: its service role, or the caller; None outside a request."""
    stack = _stack(resources_map, account, region)
    role_arn = getattr(stack, "role_arn", None)
    if not role_arn:
        return iam_enforcer.caller()
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 (moto's NotFound)
        role = None
    if role is None or not _trusts_cloudformation(role):
        raise iam_enforcer.CallerDenied(f"Role {role_arn} is invalid or cannot be assumed")
    return f"arn:aws:sts::{account}:assumed-role/{role.name}/AWSCloudFormation", iam_enforcer.role_documents(role)


class Calls:
    """EC2 calls authorized as one identity; a denial raises CallerDenied with the handler's words."""

    def __init__(self, who: Identity, account: str, region: str):
        self.who, self.account, self.region = who, account, region

    def check(self, action: str, params: dict[str, str], tags_now: dict[str, dict[str, str]] | None = None) -> None:
        request = iam_actions.Request(service="ec2", action=action, account=self.account, region=self.region,
                                      params=params, tags_now=tags_now)
        principal, documents = self.who
        failed = iam_enforcer.authorize(principal, documents, iam_actions.EC2[action](request), self.account, self.region)
        if failed is not None:
            raise iam_enforcer.CallerDenied(iam_enforcer.handler_message(principal, *failed))


def _tags(items: Any) -> dict[str, str]:
    return {t["Key"]: str(t.get("Value", "")) for t in items or []}


def _tag_params(params: dict[str, str], prefix: str, tags: dict[str, str]) -> None:
    for n, (key, value) in enumerate(tags.items(), 1):
        params[f"{prefix}.{n}.Key"], params[f"{prefix}.{n}.Value"] = key, value


def _tag_specifications(params: dict[str, str], specs: dict[str, dict[str, str]]) -> None:
    for n, (kind, tags) in enumerate(((k, t) for k, t in specs.items() if t), 1):
        params[f"TagSpecification.{n}.ResourceType"] = kind
        _tag_params(params, f"TagSpecification.{n}.Tag", tags)


def _security_group(calls: Calls, properties: dict[str, Any], tags: dict[str, str], create: Callable[[], Any]) -> Any:
    params = {"GroupDescription": str(properties.get("GroupDescription", ""))}
    if properties.get("VpcId"):
        params["VpcId"] = str(properties["VpcId"])
    calls.check("CreateSecurityGroup", params)
    group = create()
    untagged = {group.id: {}}
    try:
        for rules, action in (("SecurityGroupIngress", "AuthorizeSecurityGroupIngress"),
                              ("SecurityGroupEgress", "AuthorizeSecurityGroupEgress")):
            if properties.get(rules):
                calls.check(action, {"GroupId": group.id}, untagged)
        if tags:
            late = {"ResourceId.1": group.id}
            _tag_params(late, "Tag", tags)
            calls.check("CreateTags", late, untagged)
    except iam_enforcer.CallerDenied:
        group.delete(calls.account, calls.region)
        raise
    return group


def _launch_template(calls: Calls, properties: dict[str, Any], tags: dict[str, str], create: Callable[[], Any]) -> Any:
    own = {s.get("ResourceType"): _tags(s.get("Tags")) for s in properties.get("TagSpecifications") or []}
    params: dict[str, str] = {}
    _tag_specifications(params, {"launch-template": {**tags, **own.get("launch-template", {})}})
    calls.check("CreateLaunchTemplate", params)
    return create()


def _template_tag_specs(calls: Calls, reference: dict[str, Any]) -> tuple[str, dict[str, dict[str, str]]]:
    from moto.ec2.models import ec2_backends

    version = ec2_backends[calls.account][calls.region]._get_template_from_args(reference)
    specs: dict[str, dict[str, str]] = {}
    for spec in version.data.get("TagSpecifications") or []:
        specs.setdefault(spec.get("ResourceType"), {}).update(_tags(spec.get("Tags")))
    return version.template.id, specs


def _instance(calls: Calls, properties: dict[str, Any], tags: dict[str, str], create: Callable[[], Any]) -> Any:
    params = {"ImageId": str(properties.get("ImageId", "")), "InstanceType": str(properties.get("InstanceType", ""))}
    asked = {"instance": tags}
    if str(properties.get("PropagateTagsToVolumeOnCreation", "")).lower() == "true":
        asked["volume"] = tags
    joined = dict(asked)
    if properties.get("LaunchTemplate"):
        template_id, from_template = _template_tag_specs(calls, properties["LaunchTemplate"])
        params["LaunchTemplate.LaunchTemplateId"] = template_id
        joined = {kind: {**from_template.get(kind, {}), **asked.get(kind, {})} for kind in {*from_template, *asked}}
    if properties.get("KeyName"):
        params["KeyName"] = str(properties["KeyName"])
    if properties.get("SubnetId"):
        params["SubnetId"] = str(properties["SubnetId"])
    for n, group in enumerate(properties.get("SecurityGroupIds") or [], 1):
        params[f"SecurityGroupId.{n}"] = str(group)
    for interface in (properties.get("NetworkInterfaces") or [])[:1]:
        if interface.get("SubnetId"):
            params["NetworkInterface.1.SubnetId"] = str(interface["SubnetId"])
        for n, group in enumerate(interface.get("GroupSet") or [], 1):
            params[f"NetworkInterface.1.SecurityGroupId.{n}"] = str(group)
    _tag_specifications(params, joined)
    calls.check("RunInstances", params)
    instance = create()
    backend = instance.ec2_backend
    # moto's Instance resource drops SecurityGroupIds and the interface's GroupSet: the instance uses them.
    groups = [params[k] for k in sorted(params) if "SecurityGroupId." in k]
    if groups:
        found = [backend.get_security_group_from_id(g) for g in groups]
        instance.security_groups = [g for g in found if g is not None]
    if joined.get("instance"):
        backend.create_tags([instance.id], joined["instance"])
    volumes = [device.volume_id for _, device in instance.get_block_device_mapping]
    if joined.get("volume") and volumes:
        backend.create_tags(volumes, joined["volume"])
    return instance


CREATE: dict[str, Callable[[Calls, dict[str, Any], dict[str, str], Callable[[], Any]], Any]] = {
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::LaunchTemplate": _launch_template,
    "AWS::EC2::Instance": _instance,
}

# The call that deletes each type, and the parameter naming the resource.
DELETE = {
    "AWS::EC2::SecurityGroup": ("DeleteSecurityGroup", "GroupId"),
    "AWS::EC2::LaunchTemplate": ("DeleteLaunchTemplate", "LaunchTemplateId"),
    "AWS::EC2::Instance": ("TerminateInstances", "InstanceId.1"),
}


def _creation() -> None:
    from moto.cloudformation import parsing

    original = parsing.parse_and_create_resource

    def parse_and_create_resource(
        logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str
    ) -> Any:
        def create() -> Any:
            return original(logical_id, resource_json, resources_map, account_id, region_name)

        handler = CREATE.get(resource_json.get("Type", ""))
        condition = resource_json.get("Condition")
        if handler is None or (condition and not resources_map.lazy_condition_map[condition]):
            return create()
        who = identity(resources_map, account_id, region_name)
        if who is None:
            return create()  # made outside a signed request (moto's own set-up)
        properties = parsing.clean_json(resource_json.get("Properties") or {}, resources_map)
        tags = {**dict(resources_map.tags or {}), **_tags(properties.get("Tags"))}
        return handler(Calls(who, account_id, region_name), properties, tags, create)

    parsing.parse_and_create_resource = parse_and_create_resource


def _deletion() -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import CloudFormationBackend

    original = parsing.ResourceMap._delete_resource

    def delete_resource(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
        call = DELETE.get(resource_json.get("Type", ""))
        who = identity(self, self._account_id, self._region_name) if call else None
        if call and who is not None:
            action, param = call
            Calls(who, self._account_id, self._region_name).check(action, {param: parsed_resource.physical_resource_id})
        original(self, parsed_resource, resource_json)

    parsing.ResourceMap._delete_resource = delete_resource

    original_delete_stack = CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        before = dict(self.stacks)
        try:
            original_delete_stack(self, name_or_stack_id)
        except iam_enforcer.CallerDenied as denied:
            # moto took the stack out before deleting it: it stays, DELETE_FAILED, as on AWS.
            stack = next(s for s in before.values() if name_or_stack_id in (s.stack_id, s.name))
            self.stacks[stack.stack_id] = stack
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=denied.message)
            stack.status = "DELETE_FAILED"

    CloudFormationBackend.delete_stack = delete_stack


def install() -> None:
    _creation()
    _deletion()
