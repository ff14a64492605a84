"""What IAM evaluates for each request: (action, resource ARN, condition context) triples.

The resources and condition keys follow the AWS Service Authorization Reference for the actions the
tools, the Makefile, the buildspec and the tests send. A request whose action is not in this table
raises UnknownAction: the emulator denies it rather than guess (add it here when a tool needs it).
Resource tags are read live from moto's backends, so `aws:ResourceTag/...` sees what AWS would.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable
from xml.etree import ElementTree

import exports

Context = dict[str, list[str]]


@dataclass
class Check:
    action: str
    resource: str
    context: Context = field(default_factory=dict)


class UnknownAction(Exception):
    """The table has no entry: the emulator denies the request and names the action."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action


@dataclass
class Request:
    """One signed AWS request, as far as authorization needs it."""

    service: str
    action: str  # the API operation name (S3: see s3_operation)
    account: str
    region: str
    params: dict[str, str]  # query protocols: flat Key.N names; JSON protocols: top-level strings
    body: Any = None  # JSON protocols: the parsed body
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes = b""
    # Tags a resource has at this point of a call sequence, where they differ from moto's (which
    # tags some resources at once): CloudFormation's security group is untagged until its CreateTags.
    tags_now: dict[str, dict[str, str]] | None = None

    def indexed(self, prefix: str) -> list[str]:
        """Values of Prefix.1, Prefix.2, … in order (EC2's list encoding)."""
        pattern = re.compile(re.escape(prefix) + r"\.(\d+)$")
        found = sorted((int(m.group(1)), v) for k, v in self.params.items() if (m := pattern.match(k)))
        return [v for _, v in found]


# --- tags and condition context ------------------------------------------------------------------


def _tag_context(tags: dict[str, str], prefixes: tuple[str, ...] = ("aws:ResourceTag/", "ec2:ResourceTag/")) -> Context:
    return {f"{p}{k}".lower(): [v] for k, v in tags.items() for p in prefixes}


def _request_tag_context(tags: dict[str, str]) -> Context:
    context = {f"aws:RequestTag/{k}".lower(): [v] for k, v in tags.items()}
    if tags:
        context["aws:tagkeys"] = list(tags)
    return context


def _pairs(request: Request, prefix: str) -> dict[str, str]:
    """Tags in the query encoding: PREFIX.N.Key / PREFIX.N.Value."""
    tags: dict[str, str] = {}
    for n in range(1, 60):
        key = request.params.get(f"{prefix}.{n}.Key")
        if key is None:
            break
        tags[key] = request.params.get(f"{prefix}.{n}.Value", "")
    return tags


def _ec2_tag_specs(request: Request) -> dict[str, dict[str, str]]:
    """TagSpecification.N.ResourceType with its Tag.M pairs, by resource type."""
    specs: dict[str, dict[str, str]] = {}
    for n in range(1, 20):
        kind = request.params.get(f"TagSpecification.{n}.ResourceType")
        if kind is None:
            break
        specs.setdefault(kind, {}).update(_pairs(request, f"TagSpecification.{n}.Tag"))
    return specs


def _ec2_backend(request: Request, region: str | None = None) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[request.account][region or request.region]


# --- EC2 -----------------------------------------------------------------------------------------

_EC2_TYPES = {
    "i-": "instance",
    "ami-": "image",
    "snap-": "snapshot",
    "sg-": "security-group",
    "key-": "key-pair",
    "vol-": "volume",
    "eni-": "network-interface",
    "subnet-": "subnet",
    "vpc-": "vpc",
    "rtb-": "route-table",
    "nat-": "natgateway",
    "export-ami-": "export-image-task",
    "lt-": "launch-template",
}


def _ec2_arn(request: Request, kind: str, resource_id: str, region: str | None = None) -> str:
    # Images and snapshots may be shared or public, so their ARNs carry no account.
    account = "" if kind in ("image", "snapshot") else request.account
    return f"arn:aws:ec2:{region or request.region}:{account}:{kind}/{resource_id}"


def _live_tags(request: Request, resource_id: str, region: str | None = None) -> dict[str, str]:
    if request.tags_now is not None and resource_id in request.tags_now:
        return request.tags_now[resource_id]
    if resource_id.startswith("export-ami-"):
        task = exports._tasks.get((request.account, region or request.region), {}).get(resource_id)
        return {t["Key"]: t.get("Value", "") for t in task.tags} if task else {}
    return dict(_ec2_backend(request, region).tags.get(resource_id, {}))


def _network_context(request: Request, resource_id: str) -> Context:
    """ec2:Vpc of a subnet, security group or network interface, and ec2:Subnet of an interface
    (the Service Authorization Reference's condition keys of those resource types), as ARNs."""
    backend = _ec2_backend(request)
    vpc = subnet = None
    if resource_id.startswith("subnet-"):
        found = [s for subnets in backend.subnets.values() for s in subnets.values() if s.id == resource_id]
        vpc = found[0].vpc_id if found else None
    elif resource_id.startswith("sg-"):
        found = [g for groups in backend.groups.values() for g in groups.values() if g.id == resource_id]
        vpc = found[0].vpc_id if found else None
    elif resource_id.startswith("eni-") and resource_id in backend.enis:
        subnet = backend.enis[resource_id].subnet
        vpc = subnet.vpc_id
    context: Context = {"ec2:vpc": [_ec2_arn(request, "vpc", vpc)]} if vpc else {}
    if subnet is not None:
        context["ec2:subnet"] = [_ec2_arn(request, "subnet", subnet.id)]
    return context


def _existing(request: Request, resource_id: str, action: str, extra: Context | None = None) -> Check:
    kind = next(
        (k for p, k in sorted(_EC2_TYPES.items(), key=lambda i: -len(i[0])) if resource_id.startswith(p)), "resource"
    )
    context = _tag_context(_live_tags(request, resource_id))
    context.update(_network_context(request, resource_id))
    context.update(extra or {})
    return Check(f"ec2:{action}", _ec2_arn(request, kind, resource_id), context)


def _created(
    request: Request, action: str, kind: str, resource_id: str = "*", tags: dict[str, str] | None = None
) -> Check:
    return Check(f"ec2:{action}", _ec2_arn(request, kind, resource_id), _request_tag_context(tags or {}))


def _tag_on_create(request: Request, action: str, arns: dict[str, str]) -> list[Check]:
    """Tagging at creation also needs ec2:CreateTags on the new resource (ec2:CreateAction set)."""
    checks = []
    for kind, tags in _ec2_tag_specs(request).items():
        if kind in arns and tags:
            context = _request_tag_context(tags)
            context["ec2:createaction"] = [action]
            checks.append(Check("ec2:CreateTags", arns[kind], context))
    return checks


def _key_pair_id(request: Request, name: str) -> str:
    pair = _ec2_backend(request).key_pairs.get(name)
    return pair.id if pair is not None else ""


def _key_pair(request: Request, action: str) -> list[Check]:
    name = request.params.get("KeyName")
    if name is None and request.params.get("KeyPairId"):
        pair = next((p for p in _ec2_backend(request).key_pairs.values() if p.id == request.params["KeyPairId"]), None)
        name = pair.key_name if pair else request.params["KeyPairId"]
    arn = _ec2_arn(request, "key-pair", name or "*")
    if action in ("CreateKeyPair", "ImportKeyPair"):
        tags = _ec2_tag_specs(request).get("key-pair", {})
        return [Check(f"ec2:{action}", arn, _request_tag_context(tags))] + _tag_on_create(
            request, action, {"key-pair": arn}
        )
    return [Check(f"ec2:{action}", arn, _tag_context(_live_tags(request, _key_pair_id(request, name or ""))))]


def _group_id(request: Request, group_id: str | None, name: str | None) -> str:
    if group_id:
        return group_id
    group = next(
        (g for groups in _ec2_backend(request).groups.values() for g in groups.values() if g.name == name), None
    )
    return group.id if group is not None else "*"


def _run_instances(request: Request) -> list[Check]:
    specs = _ec2_tag_specs(request)
    checks = [
        _created(request, "RunInstances", kind, "*", specs.get(kind))
        for kind in ("instance", "volume", "network-interface")
    ]
    image = request.params.get("ImageId", "*")
    checks.append(_existing(request, image, "RunInstances"))
    if request.params.get("LaunchTemplate.LaunchTemplateId"):
        checks.append(_existing(request, request.params["LaunchTemplate.LaunchTemplateId"], "RunInstances"))
    if request.params.get("KeyName"):
        name = request.params["KeyName"]
        checks.append(
            Check(
                "ec2:RunInstances",
                _ec2_arn(request, "key-pair", name),
                _tag_context(_live_tags(request, _key_pair_id(request, name))),
            )
        )
    groups = request.indexed("SecurityGroupId") + request.indexed("NetworkInterface.1.SecurityGroupId")
    groups += [_group_id(request, None, name) for name in request.indexed("SecurityGroup")]
    subnet = request.params.get("SubnetId") or request.params.get("NetworkInterface.1.SubnetId")
    if not subnet:
        subnet = next((s.id for s in _ec2_backend(request).get_default_subnets().values()), "*")
    if not groups:
        groups = [_group_id(request, None, "default")]
    for resource_id in groups + [subnet]:
        checks.append(
            _existing(request, resource_id, "RunInstances")
            if resource_id != "*"
            else Check("ec2:RunInstances", _ec2_arn(request, "security-group", "*"))
        )
    arns = {kind: _ec2_arn(request, kind, "*") for kind in ("instance", "volume", "network-interface")}
    return checks + _tag_on_create(request, "RunInstances", arns)


def _each_instance(action: str) -> Callable[[Request], list[Check]]:
    return lambda request: [_existing(request, i, action) for i in request.indexed("InstanceId")]


def _create_image(request: Request) -> list[Check]:
    specs = _ec2_tag_specs(request)
    checks = [
        _existing(request, request.params.get("InstanceId", "*"), "CreateImage"),
        _created(request, "CreateImage", "image", "*", specs.get("image")),
        _created(request, "CreateImage", "snapshot", "*", specs.get("snapshot")),
    ]
    arns = {kind: _ec2_arn(request, kind, "*") for kind in ("image", "snapshot")}
    return checks + _tag_on_create(request, "CreateImage", arns)


def _copy_image(request: Request) -> list[Check]:
    specs = _ec2_tag_specs(request)
    checks = [_created(request, "CopyImage", "image", "*", specs.get("image"))]
    if "snapshot" in specs:
        checks.append(_created(request, "CopyImage", "snapshot", "*", specs["snapshot"]))
    arns = {kind: _ec2_arn(request, kind, "*") for kind in ("image", "snapshot")}
    return checks + _tag_on_create(request, "CopyImage", arns)


def _tags_call(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        context = _request_tag_context(_pairs(request, "Tag"))
        return [_existing(request, r, action, context) for r in request.indexed("ResourceId")]

    return checks


def _security_group(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        if action == "CreateSecurityGroup":
            arn = _ec2_arn(request, "security-group", "*")
            tags = _ec2_tag_specs(request).get("security-group", {})
            vpc = request.params.get("VpcId") or next(
                (v.id for v in _ec2_backend(request).vpcs.values() if v.is_default), "*"
            )
            return [
                Check("ec2:CreateSecurityGroup", arn, _request_tag_context(tags)),
                (
                    _existing(request, vpc, action)
                    if vpc != "*"
                    else Check(f"ec2:{action}", _ec2_arn(request, "vpc", "*"))
                ),
            ] + _tag_on_create(request, action, {"security-group": arn})
        group = _group_id(request, request.params.get("GroupId"), request.params.get("GroupName"))
        checks = [
            (
                _existing(request, group, action)
                if group != "*"
                else Check(f"ec2:{action}", _ec2_arn(request, "security-group", "*"))
            )
        ]
        if action.startswith("Authorize"):
            # The rules it creates are resources of the call (security-group-rule, with request tags).
            rule_tags = _ec2_tag_specs(request).get("security-group-rule", {})
            rule = _ec2_arn(request, "security-group-rule", "*")
            checks += [Check(f"ec2:{action}", rule, _request_tag_context(rule_tags))]
            checks += _tag_on_create(request, action, {"security-group-rule": rule})
        return checks

    return checks


def _export_image(request: Request) -> list[Check]:
    # No iam:PassRole: the caller names the service role (RoleName), which VM Import/Export assumes
    # through the role's own trust policy (vmie.amazonaws.com). The VM Import/Export User Guide,
    # "Required permissions for VM Import/Export", lists what the caller needs (ec2:ExportImage,
    # ec2:DescribeExportImageTasks, s3:GetBucketLocation, GetObject, PutObject, ...): no PassRole.
    tags = _ec2_tag_specs(request).get("export-image-task", {})
    return [
        _existing(request, request.params.get("ImageId", "*"), "ExportImage"),
        _created(request, "ExportImage", "export-image-task", "*", tags),
    ] + _tag_on_create(request, "ExportImage", {"export-image-task": _ec2_arn(request, "export-image-task", "*")})


def _create_network_interface(request: Request) -> list[Check]:
    """The new interface (request tags; ec2:Subnet and ec2:Vpc of its subnet), the subnet it is
    made in and each of its security groups."""
    subnet = request.params.get("SubnetId", "*")
    made = [_created(request, "CreateNetworkInterface", "network-interface", "*",
                     _ec2_tag_specs(request).get("network-interface"))]
    made[0].context.update(_network_context(request, subnet))
    if subnet != "*":
        made[0].context["ec2:subnet"] = [_ec2_arn(request, "subnet", subnet)]
    used = [subnet] + request.indexed("SecurityGroupId")
    arns = {"network-interface": _ec2_arn(request, "network-interface", "*")}
    return made + [_existing(request, r, "CreateNetworkInterface") for r in used] + _tag_on_create(
        request, "CreateNetworkInterface", arns)


def _network_interface_permission(request: Request) -> list[Check]:
    """The interface (its ec2:Subnet, ec2:Vpc), with ec2:AuthorizedService: the AwsService asked for."""
    context = {"ec2:authorizedservice": [request.params.get("AwsService", "")]}
    return [_existing(request, request.params.get("NetworkInterfaceId", "*"), "CreateNetworkInterfacePermission", context)]


def _account_level(action: str) -> Callable[[Request], list[Check]]:
    return lambda request: [Check(action, "*")]


def _one(param: str, action: str) -> Callable[[Request], list[Check]]:
    return lambda request: [_existing(request, request.params.get(param, "*"), action)]


def _creates(action: str, kind: str, *parents: str) -> Callable[[Request], list[Check]]:
    """A plain create: the new resource (request tags), the existing ones it is made from or in."""

    def checks(request: Request) -> list[Check]:
        arn = _ec2_arn(request, kind, "*")
        made = [Check(f"ec2:{action}", arn, _request_tag_context(_ec2_tag_specs(request).get(kind, {})))]
        made += [_existing(request, request.params[p], action) for p in parents if request.params.get(p)]
        return made + _tag_on_create(request, action, {kind: arn})

    return checks


EC2: dict[str, Callable[[Request], list[Check]]] = {
    "RunInstances": _run_instances,
    "TerminateInstances": _each_instance("TerminateInstances"),
    "StopInstances": _each_instance("StopInstances"),
    "StartInstances": _each_instance("StartInstances"),
    "CreateImage": _create_image,
    "CopyImage": _copy_image,
    "DeregisterImage": _one("ImageId", "DeregisterImage"),
    "ModifyImageAttribute": _one("ImageId", "ModifyImageAttribute"),
    "DeleteSnapshot": _one("SnapshotId", "DeleteSnapshot"),
    "CreateTags": _tags_call("CreateTags"),
    "DeleteTags": _tags_call("DeleteTags"),
    "CreateKeyPair": lambda r: _key_pair(r, "CreateKeyPair"),
    "ImportKeyPair": lambda r: _key_pair(r, "ImportKeyPair"),
    "DeleteKeyPair": lambda r: _key_pair(r, "DeleteKeyPair"),
    "CreateSecurityGroup": _security_group("CreateSecurityGroup"),
    "DeleteSecurityGroup": _security_group("DeleteSecurityGroup"),
    "AuthorizeSecurityGroupIngress": _security_group("AuthorizeSecurityGroupIngress"),
    "AuthorizeSecurityGroupEgress": _security_group("AuthorizeSecurityGroupEgress"),
    "RevokeSecurityGroupIngress": _security_group("RevokeSecurityGroupIngress"),
    "RevokeSecurityGroupEgress": _security_group("RevokeSecurityGroupEgress"),
    "ExportImage": _export_image,
    "CancelExportTask": _one("ExportTaskId", "CancelExportTask"),
    "CreateLaunchTemplate": _creates("CreateLaunchTemplate", "launch-template"),
    "DeleteLaunchTemplate": _one("LaunchTemplateId", "DeleteLaunchTemplate"),
    "RegisterImage": _creates("RegisterImage", "image"),
    "CreateVpc": _creates("CreateVpc", "vpc"),
    "CreateSubnet": _creates("CreateSubnet", "subnet", "VpcId"),
    # A VPC's private subnets and their NAT gateway (the release CodeBuild project's network).
    "AllocateAddress": _creates("AllocateAddress", "elastic-ip"),
    "CreateNatGateway": _creates("CreateNatGateway", "natgateway", "SubnetId"),
    "CreateRouteTable": _creates("CreateRouteTable", "route-table", "VpcId"),
    "CreateRoute": _one("RouteTableId", "CreateRoute"),
    "AssociateRouteTable": lambda r: [_existing(r, r.params.get(p, "*"), "AssociateRouteTable")
                                      for p in ("RouteTableId", "SubnetId")],
    # What CodeBuild does with a project's service role to run a build in its VPC.
    "CreateNetworkInterface": _create_network_interface,
    "CreateNetworkInterfacePermission": _network_interface_permission,
    "DeleteNetworkInterface": _one("NetworkInterfaceId", "DeleteNetworkInterface"),
    "CreateVolume": _creates("CreateVolume", "volume"),
    "DeleteVolume": _one("VolumeId", "DeleteVolume"),
    "CreateSnapshot": _creates("CreateSnapshot", "snapshot", "VolumeId"),
    # Account-level: no resource-level permissions (Resource "*" only).
    **{
        a: _account_level(f"ec2:{a}")
        for a in (
            "GetImageBlockPublicAccessState", "EnableImageBlockPublicAccess", "DisableImageBlockPublicAccess",
            "GetEbsEncryptionByDefault",
        )
    },
}


# --- CloudFormation ------------------------------------------------------------------------------


def _cfn_backend(request: Request) -> Any:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[request.account][request.region]


def _stack_arn(request: Request, name: str | None) -> str:
    if not name:
        return "*"
    if name.startswith("arn:"):
        return name
    live = [s for s in _cfn_backend(request).stacks.values() if s.name == name and s.status != "DELETE_COMPLETE"]
    if live:
        return live[-1].stack_id
    return f"arn:aws:cloudformation:{request.region}:{request.account}:stack/{name}/*"


def _change_set_stack(request: Request) -> str:
    name = request.params.get("ChangeSetName", "")
    if name.startswith("arn:"):
        change_set = _cfn_backend(request).change_sets.get(name)
        if change_set is not None:
            return change_set.stack_id
    return _stack_arn(request, request.params.get("StackName"))


def _cfn(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        if action in ("ExecuteChangeSet", "DescribeChangeSet", "DeleteChangeSet"):
            stack = _change_set_stack(request)
        else:
            stack = _stack_arn(request, request.params.get("StackName"))
        context: Context = {}
        if action in ("CreateStack", "UpdateStack", "CreateChangeSet"):
            context = _request_tag_context(_pairs(request, "Tags.member"))
            if request.params.get("ChangeSetName"):
                context["cloudformation:changesetname"] = [request.params["ChangeSetName"]]
        result = [Check(f"cloudformation:{action}", stack, context)]
        if request.params.get("RoleARN"):
            result.append(
                Check(
                    "iam:PassRole", request.params["RoleARN"], {"iam:passedtoservice": ["cloudformation.amazonaws.com"]}
                )
            )
        return result

    return checks


CLOUDFORMATION: dict[str, Callable[[Request], list[Check]]] = {
    **{
        a: _cfn(a)
        for a in (
            "CreateStack",
            "UpdateStack",
            "DeleteStack",
            "DescribeStackEvents",
            "DescribeStackResource",
            "DescribeStackResources",
            "ListStackResources",
            "GetTemplate",
            "CreateChangeSet",
            "ExecuteChangeSet",
            "DescribeChangeSet",
            "DeleteChangeSet",
            "ListChangeSets",
            "UpdateTerminationProtection",
        )
    },
    # Without a StackName, DescribeStacks describes every stack: AWS then requires ListStacks as well.
    "DescribeStacks": lambda r: (
        _cfn("DescribeStacks")(r)
        if r.params.get("StackName")
        else [Check("cloudformation:DescribeStacks", "*"), Check("cloudformation:ListStacks", "*")]
    ),
    # GetTemplateSummary names a stack only when asked about one.
    "GetTemplateSummary": lambda r: (
        _cfn("GetTemplateSummary")(r)
        if r.params.get("StackName")
        else [Check("cloudformation:GetTemplateSummary", "*")]
    ),
    **{
        a: _account_level(f"cloudformation:{a}")
        for a in ("ValidateTemplate", "ListStacks", "ListExports", "DescribeAccountLimits")
    },
}


# --- S3 ------------------------------------------------------------------------------------------


def s3_target(request: Request) -> tuple[str, str, dict[str, list[str]]]:
    """Bucket, key and query of a path-style S3 request."""
    parsed = urllib.parse.urlsplit(request.path)
    parts = parsed.path.lstrip("/").split("/", 1)
    bucket = urllib.parse.unquote(parts[0])
    key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
    return bucket, key, urllib.parse.parse_qs(parsed.query, keep_blank_values=True)


_S3_BUCKET_SUBRESOURCES = {
    # (method, subresource) -> operation; the IAM action is s3:<operation> unless _S3_IAM says otherwise.
    ("GET", "location"): "GetBucketLocation",
    ("GET", "policy"): "GetBucketPolicy",
    ("PUT", "policy"): "PutBucketPolicy",
    ("DELETE", "policy"): "DeleteBucketPolicy",
    ("GET", "tagging"): "GetBucketTagging",
    ("PUT", "tagging"): "PutBucketTagging",
    ("GET", "versioning"): "GetBucketVersioning",
    ("PUT", "versioning"): "PutBucketVersioning",
    ("GET", "publicAccessBlock"): "GetPublicAccessBlock",
    ("PUT", "publicAccessBlock"): "PutPublicAccessBlock",
    ("DELETE", "publicAccessBlock"): "DeletePublicAccessBlock",
    ("GET", "encryption"): "GetBucketEncryption",
    ("PUT", "encryption"): "PutBucketEncryption",
    ("GET", "ownershipControls"): "GetBucketOwnershipControls",
    ("PUT", "ownershipControls"): "PutBucketOwnershipControls",
    ("GET", "uploads"): "ListMultipartUploads",
    ("GET", "versions"): "ListObjectVersions",
    ("GET", "acl"): "GetBucketAcl",
    ("PUT", "acl"): "PutBucketAcl",
    ("GET", "cors"): "GetBucketCors",
    ("PUT", "cors"): "PutBucketCors",
    ("GET", "lifecycle"): "GetBucketLifecycleConfiguration",
    ("PUT", "lifecycle"): "PutBucketLifecycleConfiguration",
    ("GET", "website"): "GetBucketWebsite",
    ("PUT", "website"): "PutBucketWebsite",
    ("GET", "logging"): "GetBucketLogging",
    ("PUT", "logging"): "PutBucketLogging",
    ("GET", "notification"): "GetBucketNotificationConfiguration",
    ("PUT", "notification"): "PutBucketNotificationConfiguration",
    ("POST", "delete"): "DeleteObjects",
}

# Operation -> IAM action where the names differ (Service Authorization Reference).
_S3_IAM = {
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListBuckets": "ListAllMyBuckets",
    "HeadObject": "GetObject",
    "CopyObject": "PutObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "UploadPartCopy": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "ListParts": "ListMultipartUploadParts",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListObjectVersions": "ListBucketVersions",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetObjectTagging": "GetObjectTagging",
    "PutObjectTagging": "PutObjectTagging",
}


# The same operations on one version of an object (a `versionId` in the query, or in a
# DeleteObjects entry) are other IAM actions (Service Authorization Reference: DeleteObjectVersion,
# GetObjectVersion).
_S3_VERSION_IAM = {"DeleteObject": "DeleteObjectVersion", "GetObject": "GetObjectVersion", "HeadObject": "GetObjectVersion"}


def s3_operation(request: Request) -> str:
    """The S3 API operation a path-style request is."""
    bucket, key, query = s3_target(request)
    method = request.method
    copy = "x-amz-copy-source" in {k.lower() for k in request.headers}
    if not bucket:
        return "ListBuckets" if method == "GET" else "Unknown"
    if not key:
        for (m, sub), operation in _S3_BUCKET_SUBRESOURCES.items():
            if m == method and sub in query:
                return operation
        if method == "GET":
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, "Unknown")
    if "uploadId" in query:
        if method == "PUT":
            return "UploadPartCopy" if copy else "UploadPart"
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload", "GET": "ListParts"}.get(
            method, "Unknown"
        )
    if "uploads" in query and method == "POST":
        return "CreateMultipartUpload"
    if "tagging" in query:
        return {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"}.get(
            method, "Unknown"
        )
    if "acl" in query:
        return {"GET": "GetObjectAcl", "PUT": "PutObjectAcl"}.get(method, "Unknown")
    if method == "PUT":
        return "CopyObject" if copy else "PutObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, "Unknown")


_S3_OBJECT_OPERATIONS = {
    "GetObject",
    "HeadObject",
    "PutObject",
    "CopyObject",
    "DeleteObject",
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "GetObjectTagging",
    "PutObjectTagging",
    "DeleteObjectTagging",
    "GetObjectAcl",
    "PutObjectAcl",
}


def _s3_checks(request: Request) -> list[Check]:
    bucket, key, query = s3_target(request)
    operation = request.action
    iam = "s3:" + _S3_IAM.get(operation, operation)
    if operation == "ListBuckets":
        return [Check(iam, "*")]
    if operation in _S3_OBJECT_OPERATIONS:
        if query.get("versionId"):
            iam = "s3:" + _S3_VERSION_IAM.get(operation, iam.removeprefix("s3:"))
        checks = [Check(iam, f"arn:aws:s3:::{bucket}/{key}")]
        if operation in ("CopyObject", "UploadPartCopy"):
            source = next(v for k, v in request.headers.items() if k.lower() == "x-amz-copy-source")
            source = urllib.parse.unquote(source.split("?", 1)[0]).lstrip("/")
            checks.append(Check("s3:GetObject", f"arn:aws:s3:::{source}"))
        return checks
    if operation == "DeleteObjects":
        checks = []
        for entry in ElementTree.fromstring(request.raw_body or b"<Delete/>").iter():
            if entry.tag.endswith("Object"):
                fields = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in entry}
                action = "s3:DeleteObjectVersion" if fields.get("VersionId") else "s3:DeleteObject"
                checks.append(Check(action, f"arn:aws:s3:::{bucket}/{fields.get('Key', '')}"))
        return checks
    if operation in _S3_BUCKET_SUBRESOURCES.values() or operation in (
        "ListObjects",
        "ListObjectsV2",
        "HeadBucket",
        "CreateBucket",
        "DeleteBucket",
    ):
        context: Context = {}
        if iam == "s3:ListBucket":
            context["s3:prefix"] = [query.get("prefix", [""])[0]]
            if query.get("delimiter"):
                context["s3:delimiter"] = query["delimiter"][:1]
        return [Check(iam, f"arn:aws:s3:::{bucket}", context)]
    raise UnknownAction(f"s3:{operation}")


# --- JSON services, STS, IAM ---------------------------------------------------------------------


def _codebuild(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        body = request.body or {}
        base = f"arn:aws:codebuild:{request.region}:{request.account}:project/"
        if action == "BatchGetBuilds":
            names = sorted({str(i).split(":", 1)[0] for i in body.get("ids", [])})
        elif action == "BatchGetProjects":
            names = [str(n).rsplit("/", 1)[-1] for n in body.get("names", [])]
        else:
            names = [str(body.get("projectName") or body.get("name") or "*")]
        result = [Check(f"codebuild:{action}", base + n) for n in names]
        if action in ("CreateProject", "UpdateProject") and body.get("serviceRole"):
            result.append(
                Check("iam:PassRole", body["serviceRole"], {"iam:passedtoservice": ["codebuild.amazonaws.com"]})
            )
        return result

    return checks


def _logs(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        body = request.body or {}
        group = body.get("logGroupName", "*")
        arn = f"arn:aws:logs:{request.region}:{request.account}:log-group:{group}"
        if body.get("logStreamName") and action != "CreateLogStream":
            arn += f":log-stream:{body['logStreamName']}"
        elif action in ("CreateLogStream", "DescribeLogStreams"):
            arn += ":*"
        return [Check(f"logs:{action}", arn)]

    return checks


def _secret(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        from moto.secretsmanager.models import secretsmanager_backends

        body = request.body or {}
        secret_id = str(body.get("SecretId") or body.get("Name") or "*")
        store = secretsmanager_backends[request.account][request.region].secrets
        arn = (
            store[secret_id].arn
            if secret_id in store
            else (
                secret_id
                if secret_id.startswith("arn:")
                else f"arn:aws:secretsmanager:{request.region}:{request.account}:secret:{secret_id}-??????"
            )
        )
        context = _request_tag_context({t["Key"]: t.get("Value", "") for t in body.get("Tags") or []})
        return [Check(f"secretsmanager:{action}", arn, context)]

    return checks


def _parameter(action: str) -> Callable[[Request], list[Check]]:
    """Parameter Store: the parameter's ARN, its name without the leading "/" (`parameter/a/b`)."""

    def checks(request: Request) -> list[Check]:
        name = str((request.body or {}).get("Name") or "*").lstrip("/")
        return [Check(f"ssm:{action}", f"arn:aws:ssm:{request.region}:{request.account}:parameter/{name}")]

    return checks


def _iam(action: str) -> Callable[[Request], list[Check]]:
    def checks(request: Request) -> list[Check]:
        p = request.params
        if p.get("RoleName"):
            arn = f"arn:aws:iam::{request.account}:role/{p['RoleName']}"
        elif p.get("UserName"):
            arn = f"arn:aws:iam::{request.account}:user/{p['UserName']}"
        elif p.get("PolicyArn"):
            arn = p["PolicyArn"]
        elif p.get("PolicySourceArn"):
            arn = p["PolicySourceArn"]
        elif p.get("PolicyName") and action == "CreatePolicy":
            arn = f"arn:aws:iam::{request.account}:policy/{p['PolicyName']}"
        else:
            arn = "*"
        return [Check(f"iam:{action}", arn)]

    return checks


JSON_SERVICES: dict[str, dict[str, Callable[[Request], list[Check]]]] = {
    "codebuild": {
        a: _codebuild(a)
        for a in (
            "StartBuild",
            "BatchGetBuilds",
            "StopBuild",
            "CreateProject",
            "UpdateProject",
            "DeleteProject",
            "BatchGetProjects",
            "ListBuildsForProject",
        )
    }
    | {a: _account_level(f"codebuild:{a}") for a in ("ListProjects", "ListBuilds", "ImportSourceCredentials")},
    "logs": {
        a: _logs(a)
        for a in (
            "GetLogEvents",
            "CreateLogGroup",
            "CreateLogStream",
            "PutLogEvents",
            "DescribeLogStreams",
            "DeleteLogGroup",
            "FilterLogEvents",
        )
    }
    | {"DescribeLogGroups": _account_level("logs:DescribeLogGroups")},
    "secretsmanager": {
        a: _secret(a) for a in ("GetSecretValue", "CreateSecret", "DescribeSecret", "PutSecretValue", "DeleteSecret")
    }
    | {"ListSecrets": _account_level("secretsmanager:ListSecrets")},
    # The buildspec runner reads env.parameter-store and PARAMETER_STORE variables.
    "ssm": {a: _parameter(a) for a in ("GetParameter", "PutParameter", "DeleteParameter")},
    # Service Authorization Reference: a quota's ARN is arn:aws:servicequotas:REGION:ACCOUNT:SERVICE/QUOTA.
    "servicequotas": {
        "GetServiceQuota": lambda r: [Check(
            "servicequotas:GetServiceQuota",
            f"arn:aws:servicequotas:{r.region}:{r.account}:{(r.body or {}).get('ServiceCode', '*')}/"
            f"{(r.body or {}).get('QuotaCode', '*')}",
        )]
    },
}

STS: dict[str, Callable[[Request], list[Check]]] = {
    "AssumeRole": lambda r: [Check("sts:AssumeRole", r.params.get("RoleArn", "*"))],
    "GetCallerIdentity": _account_level("sts:GetCallerIdentity"),
    "GetSessionToken": _account_level("sts:GetSessionToken"),
}

IAM_ACTIONS = {
    a: _iam(a)
    for a in (
        "CreateRole",
        "GetRole",
        "DeleteRole",
        "PutRolePolicy",
        "GetRolePolicy",
        "DeleteRolePolicy",
        "ListRolePolicies",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "ListAttachedRolePolicies",
        "UpdateAssumeRolePolicy",
        "CreateUser",
        "GetUser",
        "DeleteUser",
        "PutUserPolicy",
        "DeleteUserPolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "CreateAccessKey",
        "DeleteAccessKey",
        "ListAccessKeys",
        "CreatePolicy",
        "GetPolicy",
        "DeletePolicy",
        "ListRoles",
        "ListUsers",
        "ListPolicies",
        "PassRole",
        "CreateOpenIDConnectProvider",
        "GetOpenIDConnectProvider",
        "DeleteOpenIDConnectProvider",
        "ListOpenIDConnectProviders",
        "SimulatePrincipalPolicy",
    )
}


def checks_for(request: Request) -> list[Check]:
    if request.service == "s3":
        return _s3_checks(request)
    table = {"ec2": EC2, "cloudformation": CLOUDFORMATION, "sts": STS, "iam": IAM_ACTIONS}.get(request.service)
    if table is None:
        table = JSON_SERVICES.get(request.service, {})
    if request.service == "ec2" and request.action.startswith("Describe"):
        return [Check(f"ec2:{request.action}", "*")]
    entry = table.get(request.action)
    if entry is None:
        raise UnknownAction(f"{request.service}:{request.action}")
    return entry(request)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return {}
