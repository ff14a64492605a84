"""Small repairs to moto 5.2.5 where a release run would otherwise hit a gap.

Each fix wraps one moto function and keeps moto's own behaviour for everything else.
"""

from __future__ import annotations

from typing import Any

CANONICAL = "099720109477"


def _create_image_with_snapshot_tags() -> None:
    # moto raises NotImplementedError (HTTP 500) for ResourceType=snapshot; AWS tags the image's
    # snapshots with those tags.
    from moto.ec2.exceptions import InvalidTaggableResourceType
    from moto.ec2.models.amis import AmiBackend

    original = AmiBackend.create_image

    def create_image(self: Any, instance_id: str, name: str, description: str, tag_specifications: list[dict[str, Any]]) -> Any:
        image_specs, snapshot_tags = [], []
        for spec in tag_specifications or []:
            kind = spec.get("ResourceType")
            if kind == "snapshot":
                snapshot_tags += spec.get("Tags") or []
            elif kind == "image":
                image_specs.append(spec)
            else:
                raise InvalidTaggableResourceType(kind)
        ami = original(self, instance_id, name, description, image_specs)
        for tag in snapshot_tags:
            self.create_tags([ami.ebs_snapshot.id], {tag["Key"]: tag.get("Value", "")})
        return ami

    AmiBackend.create_image = create_image


def _ami_names_unique() -> None:
    # AWS refuses a second AMI of a name the account already uses in the Region; moto makes it.
    # Without the refusal a repeated CreateImage (its answer lost) made a second image.
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.amis import AmiBackend

    def unique(original: Any, name_at: int) -> Any:
        def make(self: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("name", args[name_at] if len(args) > name_at else None)
            taken = [a.id for a in self.amis.values() if a.name == name and a.owner_id == self.account_id]
            if name and taken:
                raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {taken[0]}")
            return original(self, *args, **kwargs)

        return make

    AmiBackend.create_image = unique(AmiBackend.create_image, 1)  # type: ignore[method-assign]
    AmiBackend.copy_image = unique(AmiBackend.copy_image, 2)  # type: ignore[method-assign]


def _change_set_outputs() -> None:
    # moto executes a change set against the stack's resource map but leaves the stack's template
    # (and so its Outputs and exports) as they were: empty for a CREATE change set, stale for UPDATE.
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack.template = change_set.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        if change_set.parameters:
            stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            self.exports[export.name] = export

    CloudFormationBackend.execute_change_set = execute_change_set


def _skipped_resources_not_listed() -> None:
    # A resource whose Condition is false is never created; moto still lists it as an empty entry
    # (and DescribeStackResources with a LogicalResourceId trips over it).
    from moto.cloudformation.models import Stack

    Stack.stack_resources = property(lambda self: [r for r in self.resource_map.values() if r is not None])


def _canonical_images_not_amazon() -> None:
    # moto marks every preloaded AMI as owned by the alias "amazon"; Canonical's images have no
    # alias on AWS, so Owners=amazon must not find them.
    from moto.ec2.models.amis import AmiBackend

    original = AmiBackend._load_amis

    def load_amis(self: Any) -> None:
        original(self)
        for ami in self.amis.values():
            if ami.owner_id == CANONICAL:
                ami.owner_alias = None

    AmiBackend._load_amis = load_amis


def _copy_image_tags() -> None:
    # moto ignores CopyImage's TagSpecifications and CopyImageTags; a copy without its asset-id tag
    # would be invisible to the purge.
    from moto.core.responses import ActionResult
    from moto.ec2.responses.amis import AmisResponse

    original = AmisResponse.copy_image

    def copy_image(self: Any) -> ActionResult:
        result = original(self)
        image_id = result.result["ImageId"]
        image = self.ec2_backend.describe_images(ami_ids=[image_id])[0]
        tags: dict[str, str] = {}
        if self._get_bool_param("CopyImageTags", False):
            from moto.ec2.models import ec2_backends

            source_region = self._get_param("SourceRegion") or self.region
            source = ec2_backends[self.current_account][source_region]
            for tag in source.describe_tags(filters={"resource-id": [self._get_param("SourceImageId")]}):
                if not tag["key"].startswith("aws:"):
                    tags[tag["key"]] = tag["value"]
        snapshot_tags: dict[str, str] = {}
        for spec in self._get_param("TagSpecifications", []) or []:
            pairs = {t["Key"]: t.get("Value", "") for t in spec.get("Tags") or []}
            if spec.get("ResourceType") == "image":
                tags.update(pairs)
            elif spec.get("ResourceType") == "snapshot":
                snapshot_tags.update(pairs)
        if tags:
            self.ec2_backend.create_tags([image_id], tags)
        if snapshot_tags:
            self.ec2_backend.create_tags([image.ebs_snapshot.id], snapshot_tags)
        return result

    AmisResponse.copy_image = copy_image


def _copy_image_client_token() -> None:
    # moto ignores CopyImage's ClientToken: a retried CopyImage (its answer lost) made a second
    # copy, where AWS hands back the first one.
    from moto.core.responses import ActionResult
    from moto.ec2.responses.amis import AmisResponse

    from exports import EC2Error

    original = AmisResponse.copy_image
    made: dict[tuple[str, str, str], tuple[tuple[Any, ...], str]] = {}

    def copy_image(self: Any) -> ActionResult:
        token = self._get_param("ClientToken")
        if not token:
            return original(self)
        request = tuple(self._get_param(name) for name in ("SourceImageId", "SourceRegion", "Name", "Description"))
        key = (self.current_account, self.region, token)
        if key in made:
            if made[key][0] != request:
                raise EC2Error(
                    "IdempotentParameterMismatch",
                    f"The client token {token} was already used with different parameters.",
                )
            return ActionResult({"ImageId": made[key][1]})
        result = original(self)
        made[key] = (request, result.result["ImageId"])
        return result

    AmisResponse.copy_image = copy_image


def _deregister_deletes_snapshots() -> None:
    # DeleteAssociatedSnapshots=true (AWS, 2025) is ignored by moto: the snapshots would linger.
    from moto.core.responses import ActionResult
    from moto.ec2.responses.amis import AmisResponse

    original = AmisResponse.deregister_image

    def deregister_image(self: Any) -> ActionResult:
        if not self._get_bool_param("DeleteAssociatedSnapshots", False):
            return original(self)
        image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
        snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image.block_device_mappings if m.get("Ebs", {}).get("SnapshotId")]
        result = original(self)
        outcomes = []
        for snapshot_id in snapshot_ids:
            try:
                self.ec2_backend.delete_snapshot(snapshot_id)
                outcomes.append({"SnapshotId": snapshot_id, "ReturnCode": "success"})
            except Exception:
                outcomes.append({"SnapshotId": snapshot_id, "ReturnCode": "client-error"})
        result.result["DeleteSnapshotResults"] = outcomes
        return result

    AmisResponse.deregister_image = deregister_image


def _image_imds_support() -> None:
    # moto ignores ModifyImageAttribute's ImdsSupport, and DescribeImages never shows one. AWS
    # (EC2 API Reference, ModifyImageAttribute): "Set to v2.0 to indicate that IMDSv2 is
    # specified in the AMI ... After you set the value to v2.0, you can't undo it"; DescribeImages
    # then has imdsSupport v2.0.
    from moto.core.responses import EmptyResult
    from moto.ec2.responses.amis import AmisResponse

    from exports import EC2Error

    original = AmisResponse.modify_image_attribute

    def modify_image_attribute(self: Any) -> Any:
        value = (self._get_param("ImdsSupport") or {}).get("Value")
        if value is None:
            return original(self)
        if value != "v2.0":
            raise EC2Error("InvalidParameterValue", f"Value ({value}) for parameter ImdsSupport is invalid. Valid values: v2.0")
        image = self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0]
        self.error_on_dryrun()
        image.imds_support = value
        return EmptyResult()

    AmisResponse.modify_image_attribute = modify_image_attribute


def _codebuild_no_source() -> None:
    # moto demands a source location for every project; AWS needs none for NO_SOURCE (inline
    # buildspec) and CODEPIPELINE.
    import moto.codebuild.responses as responses

    original = responses._validate_required_params_source

    def validate(source: dict[str, Any]) -> None:
        if source.get("type") in ("NO_SOURCE", "CODEPIPELINE") and not source.get("location"):
            source = dict(source, location="-")
        original(source)

    responses._validate_required_params_source = validate


def _put_body_kept_whatever_its_type() -> None:
    # werkzeug parses a body typed application/x-www-form-urlencoded as a form, and moto then stores
    # an empty S3 object. libcurl gives a PUT with POSTFIELDS exactly that type by default; S3 keeps
    # the bytes whatever the type says.
    from moto.moto_server.werkzeug_app import BackendRequest

    wanted = BackendRequest.want_form_data_parsed
    BackendRequest.want_form_data_parsed = property(lambda self: self.method != "PUT" and wanted.fget(self))


def _unmet_policy_conditions_are_neutral() -> None:
    """moto answers DENIED for any policy statement whose Condition does not hold, and knows no
    request context, so the VM bucket's Deny-unless-TLS statement refused every request. In AWS a
    statement whose condition does not hold does not apply; and the emulator stands in for AWS's
    HTTPS endpoints, so its requests count as secure transport."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original = IAMPolicyStatement.is_action_permitted

    def secure_transport_holds(condition: dict) -> bool:  # type: ignore[type-arg]
        # moto skips the Bool operator altogether; the one Bool key our policies use is this one.
        expected = {k.lower(): str(v).lower() for k, v in (condition.get("Bool") or {}).items()}
        return expected.get("aws:securetransport", "true") == "true"

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):  # type: ignore[no-untyped-def]
        condition = self._statement.get("Condition")
        if condition and not (secure_transport_holds(condition) and self._check_conditions(incoming_condition_values)):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted


def _default_bucket_encryption() -> None:
    # S3 User Guide, "Setting default server-side encryption behavior": since January 2023 every
    # bucket has SSE-S3 as its base encryption; GetBucketEncryption answers it. moto answers
    # ServerSideEncryptionConfigurationNotFoundError for a bucket nobody configured.
    from moto.s3.models import S3Backend

    original = S3Backend.get_bucket_encryption

    def get_bucket_encryption(self: Any, bucket_name: str) -> Any:
        return original(self, bucket_name) or {
            "Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": "false"}
        }

    S3Backend.get_bucket_encryption = get_bucket_encryption


def install() -> None:
    _default_bucket_encryption()
    _unmet_policy_conditions_are_neutral()
    _create_image_with_snapshot_tags()
    _ami_names_unique()
    _change_set_outputs()
    _skipped_resources_not_listed()
    _canonical_images_not_amazon()
    _copy_image_tags()
    _copy_image_client_token()
    _deregister_deletes_snapshots()
    _image_imds_support()
    _codebuild_no_source()
    _put_body_kept_whatever_its_type()
