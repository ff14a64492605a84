"""CloudFormation resource types that the project's stacks use and moto 5.2.5 does not know.

moto skips an unknown type; a Ref or Fn::GetAtt to it then fails, and DescribeStacks answers 500
while it evaluates the Outputs. Here:
- AWS::CodeBuild::Project creates a real project in moto's CodeBuild (ListProjects, StartBuild work);
- AWS::S3::BucketPolicy puts the policy on the bucket;
- AWS::WAFv2::IPSet, AWS::WAFv2::WebACL, AWS::CloudFront::OriginAccessControl and
  AWS::CloudFront::Distribution are placeholders: they exist only in the stack, with identifiers
  and attributes of AWS's shape, so Refs, GetAtts and Outputs resolve.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from moto.core.common_models import CloudFormationModel

# moto files every model class under the service named by its module, "moto.<service>.…".
MODULE = "moto.emulator.cfn_models"


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the API's camelCase members."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = "buildspec" if key == "BuildSpec" else key[:1].lower() + key[1:]
            out[name] = _camel(item)
        return out
    if isinstance(value, list):
        # An item that is `!Ref AWS::NoValue` (moto resolves it to None) is no item at all, as on AWS.
        return [_camel(item) for item in value if item is not None]
    return value


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


class _NoUpdateInPlace:
    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> Any:
        # Replace: delete the old one, create the new one (AWS updates some properties in place,
        # but nothing observable in the emulator depends on the difference).
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)  # type: ignore[attr-defined]

    def is_created(self) -> bool:
        return True


class CodeBuildProject(_NoUpdateInPlace, CloudFormationModel):
    __module__ = MODULE
    def __init__(self, name: str, arn: str):
        self.name, self.arn = name, arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CodeBuild::Project"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CodeBuildProject:
        from moto.codebuild.models import codebuild_backends

        props = cloudformation_json.get("Properties", {})
        environment = _camel(props.get("Environment", {}))
        # The API takes strings: a variable from a Number parameter (moto resolves it to an int) too.
        for variable in environment.get("environmentVariables", []):
            variable["value"] = str(variable.get("value", ""))
        backend = codebuild_backends[account_id][region_name]
        backend.create_project(
            project_name=resource_name,
            description=props.get("Description"),
            project_source=_camel(props.get("Source", {})),
            artifacts=_camel(props.get("Artifacts", {"Type": "NO_ARTIFACTS"})),
            environment=environment,
            service_role=props.get("ServiceRole", ""),
            tags=_camel(props.get("Tags")),
            cache=_camel(props.get("Cache")),
            timeout=_int(props.get("TimeoutInMinutes")) or 60,
            queued_timeout=_int(props.get("QueuedTimeoutInMinutes")) or 480,
            source_version=props.get("SourceVersion"),
            logs_config=_camel(props.get("LogsConfig")),
            vpc_config=_camel(props.get("VpcConfig")),
        )
        return cls(resource_name, backend.codebuild_projects[resource_name].arn)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        from moto.codebuild.models import codebuild_backends

        codebuild_backends[account_id][region_name].delete_project(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_from_cloudformation_json(self.name, {}, account_id, region_name)

    @property
    def physical_resource_id(self) -> str:
        return self.name

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Arn":
            return self.arn
        raise NotImplementedError(f'"Fn::GetAtt" : [ "{{0}}" , "{attribute_name}" ]"')


class S3BucketPolicy(_NoUpdateInPlace, CloudFormationModel):
    __module__ = MODULE
    def __init__(self, bucket: str, account_id: str):
        self.bucket, self.account_id = bucket, account_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> S3BucketPolicy:
        from moto.s3.models import s3_backends

        props = cloudformation_json.get("Properties", {})
        document = props.get("PolicyDocument", {})
        text = document if isinstance(document, str) else json.dumps(document)
        s3_backends[account_id]["aws"].put_bucket_policy(props["Bucket"], text.encode())
        return cls(props["Bucket"], account_id)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        pass

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.s3.models import s3_backends

        try:
            s3_backends[account_id]["aws"].delete_bucket_policy(self.bucket)
        except Exception:
            pass  # the bucket is gone already

    @property
    def physical_resource_id(self) -> str:
        return f"{self.bucket}-policy"


def _token(alphabet: str, size: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


class _Placeholder(_NoUpdateInPlace):
    """A resource that lives only in its stack; subclasses say what Ref and GetAtt give."""

    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self, ref: str, attributes: dict[str, Any]):
        self.ref, self.attributes = ref, attributes

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        pass

    def delete(self, account_id: str, region_name: str) -> None:
        pass

    @property
    def physical_resource_id(self) -> str:
        return self.ref

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise NotImplementedError(f'"Fn::GetAtt" : [ "{{0}}" , "{attribute_name}" ]"')


def _wafv2(kind: str, cloudformation_json: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> tuple[str, dict[str, Any]]:
    props = cloudformation_json.get("Properties", {})
    name = props.get("Name") or resource_name
    scope = props.get("Scope", "REGIONAL")
    ident = f"{_token('0123456789abcdef', 8)}-{_token('0123456789abcdef', 4)}-{_token('0123456789abcdef', 4)}-{_token('0123456789abcdef', 4)}-{_token('0123456789abcdef', 12)}"
    where = "global" if scope == "CLOUDFRONT" else "regional"
    arn = f"arn:aws:wafv2:{region_name}:{account_id}:{where}/{kind}/{name}/{ident}"
    return f"{name}|{ident}|{scope}", {"Arn": arn, "Id": ident}


class WAFv2IPSet(_Placeholder, CloudFormationModel):
    __module__ = MODULE
    ATTRIBUTES = ("Arn", "Id")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::WAFv2::IPSet"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> WAFv2IPSet:
        return cls(*_wafv2("ipset", cloudformation_json, resource_name, account_id, region_name))


class WAFv2WebACL(_Placeholder, CloudFormationModel):
    __module__ = MODULE
    ATTRIBUTES = ("Arn", "Id", "Capacity", "LabelNamespace")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::WAFv2::WebACL"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> WAFv2WebACL:
        ref, attributes = _wafv2("webacl", cloudformation_json, resource_name, account_id, region_name)
        name = ref.split("|")[0]
        attributes.update(Capacity=50, LabelNamespace=f"awswaf:{account_id}:webacl:{name}:")
        return cls(ref, attributes)


class CloudFrontOriginAccessControl(_Placeholder, CloudFormationModel):
    __module__ = MODULE
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::OriginAccessControl"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFrontOriginAccessControl:
        ident = "E" + _token(string.ascii_uppercase + string.digits, 13)
        return cls(ident, {"Id": ident})


class CloudFrontDistribution(_Placeholder, CloudFormationModel):
    __module__ = MODULE
    ATTRIBUTES = ("Id", "DomainName")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFront::Distribution"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> CloudFrontDistribution:
        ident = "E" + _token(string.ascii_uppercase + string.digits, 13)
        domain = "d" + _token(string.ascii_lowercase + string.digits, 13) + ".cloudfront.net"
        return cls(ident, {"Id": ident, "DomainName": domain})


def install() -> None:
    # moto caches its type -> model map on first use; the classes above exist by now.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
