"""Repairs to moto 5.2.5's CloudFormation API shape, so cfn-deploy can rely on AWS's answers.

- ValidateTemplate returns the template's Parameters (with DefaultValue only where the template
  has a Default, NoEcho, Description), the IAM Capabilities it needs and its DeclaredTransforms;
  moto answers empty lists.
- A resource type without an in-place update (AWS::EC2::Instance) is replaced on UPDATE; moto
  stores None for it, and the stack's Outputs then fail (HTTP 500 from DescribeStacks).
- A resource that fails while a change set executes rolls the stack back, as on AWS: a FAILED
  event with the reason, ROLLBACK_COMPLETE (CREATE, created resources deleted) or
  UPDATE_ROLLBACK_COMPLETE (UPDATE, resources as far as moto got); moto answers HTTP 500 instead.
- EC2 resources a stack creates carry the stack's tags and the aws:cloudformation:stack-name,
  stack-id and logical-id tags, as on AWS; moto tags them with the template's tags only.
- CreateChangeSet without changes makes a FAILED change set ("didn't contain changes"), as on
  AWS; moto refuses the call ("No updates are to be performed", UpdateStack's answer) when every
  parameter is given.
- A TemplateURL in path style on an address (the emulator's own S3 endpoint) names the bucket in
  its path; moto takes the host's first label as the bucket unless the host is "localhost".
- AWS::S3::Bucket's VersioningConfiguration and OwnershipControls are applied, as on AWS; moto
  applies only its encryption and tags (a preflight reads both).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

IAM_TYPES = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}


class _TemplateLoader(yaml.SafeLoader):
    """Reads the short-form intrinsics (!Ref, !Sub, !GetAtt …) as plain values: only the
    structure matters here, not what the functions evaluate to."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _any_tag)


def parse_template(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 (a SafeLoader subclass)
    return parsed if isinstance(parsed, dict) else {}


def _text(value: Any) -> str:
    # YAML gives numbers, booleans and lists where CloudFormation sees strings.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def template_summary(template: dict[str, Any]) -> dict[str, Any]:
    """ValidateTemplate's Parameters, Capabilities, CapabilitiesReason and DeclaredTransforms."""
    parameters = []
    for key, spec in (template.get("Parameters") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        entry: dict[str, Any] = {"ParameterKey": key}
        if "Default" in spec:
            entry["DefaultValue"] = _text(spec["Default"])
        entry["NoEcho"] = _text(spec.get("NoEcho", False)).lower() == "true"
        if "Description" in spec:
            entry["Description"] = _text(spec["Description"])
        parameters.append(entry)

    needing: list[str] = []
    named = False
    for resource in (template.get("Resources") or {}).values():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind in IAM_TYPES:
            needing.append(kind)
            name_property = IAM_TYPES[kind]
            named = named or bool(name_property and name_property in (resource.get("Properties") or {}))
    result: dict[str, Any] = {"Parameters": parameters, "Capabilities": [], "DeclaredTransforms": []}
    if needing:
        result["Capabilities"] = ["CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"]
        result["CapabilitiesReason"] = f"The following resource(s) require capabilities: [{', '.join(sorted(set(needing)))}]"
    transform = template.get("Transform")
    if transform:
        result["DeclaredTransforms"] = transform if isinstance(transform, list) else [transform]
    return result


def _validate_template_summary() -> None:
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    original = CloudFormationResponse.validate_template

    def validate_template(self: Any) -> ActionResult:
        result = original(self)
        body = self._get_param("TemplateBody")
        url = self._get_param("TemplateURL")
        if url:
            body = self._get_stack_from_s3_url(url)
        result.result.update(template_summary(parse_template(body)))
        return result

    CloudFormationResponse.validate_template = validate_template


def _path_style_template_url() -> None:
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.s3.models import s3_backends

    original = CloudFormationResponse._get_stack_from_s3_url

    def get_stack_from_s3_url(self: Any, template_url: str) -> str:
        parts = urlparse(template_url)
        try:
            ipaddress.ip_address(parts.hostname or "")
        except ValueError:
            return original(self, template_url)
        bucket, key = parts.path.lstrip("/").split("/", 1)
        obj = s3_backends[self.current_account][self.partition].get_object(bucket, unquote(key))
        return obj.value.decode("utf-8")

    CloudFormationResponse._get_stack_from_s3_url = get_stack_from_s3_url


def _update_by_replacement() -> None:
    from moto.cloudformation import parsing

    original = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str) -> Any:
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is not None or parsing.resource_class_from_type(resource_json["Type"]) is None:
            return updated
        old = resources_map._parsed_resources.get(logical_id)
        if old is not None:
            resources_map._delete_resource(old, resource_json)
        return parsing.parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)

    parsing.parse_and_update_resource = parse_and_update_resource


def _execute_rolls_back() -> None:
    from moto.cloudformation.models import CloudFormationBackend, Event

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        try:
            original(self, change_set_name, stack_name)
            return
        except Exception as error:  # noqa: BLE001 (any resource failure is the stack's failure)
            reason = getattr(error, "message", None) or str(error)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type
        resources = (change_set.template_dict or {}).get("Resources") or {}
        built = stack.resource_map._parsed_resources
        failed = next((name for name in resources if built.get(name) is None), stack.name)
        failed_type = resources.get(failed, {}).get("Type", "AWS::CloudFormation::Stack")
        stack.events.append(Event(stack.stack_id, stack.name, failed, "", failed_type, f"{kind}_FAILED", reason, None))
        prefix = "" if kind == "CREATE" else "UPDATE_"
        stack._add_stack_event(f"{prefix}ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to {kind.lower()}: [{failed}]. Rollback requested by user.")
        if kind == "CREATE":
            try:
                stack.resource_map.delete()
            except Exception:  # noqa: BLE001, S110 (what cannot be deleted stays, as a ROLLBACK_FAILED would)
                pass
        stack._add_stack_event(f"{prefix}ROLLBACK_COMPLETE")
        stack.status = f"{prefix}ROLLBACK_COMPLETE"
        change_set.execution_status = "EXECUTE_FAILED"

    CloudFormationBackend.execute_change_set = execute_change_set


EC2_ID_PREFIXES = ("i-", "sg-", "vol-", "eni-", "subnet-", "vpc-", "igw-", "rtb-", "eipalloc-", "lt-")


def _stack_tags_on_ec2_resources() -> None:
    from moto.cloudformation import parsing
    from moto.ec2.models import ec2_backends

    original = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str, region_name: str) -> Any:
        resource = original(logical_id, resource_json, resources_map, account_id, region_name)
        ident = getattr(resource, "physical_resource_id", None)
        if isinstance(ident, str) and ident.startswith(EC2_ID_PREFIXES):
            tags = dict(resources_map.tags or {})
            tags.update({
                "aws:cloudformation:stack-name": resources_map.stack_id.split("/")[1],
                "aws:cloudformation:stack-id": resources_map.stack_id,
                "aws:cloudformation:logical-id": logical_id,
            })
            ec2_backends[account_id][region_name].create_tags([ident], tags)
        return resource

    parsing.parse_and_create_resource = parse_and_create_resource


def _empty_change_set_is_failed() -> None:
    from moto.cloudformation.responses import CloudFormationResponse

    original = CloudFormationResponse._validate_different_update

    def validate_different_update(self: Any, *args: Any) -> None:
        if self._get_action() != "CreateChangeSet":
            original(self, *args)

    CloudFormationResponse._validate_different_update = validate_different_update


def _termination_protection() -> None:
    """UpdateTerminationProtection, which moto lacks, and DeleteStack refused on a protected stack, as AWS does."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    def update_termination_protection(self: Any) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = str(self._get_param("EnableTerminationProtection")).lower() == "true"
        return ActionResult({"StackId": stack.stack_id})

    original = CloudFormationResponse.delete_stack

    def delete_stack(self: Any) -> ActionResult:
        try:
            stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        except ValidationError:
            stack = None  # deleting a missing stack succeeds
        if stack is not None and stack.enable_termination_protection and stack.status != "DELETE_COMPLETE":
            raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
        return original(self)

    CloudFormationResponse.update_termination_protection = update_termination_protection
    CloudFormationResponse.delete_stack = delete_stack


def _log_group_arn_attribute() -> None:
    """GetAtt LogGroup.Arn ends in ":*" on AWS (a policy on it then covers the group's streams)."""
    from moto.logs.models import LogGroup

    original = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        value = original(self, attribute_name)
        return f"{value}:*" if attribute_name == "Arn" else value

    LogGroup.get_cfn_attribute = get_cfn_attribute


def _bucket_versioning_and_ownership() -> None:
    """AWS::S3::Bucket's VersioningConfiguration and OwnershipControls: moto's bucket model drops
    them (the VM bucket is versioned and BucketOwnerEnforced; make preflight reads both)."""
    from moto.s3.models import FakeBucket, s3_backends

    original = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                                        region_name: str, **kwargs: Any) -> Any:
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json.get("Properties", {})
        backend = s3_backends[account_id]["aws"]
        status = (properties.get("VersioningConfiguration") or {}).get("Status")
        if status:
            backend.put_bucket_versioning(bucket.name, status)
        rules = (properties.get("OwnershipControls") or {}).get("Rules") or []
        if rules:
            backend.put_bucket_ownership_controls(bucket.name, rules[0].get("ObjectOwnership"))
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[assignment]


def _managed_policy_deletion() -> None:
    """CloudFormation deletes an AWS::IAM::ManagedPolicy by detaching it from its roles, users and
    groups, then deleting it. moto's model has no delete: the policy stayed attached, and the
    stack's role could not be deleted (DeleteConflict), nor the stack."""
    from moto.iam.models import ManagedPolicy, iam_backends
    from moto.utilities.utils import get_partition

    def delete(self: Any, account_id: str, region_name: str) -> None:
        backend = iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if self.arn in role.managed_policies:
                backend.detach_role_policy(self.arn, role.name)
        for user in list(backend.users.values()):
            if self.arn in user.managed_policies:
                backend.detach_user_policy(self.arn, user.name)
        for group in list(backend.groups.values()):
            if self.arn in group.managed_policies:
                backend.detach_group_policy(self.arn, group.name)
        backend.delete_policy(self.arn)

    ManagedPolicy.delete = delete  # type: ignore[attr-defined]


def install() -> None:
    _bucket_versioning_and_ownership()
    _managed_policy_deletion()
    _termination_protection()
    _log_group_arn_attribute()
    _validate_template_summary()
    _empty_change_set_is_failed()
    _stack_tags_on_ec2_resources()
    _execute_rolls_back()
    _update_by_replacement()
    _path_style_template_url()
