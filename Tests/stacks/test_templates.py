"""The templates' contract, read from the YAML itself (run by `make lint`).

These are static checks of what the templates promise (stacks/README.md): the CI project is
privileged, the build instance needs IMDSv2 and ends itself, the release role's EC2 changes
all need the release's tags, its S3 rights stay under the images and artifacts prefixes, and
the export role may be passed to VM Import/Export only. Whether AWS (or the emulator) grants
each request under that policy is the emulator's business, not this file's.
"""
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: `!Sub x` becomes {"Fn::Sub": x}."""


def _intrinsic(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else ("Fn::" + suffix)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def template(name):
    return yaml.load((ROOT / "stacks" / name).read_text(), Loader=CfnLoader)


def text(value):
    """The literal text of a value, `!Sub` strings included (what a check can compare)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return value if isinstance(value, str) else repr(value)


def as_list(value):
    return value if isinstance(value, list) else [value]


def release_statements(inline_only=False):
    """The release role's statements: its inline policy's, and those of the managed policies attached to it."""
    res = template("release-codebuild.yaml")["Resources"]
    docs = [p["PolicyDocument"] for p in res["ServiceRole"]["Properties"]["Policies"]]
    if not inline_only:
        docs += [r["Properties"]["PolicyDocument"] for r in res.values() if r["Type"] == "AWS::IAM::ManagedPolicy"
                 and {"Ref": "ServiceRole"} in r["Properties"]["Roles"]]
    return [s for d in docs for s in d["Statement"]]


def condition_keys(statement):
    return {key for op in statement.get("Condition", {}).values() for key in op}


# What AWS cannot check tags on: RunInstances only uses these resources, a new group lands in a
# VPC, and security group rules are created untagged by CloudFormation.
UNTAGGABLE = {
    "ec2:RunInstances": {"image", "subnet", "security-group", "key-pair", "network-interface"},
    "ec2:CreateSecurityGroup": {"vpc"},
    "ec2:AuthorizeSecurityGroupIngress": {"security-group-rule"},
    "ec2:AuthorizeSecurityGroupEgress": {"security-group-rule"},
    # CodeBuild's interface for a VPC build, made and removed with the service role, is untagged
    # (codebuild/userguide/vpc-support.html); the role bounds it by the VPC (ec2:Vpc).
    "ec2:CreateNetworkInterface": {"network-interface", "subnet", "security-group"},
    "ec2:CreateNetworkInterfacePermission": {"network-interface"},
    "ec2:DeleteNetworkInterface": {"network-interface"},
}
READ_ONLY = re.compile(r"^ec2:(Describe|Get)")


def resource_type(arn):
    return text(arn).split(":")[-1].split("/")[0]


def test_ci_project_is_privileged():
    project = template("ci-codebuild.yaml")["Resources"]["Project"]["Properties"]
    assert project["Environment"]["PrivilegedMode"] is True


def test_build_instance_requires_imdsv2_and_terminates_itself():
    t = template("ec2-instance.yaml")
    res = t["Resources"]
    data = res["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    instance = res["Instance"]["Properties"]
    assert instance["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": "LaunchTemplate"}
    assert instance["InstanceInitiatedShutdownBehavior"] == "terminate"
    assert data["InstanceInitiatedShutdownBehavior"] == "terminate"
    user_data = text(instance["UserData"]["Fn::Base64"])
    assert "bootcmd:" in user_data and "${MaxLifetimeMinutes}" in user_data and "poweroff" in user_data
    assert t["Parameters"]["MaxLifetimeMinutes"]["Default"] == 240


def test_build_instance_network_is_optional():
    t = template("ec2-instance.yaml")
    for name in ("VpcId", "SubnetId"):
        assert t["Parameters"][name]["Default"] == ""
    assert "HasSubnetId" in t["Conditions"]


def test_instance_key_pair_is_optional():
    # make verify-ami launches the released AMI without one: a user's password login only.
    t = template("ec2-instance.yaml")
    assert t["Parameters"]["KeyName"]["Default"] == ""
    assert "HasKeyName" in t["Conditions"]
    assert t["Resources"]["Instance"]["Properties"]["KeyName"] == {
        "Fn::If": ["HasKeyName", {"Ref": "KeyName"}, {"Ref": "AWS::NoValue"}]}


def test_every_ec2_change_needs_the_release_tags():
    checked = 0
    for s in release_statements():
        actions = [a for a in as_list(s["Action"]) if a.startswith("ec2:") and not READ_ONLY.match(a)]
        if not actions:
            continue
        checked += 1
        keys = condition_keys(s)
        tagged = {"aws:RequestTag/project", "aws:ResourceTag/project"} & keys
        if tagged:
            continue
        types = {resource_type(r) for r in as_list(s["Resource"])}
        for action in actions:
            if action in ("ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"):
                assert "ec2:Vpc" in s["Condition"]["ArnEquals"], s["Sid"]
            assert types <= UNTAGGABLE.get(action, set()), (
                f"statement {s['Sid']}: {action} on {sorted(types)} without a project tag condition")
    assert checked >= 8


def test_tag_conditions_also_need_an_asset_id():
    for s in release_statements():
        cond = s.get("Condition", {})
        for kind in ("RequestTag", "ResourceTag"):
            if f"aws:{kind}/project" in cond.get("StringEquals", {}) and s["Sid"] not in ("TagOnCreate", "RetagOwnResources"):
                assert cond.get("Null", {}).get(f"aws:{kind}/asset-id") == "false", s["Sid"]


def test_cloudformation_changes_only_on_instance_stacks():
    for s in release_statements():
        actions = [a for a in as_list(s["Action"]) if a.startswith("cloudformation:")]
        changes = [a for a in actions if not re.match(r"cloudformation:(Describe|List|Get|ValidateTemplate)", a)]
        if changes:
            assert [text(r) for r in as_list(s["Resource"])] == [
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${InstanceStackPrefix}*/*"]


def test_s3_only_under_the_images_staging_and_artifacts_prefixes():
    bucket = "arn:${AWS::Partition}:s3:::${VMBucketName}"
    allowed_objects = {bucket + "/${ImagesPrefix}/*", bucket + "/${StagingPrefix}/*", bucket + "/${ArtifactsPrefix}/*"}
    for s in release_statements():
        actions = [a for a in as_list(s["Action"]) if a.startswith("s3:")]
        if not actions:
            continue
        for r in map(text, as_list(s["Resource"])):
            if r == bucket:
                if "s3:ListBucket" in actions:
                    assert s["Condition"]["StringLike"]["s3:prefix"], s["Sid"]
            else:
                assert r in allowed_objects, f"{s['Sid']}: {r}"


def test_the_release_role_deletes_versions_of_staged_exports_only():
    # The rename deletes its source by version id (no noncurrent copy): DeleteObjectVersion, on the
    # staging prefix alone; the role lists it too (S3Objects.head's fallback lists the key).
    versions = [s for s in release_statements() if "s3:DeleteObjectVersion" in as_list(s["Action"])]
    assert [text(r) for s in versions for r in as_list(s["Resource"])] == [
        "arn:${AWS::Partition}:s3:::${VMBucketName}/${StagingPrefix}/*"]
    listing = [s for s in release_statements() if "s3:ListBucket" in as_list(s["Action"])]
    prefixes = [text(p) for s in listing for p in as_list(s["Condition"]["StringLike"]["s3:prefix"])]
    assert {"${StagingPrefix}/*", "${ImagesPrefix}/*"} <= set(prefixes), prefixes


def test_exports_are_staged_outside_what_cloudfront_serves():
    t = template("vm-bucket.yaml")
    res = t["Resources"]
    served = [s for s in res["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert [text(s["Resource"]) for s in served] == ["${Bucket.Arn}/${ImagesPrefix}/*"]
    assert t["Parameters"]["StagingPrefix"]["Default"] != t["Parameters"]["ImagesPrefix"]["Default"]
    assert any("StagingPrefix" in json.dumps(r) and "ImagesPrefix" in json.dumps(r) for r in t["Rules"].values())
    # VM Import/Export writes (and reads back) the staging prefix only.
    for s in res["ExportRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if {"s3:PutObject", "s3:GetObject"} & set(as_list(s["Action"])):
            assert text(s["Resource"]) == "${Bucket.Arn}/${StagingPrefix}/*", s["Sid"]
    # What a killed release left there goes, current and noncurrent versions alike.
    rules = res["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    staging = [r for r in rules if text(r.get("Prefix", "")) == "${StagingPrefix}/"]
    assert len(staging) == 1 and staging[0]["ExpirationInDays"] == {"Ref": "StagingExpirationDays"}
    assert staging[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1


def test_the_release_role_passes_no_role():
    # ExportImage names the export role, which vmie assumes by its own trust policy: VM Import/Export's
    # required permissions list no iam:PassRole; the EC2 stack runs with the release role itself.
    assert not [s for s in release_statements() if any(a.startswith("iam:PassRole") for a in as_list(s["Action"]))]


def test_the_instance_stack_creates_only_what_it_can_tag_at_creation():
    # CloudFormation creates a security group untagged and tags it last (cloudformation-coverage-roadmap#714):
    # the tools make the group, tagged in CreateSecurityGroup, and the stack only uses it.
    resources = template("ec2-instance.yaml")["Resources"]
    assert {r["Type"] for r in resources.values()} == {"AWS::EC2::LaunchTemplate", "AWS::EC2::Instance"}
    template_tags = resources["LaunchTemplate"]["Properties"]["TagSpecifications"]
    assert [s["ResourceType"] for s in template_tags] == ["launch-template"]
    launched = resources["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["TagSpecifications"]
    assert {s["ResourceType"] for s in launched} == {"instance", "volume"}


def test_release_project_variables_are_make_variables():
    project = template("release-codebuild.yaml")["Resources"]["Project"]["Properties"]
    names = set()
    for v in project["Environment"]["EnvironmentVariables"]:
        if "Fn::If" in v:
            v = v["Fn::If"][1]
        names.add(v["Name"])
    assert {"VM_BUCKET", "EXPORT_ROLE", "IMAGES_PREFIX", "CDN_DOMAIN", "VPC_ID", "SUBNET_ID"} <= names
    makefiles = (ROOT / "Makefile").read_text() + (ROOT / "stacks" / "stacks.mk").read_text()
    for name in names - {"SANDBOX_DEFAULT_PASSWORD", "BUILD_TIMEOUT_MINUTES"}:
        assert re.search(rf"^{name}\s*\?=", makefiles, re.M), f"{name} is no make variable"


def test_release_artifacts_land_where_the_role_may_write():
    project = template("release-codebuild.yaml")["Resources"]["Project"]["Properties"]
    artifacts = project["Artifacts"]
    assert artifacts["Type"] == "S3"
    assert artifacts["Location"] == {"Ref": "VMBucketName"} and artifacts["Path"] == {"Ref": "ArtifactsPrefix"}
    puts = [s for s in release_statements() if "s3:PutObject" in as_list(s["Action"])]
    assert any(text(r).endswith("/${ArtifactsPrefix}/*") for s in puts for r in as_list(s["Resource"]))


def test_release_buildspec_tears_down_when_the_build_fails():
    spec = yaml.safe_load((ROOT / "buildspec" / "release.yml").read_text())
    assert any("make teardown" in c for c in spec["phases"]["build"]["finally"])


def test_release_artifacts_come_from_a_fixed_folder():
    # CodeBuild evaluates only artifacts/name with the shell: a $VAR elsewhere is a literal path.
    spec = yaml.safe_load((ROOT / "buildspec" / "release.yml").read_text())
    artifacts = spec["artifacts"]
    assert "$" not in artifacts["base-directory"] and not any("$" in f for f in artifacts["files"])
    assert any(artifacts["base-directory"] in c for c in spec["phases"]["post_build"]["commands"])


@pytest.mark.parametrize("spec", ["release.yml", "ci.yml"])
def test_toolchain_is_installed_by_the_signature_check(spec):
    text_ = (ROOT / "buildspec" / spec).read_text()
    assert "buildspec/install-swift.sh" in text_ and "download.swift.org" not in text_


def test_vm_bucket_versioning_logs_and_export_role():
    res = template("vm-bucket.yaml")["Resources"]
    bucket = res["Bucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert any("NoncurrentVersionExpiration" in r for r in bucket["LifecycleConfiguration"]["Rules"])
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "LogBucket"}
    assert res["Distribution"]["Properties"]["DistributionConfig"]["Logging"]["Bucket"] == {"Fn::GetAtt": ["LogBucket", "DomainName"]}
    role = res["ExportRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"]
    assert trust["sts:ExternalId"] == "vmimport" and trust["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_release_policy_fits_the_inline_policy_quota():
    """IAM allows 10,240 characters (without whitespace) of inline policy per role. Estimated
    long: each `${...}` of a `!Sub` counted as 20 characters, each `!Ref` as 64."""
    def resolved(v):
        if isinstance(v, dict):
            if "Fn::Sub" in v:
                return re.sub(r"\$\{[^}]+\}", "x" * 20, text(v))
            if "Ref" in v:
                return "x" * 64
            return {k: resolved(w) for k, w in v.items()}
        if isinstance(v, list):
            return [resolved(w) for w in v]
        return v
    doc = json.dumps({"Version": "2012-10-17", "Statement": resolved(release_statements(inline_only=True))},
                     separators=(",", ":"))
    assert len(re.sub(r"\s", "", doc)) < 10240 - 600  # the CodeCommit pull policy counts too


# Calls in Sources/ that a release in CodeBuild never makes: AssumeRole and
# AssumeRoleWithWebIdentity (unsigned: the token, not a policy, allows it) serve shared-config
# profiles and OIDC logins (CodeBuild hands container credentials); termination protection is
# for the permanent stacks (cfn-deploy --termination-protection), deployed by an administrator.
NOT_IN_A_RELEASE = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "cloudformation:UpdateTerminationProtection"}
# STS API reference, GetCallerIdentity: "No permissions are required to perform this operation."
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


def test_every_action_the_tools_send_is_granted_to_the_release_role():
    sources = "\n".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    sent = {f"{svc}:{action}" for svc, action in re.findall(r'query(?:All)?\("([a-z0-9]+)", "([A-Za-z]+)"', sources)}
    # The Makefile's own request (the source AMI), and S3's REST calls (S3Copy, S3Objects):
    # HEAD/GET object, CopyObject and multipart parts, DeleteObject(s), ListObjectsV2.
    sent |= {"ec2:DescribeImages", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
             "s3:AbortMultipartUpload", "s3:ListBucket"}
    granted = [a for s in release_statements() for a in as_list(s["Action"])]
    missing = sorted(a for a in sent - NOT_IN_A_RELEASE - NEEDS_NO_PERMISSION
                     if not any(re.fullmatch(g.replace("*", ".*"), a) for g in granted))
    assert len(sent) > 25 and not missing, f"the release role does not grant {missing}"


def test_waf_allows_listed_ipv4_and_ipv6_addresses_and_a_captcha_lasts_hours():
    # The distribution serves IPv6 (IPV6Enabled): an allow list of IPv4 only would send every
    # listed user on IPv6 to the CAPTCHA.
    t = template("vm-bucket-waf.yaml")
    res = t["Resources"]
    sets = {name: r["Properties"] for name, r in res.items() if r["Type"] == "AWS::WAFv2::IPSet"}
    assert sorted(p["IPAddressVersion"] for p in sets.values()) == ["IPV4", "IPV6"]
    rule = next(r for r in res["WebACL"]["Properties"]["Rules"] if r["Name"] == "CAPTCHA")
    exempt = rule["Statement"]["NotStatement"]["Statement"]["OrStatement"]["Statements"]
    assert sorted(s["IPSetReferenceStatement"]["Arn"]["Fn::GetAtt"][0] for s in exempt) == sorted(sets)
    for p in sets.values():
        assert p["Addresses"] in ({"Ref": "AllowedIPs"}, {"Fn::If": ["HasAllowedIPv6", {"Ref": "AllowedIPv6"}, []]})
    # WAF's default CAPTCHA immunity is 300 s: a multi-GiB download resumed later would get the
    # puzzle again, which a download cannot answer.
    immunity = rule["CaptchaConfig"]["ImmunityTimeProperty"]["ImmunityTime"]
    assert immunity == {"Ref": "CaptchaImmunitySeconds"}
    assert t["Parameters"]["CaptchaImmunitySeconds"]["Default"] >= 4 * 3600
    makefile = (ROOT / "stacks" / "stacks.mk").read_text()
    assert re.search(r"^ALLOWED_IPV6\s*\?=", makefile, re.M) and "AllowedIPv6," in makefile


def test_the_release_builds_run_in_a_vpc_and_the_instance_admits_their_group():
    # Outside a VPC a build is seen from an address other CodeBuild users share
    # (codebuild/userguide/vpc-support.html): the instance must admit the builds' group instead.
    t = template("release-codebuild.yaml")
    project = t["Resources"]["Project"]["Properties"]
    group = {"Fn::GetAtt": ["BuildSecurityGroup", "GroupId"]}
    assert project["VpcConfig"] == {"VpcId": {"Ref": "VpcId"}, "Subnets": {"Ref": "BuildSubnetIds"},
                                    "SecurityGroupIds": [group]}
    assert {"Name": "SOURCE_SECURITY_GROUP", "Type": "PLAINTEXT", "Value": group} in project["Environment"]["EnvironmentVariables"]
    assert t["Resources"]["Project"]["DependsOn"] == "BuildNetworkPolicy"
    # The instance's group (made by security-group create, tagged at creation) admits the builds'
    # group instead of a CIDR, and the instance then has no public address.
    makefile = (ROOT / "Makefile").read_text()
    assert '--source-group $$SOURCE_SECURITY_GROUP' in makefile and "--param PublicAddress=false" in makefile
    instance = template("ec2-instance.yaml")
    interface = instance["Resources"]["Instance"]["Properties"]["NetworkInterfaces"]["Fn::If"][1][0]
    assert interface["AssociatePublicIpAddress"] == {"Ref": "PublicAddress"}
    assert interface["GroupSet"] == [{"Ref": "SecurityGroupId"}]
    assert "PrivateIp" in instance["Outputs"]
    spec = yaml.safe_load((ROOT / "buildspec" / "release.yml").read_text())
    assert "checkip" not in json.dumps(spec)
