"""The release project as stacks/release-codebuild.yaml defines it, running buildspec/release.yml.

Each stack is deployed with cfn-deploy from the template, its release role's policy as written (or
a copy with one thing taken out), its builds in the test ground's VPC (conftest.network: a private
subnet behind a NAT gateway); the test ground adds to the project only what a release in the
emulator needs (SKIP_INSTALL=1: emulator instances have no operating system; one FORMATS;
NO_BUILD=1 with SCRATCH: the tools make test built, as a CodeBuild cache would keep them;
VERIFY_DOWNLOADS empty: placeholder exports do not boot). A build's commands and the runner get the keys of
the project's service role from the emulator's container endpoint.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote
from urllib.request import urlopen

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import ROOT

TEMPLATE = ROOT / "stacks" / "release-codebuild.yaml"
PROJECT_TAG = "data-science-sandbox"
BUILD_MINUTES = 10
# The stack make start-release finds the project in (STACK_RELEASE_CODEBUILD in stacks/stacks.mk).
RELEASE_STACK = "DATA-SCIENCE-SANDBOX-RELEASE-CODEBUILD"


def tool(name: str) -> Path:
    path = Path(os.environ.get("SANDBOX_BIN", ROOT / ".build" / "release")) / name
    assert path.exists(), f"{path} is missing: run make build first"
    return path


def template_text(*, drop_lines: tuple[str, ...] = (), extra_variables: dict[str, str]) -> str:
    """The template with `drop_lines` (each present once) taken out and the test ground's variables added."""
    text = TEMPLATE.read_text()
    for line in drop_lines:
        assert text.count(line + "\n") == 1, f"the template no longer has the line {line!r} once"
        text = text.replace(line + "\n", "")
    anchor = "          - {Name: BUILD_TIMEOUT_MINUTES, Type: PLAINTEXT, Value: !Ref TimeoutInMinutes}\n"
    assert anchor in text, "the template no longer defines BUILD_TIMEOUT_MINUTES"
    added = "".join(f"          - {{Name: {k}, Type: PLAINTEXT, Value: {json.dumps(v)}}}\n" for k, v in extra_variables.items())
    return text.replace(anchor, anchor + added)


class Ground:
    """A VM bucket stack (bucket and export role), a password secret and deployed release projects,
    with the emulator's keys."""

    def __init__(self, emulator: dict[str, str], aws: Callable[[str], Any], tmp: Path, network: dict[str, str]):
        self.emulator, self.aws, self.tmp, self.network = emulator, aws, tmp, network
        suffix = uuid.uuid4().hex[:8]
        # The permanent stack as an administrator deploys it: what make preflight expects of the account.
        vm_bucket = self.cfn_deploy(f"VM-BUCKET-{suffix}", ROOT / "stacks" / "vm-bucket.yaml", {})
        self.bucket, self.export_role = vm_bucket["BucketName"], vm_bucket["ExportRoleName"]
        self.secret = aws("secretsmanager").create_secret(
            Name=f"sandbox-password-{suffix}", SecretString=f"pw-{uuid.uuid4().hex}")["ARN"]
        scratch = Path(os.environ.get("SANDBOX_BIN", ROOT / ".build" / "release")).resolve().parent
        # VERIFY_DOWNLOADS empty: without the emulator's instanceDisk the exports are placeholder
        # bytes, nothing to boot (make test-image boots a real one through make release).
        self.variables = {"SKIP_INSTALL": "1", "FORMATS": "vmdk", "NO_BUILD": "1", "SCRATCH": str(scratch),
                          "VERIFY_DOWNLOADS": ""}

    def deploy(self, stack: str, text: str, **params: str) -> dict[str, str]:
        """A release project from the template text; `params` replace the ground's parameter values."""
        path = self.tmp / f"{stack}.yaml"
        path.write_text(text)
        return self.cfn_deploy(stack, path, {
            "CodeBuildProjectName": stack.lower()[:60], "SourceLocation": "https://git.example.invalid/sandbox-release.git",
            "VMBucketName": self.bucket, "ExportRoleName": self.export_role, "CdnDomain": "d111111abcdef8.cloudfront.net",
            "DefaultPasswordSecretArn": self.secret, "VpcId": self.network["vpc"],
            "BuildSubnetIds": self.network["private"], **params})

    def cfn_deploy(self, stack: str, path: Path, params: dict[str, str]) -> dict[str, str]:
        done = subprocess.run([str(tool("cfn-deploy")), "--stack", stack, "--template", str(path),
                               *[f"--param={k}={v}" for k, v in params.items()]],
                              cwd=ROOT, env={**os.environ, **self.emulator}, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"cfn-deploy of {stack} failed:\n{done.stderr}"
        return json.loads(done.stdout)["Outputs"]

    def start(self, project: str, asset_id: str) -> str:
        return self.aws("codebuild").start_build(projectName=project, environmentVariablesOverride=[
            {"name": "ASSET_ID", "value": asset_id, "type": "PLAINTEXT"}])["build"]["id"]

    def work(self, build_id: str) -> Path:
        """The emulator keeps each build's log and source copy beside its env file."""
        return Path(os.environ["EMULATOR_ENV"]).parent / "codebuild" / build_id.split(":", 1)[1]

    def finish(self, build_id: str) -> tuple[dict[str, Any], str]:
        codebuild, deadline = self.aws("codebuild"), time.monotonic() + BUILD_MINUTES * 60
        while (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] == "IN_PROGRESS":
            assert time.monotonic() < deadline, f"the build is still {build['currentPhase']}"
            time.sleep(2)
        return build, (self.work(build_id) / "build.log").read_text()

    def assets(self, asset_id: str) -> list[dict[str, Any]]:
        # Some tests have no VM bucket stack: the list is then partial (S3 not listed), which they accept.
        done = subprocess.run([str(tool("list-assets")), "--asset-id", asset_id, "--format", "json", "--allow-partial"],
                              env={**os.environ, **self.emulator}, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def role_environment(self, role_arn: str) -> dict[str, str]:
        """A build's environment: the role's keys from the container endpoint, none of the emulator's own."""
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                               "AWS_SESSION_TOKEN", "AWS_PROFILE")}
        endpoint = self.emulator["AWS_ENDPOINT_URL"]
        env.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION=self.emulator["AWS_REGION"],
                   AWS_DEFAULT_REGION=self.emulator["AWS_REGION"], AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{endpoint}/_emulator/container-credentials"
                                                      f"?roleArn={quote(role_arn, safe='')}")
        return env

    def role_client(self, role_arn: str, service: str) -> Any:
        """A client with the role's keys, as the container endpoint hands them to a build."""
        url = f"{self.emulator['AWS_ENDPOINT_URL']}/_emulator/container-credentials?roleArn={role_arn}"
        with urlopen(url) as answer:  # noqa: S310 (the emulator on 127.0.0.1)
            keys = json.load(answer)
        return boto3.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                             aws_session_token=keys["Token"], region_name=self.emulator["AWS_REGION"]
                             ).client(service, endpoint_url=self.emulator["AWS_ENDPOINT_URL"])


@pytest.fixture(scope="module")
def ground(emulator: dict[str, str], aws: Callable[[str], Any], tmp_path_factory: pytest.TempPathFactory,
           network: dict[str, str]) -> Ground:
    return Ground(emulator, aws, tmp_path_factory.mktemp("release-project"), network)


@pytest.fixture
def config(emulator: dict[str, str]) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Sets emulator configuration keys for one test and restores them afterwards."""
    url = f"{emulator['AWS_ENDPOINT_URL']}/_emulator/config"
    with urlopen(url) as answer:  # noqa: S310
        before = json.load(answer)

    def post(changes: dict[str, Any]) -> None:
        with urlopen(url, data=json.dumps(changes).encode()) as answer:  # noqa: S310
            assert answer.status == 200

    yield post
    post({k: before[k] for k in ("exportSeconds", "credentialSeconds", "delay", "instanceVcpuQuota")})


def failed_phase(build: dict[str, Any]) -> str | None:
    return next((p["phaseType"] for p in build["phases"] if p.get("phaseStatus") == "FAILED"), None)


def source_image(ec2: Any) -> str:
    """The newest Ubuntu 22.04 image, the release's source AMI."""
    return max(ec2.describe_images(Owners=["099720109477"], Filters=[
        {"Name": "name", "Values": ["ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*"]}])["Images"],
        key=lambda i: i["CreationDate"])["ImageId"]


def requests(emulator: dict[str, str]) -> list[str]:
    """The emulator's request log: every AWS action asked of it so far, in order."""
    with urlopen(f"{emulator['AWS_ENDPOINT_URL']}/_emulator/requests") as answer:  # noqa: S310
        return json.load(answer)["actions"]


def test_make_start_release_completes_under_the_role_with_30_second_keys_and_longer_exports(
        ground: Ground, config: Callable[[dict[str, Any]], None], emulator: dict[str, str]) -> None:
    outputs = ground.deploy(RELEASE_STACK, template_text(extra_variables=ground.variables))
    # CreateImage's answer is held back for a while: the instance is up then, to be looked at.
    config({"credentialSeconds": 30, "exportSeconds": 45, "delay": {"action": "CreateImage", "seconds": 6}})
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    started = subprocess.Popen(["make", "--no-print-directory", "start-release", f"ASSET_ID={asset_id}", "MAKE_PUBLIC=1",
                                "NO_BUILD=1"], cwd=ROOT, env={**os.environ, **emulator}, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    codebuild, ec2 = ground.aws("codebuild"), ground.aws("ec2")
    deadline = time.monotonic() + BUILD_MINUTES * 60
    while True:
        ids = codebuild.list_builds_for_project(projectName=outputs["ProjectName"])["ids"]
        ours = [b for b in (codebuild.batch_get_builds(ids=ids)["builds"] if ids else []) if {"name": "ASSET_ID",
                "value": asset_id, "type": "PLAINTEXT"} in b["environment"]["environmentVariables"]]
        instance_file = ground.work(ours[0]["id"]) / "src" / "build" / asset_id / "instance.json" if ours else None
        if instance_file is not None and instance_file.exists() or started.poll() is not None:
            break
        assert time.monotonic() < deadline, "the release made no instance"
        time.sleep(0.2)
    assert instance_file is not None and instance_file.exists(), started.communicate()[1]
    # The build runs in the project's VPC, on an interface in its private subnet ...
    assert ours[0]["networkInterface"]["subnetId"] == ground.network["private"], ours[0]
    # ... and only the builds' group reaches the instance (no address: outside a VPC a build is
    # seen from one other CodeBuild users share), on its private address.
    instance = json.loads(instance_file.read_text())
    described = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert instance["Host"] == described["PrivateIpAddress"], instance
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:asset-id", "Values": [asset_id]}])["SecurityGroups"]
    rules = [r for g in groups for r in g["IpPermissions"]]
    assert len(rules) == 2 and all(not r.get("IpRanges") and [p["GroupId"] for p in r["UserIdGroupPairs"]]
                                   == [outputs["BuildSecurityGroupId"]] for r in rules), groups
    _, stderr = started.communicate(timeout=BUILD_MINUTES * 60)
    assert len(ours) == 1, f"start-release started {len(ours)} builds of {asset_id}:\n{stderr}"
    build, log = ground.finish(ours[0]["id"])
    assert started.returncode == 0 and build["buildStatus"] == "SUCCEEDED", f"{stderr}\n{log[-4000:]}"
    state = ground.work(build["id"]) / "src" / "build" / asset_id
    assert (state / "released.stamp").exists() and (state / "assets.md").exists()
    assert {"name": "ASSET_ID", "value": asset_id} in build["exportedEnvironmentVariables"]
    assert {"name": "MAKE_PUBLIC", "value": "1", "type": "PLAINTEXT"} in build["environment"]["environmentVariables"]
    # ExportImage wrote outside what CloudFront serves; the verified image was moved under images/,
    # and nothing of it, not even a noncurrent version, stays in the staging prefix.
    # DescribeExportImageTasks filters by task-state alone: the release's tasks by their tags.
    tasks = [t for t in ground.aws("ec2").describe_export_image_tasks()["ExportImageTasks"]
             if {"Key": "asset-id", "Value": asset_id} in t.get("Tags", [])]
    assert [t["S3ExportLocation"]["S3Prefix"] for t in tasks] == [f"staging/{asset_id}/"], tasks
    versions = ground.aws("s3").list_object_versions(Bucket=ground.bucket, Prefix=f"staging/{asset_id}/")
    assert not versions.get("Versions") and not versions.get("DeleteMarkers"), versions
    images = ground.aws("s3").list_object_versions(Bucket=ground.bucket, Prefix=f"images/{asset_id}/")["Versions"]
    assert [v["Key"] for v in images] == [f"images/{asset_id}/data-science-sandbox-{asset_id}.vmdk"], images
    image = json.loads((state / "ami.json").read_text())["ImageId"]
    shared = ground.aws("ec2").describe_image_attribute(ImageId=image, Attribute="launchPermission")
    assert {"Group": "all"} in shared["LaunchPermissions"]
    # The artifacts land where the template says: <bucket>/<ArtifactsPrefix>/<build-uuid>/release/.
    location = build["artifacts"]["location"].removeprefix("arn:aws:s3:::")
    bucket, _, prefix = location.partition("/")
    keys = [o["Key"] for o in ground.aws("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]
    assert f"{prefix}/assets.md" in keys, keys


def test_without_list_stacks_the_release_fails_at_its_asset_report_with_access_denied(ground: Ground) -> None:
    # The one statement that grants it; DescribeStacks without a stack name needs it (assets.md's list-assets).
    text = template_text(drop_lines=("                  - cloudformation:ListStacks",), extra_variables=ground.variables)
    project = ground.deploy(f"RELEASE-NO-LIST-{uuid.uuid4().hex[:6]}", text)["ProjectName"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    build, log = ground.finish(ground.start(project, asset_id))
    assert (build["buildStatus"], failed_phase(build)) == ("FAILED", "BUILD"), log[-4000:]
    state = ground.work(build["id"]) / "src" / "build" / asset_id
    # Everything up to the report was done; the report is what AWS refuses.
    assert (state / "released.stamp").exists() and not (state / "assets.md").exists(), log[-4000:]
    assert re.search(r"AccessDenied: .*cloudformation:ListStacks", log), log[-4000:]


def test_without_the_vm_bucket_variables_the_release_fails_where_it_looks_for_the_bucket(ground: Ground) -> None:
    # Without them make describes the VM bucket stack, which this account does not have.
    drop = tuple(f"          - {{Name: {v}, Type: PLAINTEXT, Value: !Ref {p}}}" for v, p in (
        ("VM_BUCKET", "VMBucketName"), ("IMAGES_PREFIX", "ImagesPrefix"), ("EXPORT_ROLE", "ExportRoleName")))
    project = ground.deploy(f"RELEASE-NO-VARS-{uuid.uuid4().hex[:6]}",
                            template_text(drop_lines=drop, extra_variables=ground.variables))["ProjectName"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    build, log = ground.finish(ground.start(project, asset_id))
    assert (build["buildStatus"], failed_phase(build)) == ("FAILED", "BUILD"), log[-4000:]
    state = ground.work(build["id"]) / "src" / "build" / asset_id
    assert not (state / "vm-bucket.json").exists() and not (state / "released.stamp").exists(), log[-4000:]
    # make starts that lookup first, beside the source AMI's: it fails before any export; the teardown ran.
    assert "stack DATA-SCIENCE-SANDBOX-VM-Bucket does not exist" in log, log[-4000:]
    assert [a for a in ground.assets(asset_id) if a["Kind"] in ("stack", "key-pair")] == [], log[-4000:]


def test_stop_build_mid_release_still_tears_down(ground: Ground) -> None:
    project = ground.deploy(f"RELEASE-STOP-{uuid.uuid4().hex[:6]}",
                            template_text(extra_variables=ground.variables))["ProjectName"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    build_id = ground.start(project, asset_id)
    key_pair = ground.work(build_id) / "src" / "build" / asset_id / "keypair.json"
    deadline = time.monotonic() + BUILD_MINUTES * 60
    while not key_pair.exists():
        build = ground.aws("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
        log = (ground.work(build_id) / "build.log").read_text() if (ground.work(build_id) / "build.log").exists() else ""
        assert build["buildStatus"] == "IN_PROGRESS" and time.monotonic() < deadline, f"no key pair made:\n{log[-4000:]}"
        time.sleep(0.2)
    # The key pair exists, the instance stack is on its way: StopBuild (SIGTERM to the running command).
    ground.aws("codebuild").stop_build(id=build_id)
    build, log = ground.finish(build_id)
    assert build["buildStatus"] == "STOPPED", log[-4000:]
    assert "release: interrupted (SIGTERM)" in log, log[-4000:]
    assert [a for a in ground.assets(asset_id) if a["Kind"] in ("stack", "key-pair")] == [], log[-4000:]


def test_the_role_changes_only_images_and_instances_that_carry_the_release_tags(
        ground: Ground, aws: Callable[[str], Any]) -> None:
    role = ground.deploy(f"RELEASE-TAGS-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    ec2, as_role = aws("ec2"), ground.role_client(role, "ec2")
    source = source_image(ec2)
    tags = [{"Key": "project", "Value": PROJECT_TAG}, {"Key": "asset-id", "Value": "tag-test"}]

    def denied(call: Callable[[], Any]) -> str:
        with pytest.raises(ClientError) as caught:
            call()
        return caught.value.response["Error"]["Code"]

    for tagged in (False, True):
        instances = [i["InstanceId"] for i in ec2.run_instances(ImageId=source, MinCount=2, MaxCount=2)["Instances"]]
        image = ec2.create_image(InstanceId=instances[1], Name=f"tag-test-{uuid.uuid4().hex[:8]}")["ImageId"]
        if tagged:
            ec2.create_tags(Resources=[instances[0], image], Tags=tags)
            # The release may tag its own again (ami-export does), but never move it to another project.
            as_role.create_tags(Resources=[image], Tags=tags)
            other = [{"Key": "project", "Value": "someone-else"}]
            assert denied(lambda: as_role.create_tags(Resources=[image], Tags=other)) == "UnauthorizedOperation"
            assert denied(lambda: as_role.delete_tags(Resources=[image], Tags=other[:1])) == "UnauthorizedOperation"
        attempts = {
            "TerminateInstances": lambda: as_role.terminate_instances(InstanceIds=[instances[0]]),
            "ModifyImageAttribute": lambda: as_role.modify_image_attribute(
                ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]}),
            "DeregisterImage": lambda: as_role.deregister_image(ImageId=image),
        }
        for action, attempt in attempts.items():
            if tagged:
                attempt()
            else:
                assert denied(attempt) == "UnauthorizedOperation", f"{action} of an untagged resource was allowed"
        ec2.terminate_instances(InstanceIds=instances)
        if not tagged:
            ec2.deregister_image(ImageId=image)


def test_the_ec2_stack_is_made_and_removed_under_the_role_as_cloudformation_calls_ec2(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path) -> None:
    # The emulator's CloudFormation makes each EC2 resource with the calls AWS's handlers make, as the
    # stack's identity: a security group is created untagged and tagged last. make's own steps up to
    # the stack (source AMI, key pair, stack), then the teardown, with the role's keys.
    role = ground.deploy(f"RELEASE-STACK-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    build_dir = tmp_path / "build"
    make = ["make", "--no-print-directory", f"ASSET_ID={asset_id}", f"BUILD={build_dir}", "NO_BUILD=1",
            f"SCRATCH={ground.variables['SCRATCH']}", "SOURCE_CIDR=127.0.0.1/32", f"VM_BUCKET={ground.bucket}",
            f"EXPORT_ROLE={ground.export_role}"]
    env = ground.role_environment(role)
    try:
        done = subprocess.run([*make, str(build_dir / asset_id / "stack.json")], cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert "AccessDenied" not in output and "UnauthorizedOperation" not in output, output[-4000:]
        stack = json.loads((build_dir / asset_id / "stack.json").read_text())
        ec2 = aws("ec2")
        instance = ec2.describe_instances(InstanceIds=[stack["Outputs"]["InstanceId"]])["Reservations"][0]["Instances"][0]
        volumes = [m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"]]
        for tags in [instance["Tags"]] + [v["Tags"] for v in ec2.describe_volumes(VolumeIds=volumes)["Volumes"]]:
            assert {"Key": "project", "Value": PROJECT_TAG} in tags and {"Key": "asset-id", "Value": asset_id} in tags, tags
    finally:
        teardown = subprocess.run([*make, "teardown"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=300)
    assert teardown.returncode == 0, (teardown.stdout + teardown.stderr)[-4000:]
    # Nothing of the instance is left: no stack, key pair or security group (the S3 kind is not listed here).
    assert [a for a in ground.assets(asset_id) if a["Kind"] in ("stack", "key-pair", "security-group")] == [], \
        teardown.stderr[-4000:]


def test_verify_ami_under_the_role_launches_two_stacks_with_a_key_pair_and_removes_them(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path) -> None:
    # make release runs it on AWS (VERIFY_AMI=1 without SKIP_INSTALL), the tests above skip it. The
    # emulator's instances never boot, so the checks end at boots-to-ssh: what is proved is that the
    # role may create, launch from our AMI with a key pair of the check's own (on EC2 the key pair is
    # the way in), tag and delete what verify-ami makes.
    role = ground.deploy(f"RELEASE-VERIFY-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    builder = ec2.run_instances(ImageId=source_image(ec2), MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    # The release's AMI as ami-export leaves it: tagged with the project and the asset-id.
    image = ec2.create_image(InstanceId=builder, Name=f"data-science-sandbox-{asset_id}", TagSpecifications=[
        {"ResourceType": "image", "Tags": [{"Key": "project", "Value": PROJECT_TAG},
                                           {"Key": "asset-id", "Value": asset_id}]}])["ImageId"]
    ec2.terminate_instances(InstanceIds=[builder])
    build_dir = tmp_path / "build"
    (build_dir / asset_id).mkdir(parents=True)
    (build_dir / asset_id / "ami.json").write_text(json.dumps({"ImageId": image}))
    env = {**ground.role_environment(role), "SANDBOX_DEFAULT_PASSWORD": f"pw-{uuid.uuid4().hex}", "VERIFY_TIMEOUT": "2"}
    before = len(requests(emulator))
    done = subprocess.run(["make", "--no-print-directory", "verify-ami", f"ASSET_ID={asset_id}", f"BUILD={build_dir}",
                           "NO_BUILD=1", f"SCRATCH={ground.variables['SCRATCH']}", "SOURCE_CIDR=127.0.0.1/32"],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    actions = requests(emulator)[before:]
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "sshd did not answer within 2 s" in output, output[-4000:]
    assert json.loads((build_dir / asset_id / "ami-verify.failed.json").read_text())["checks"]["boots-to-ssh"] \
        .startswith("sshd did not answer"), output[-4000:]
    assert "AccessDenied" not in output and "UnauthorizedOperation" not in output, output[-4000:]
    # cfn-deploy creates a stack as a change set; the role removes both stacks.
    assert [actions.count(f"cloudformation:{a}") for a in ("CreateChangeSet", "ExecuteChangeSet", "DeleteStack")] \
        == [2, 2, 2], actions
    stacks = [s for s in aws("cloudformation").list_stacks()["StackSummaries"]
              if asset_id.replace("-", "--") in s["StackName"]]
    assert sorted((s["StackName"].rsplit("-", 1)[1], s["StackStatus"]) for s in stacks) == [
        ("verify1", "DELETE_COMPLETE"), ("verify2", "DELETE_COMPLETE")], stacks
    launched = [i for r in ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [image]}])["Reservations"]
                for i in r["Instances"]]
    assert len(launched) == 2 and len({i.get("KeyName") for i in launched}) == 1, launched
    assert launched[0]["KeyName"].startswith(f"sandbox-{asset_id}-"), launched
    assert actions.count("ec2:CreateKeyPair") == 1 and actions.count("ec2:DeleteKeyPair") == 1, actions
    assert [a for a in ground.assets(asset_id) if a["Kind"] in ("stack", "key-pair", "security-group")] == [], output[-4000:]
    assert not (build_dir / asset_id / "verify-key.pem").exists() and not (build_dir / asset_id / "verify-keypair.json").exists()
    ec2.deregister_image(ImageId=image)


def test_the_move_under_the_role_keeps_no_copy_and_tells_done_from_missing_from_denied(
        ground: Ground, aws: Callable[[str], Any]) -> None:
    role = ground.deploy(f"RELEASE-MOVE-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    asset_id = f"cb-{uuid.uuid4().hex[:8]}"
    staged, final = f"staging/{asset_id}/export-ami-0123456789abcdef0.raw", f"images/{asset_id}/sandbox.raw"

    def rename(source: str, target: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(tool("ami-export")), "rename", "--bucket", ground.bucket, "--key", source,
                               "--to", target], env=ground.role_environment(role), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True)

    # In the versioned VM bucket a plain DeleteObject keeps the source as a noncurrent version: a
    # second full-size image for NoncurrentVersionDays. The move deletes it by its version id.
    aws("s3").put_object(Bucket=ground.bucket, Key=staged, Body=b"s" * 1000)
    moved = rename(staged, final)
    assert moved.returncode == 0, moved.stderr
    versions = aws("s3").list_object_versions(Bucket=ground.bucket, Prefix=f"staging/{asset_id}/")
    assert not versions.get("Versions") and not versions.get("DeleteMarkers"), versions
    # Run again, as a resumed release whose move was done: the role may list the bucket only under
    # its prefixes (s3:prefix), so S3 answers the HeadObject of the gone source with 403
    # (API_HeadObject), which must not be taken for a denial.
    done = rename(staged, final)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"Bucket": ground.bucket, "Key": final, "Size": 1000, "Parts": None}
    # Neither is there: missing, and said so, not AccessDenied.
    missing = rename(staged, f"images/{asset_id}/other.raw")
    assert missing.returncode == 1 and "is missing" in missing.stderr and "AccessDenied" not in missing.stderr, \
        missing.stderr
    # A role that may list the images but not read them: the object is there, the answer is a denial.
    text = template_text(extra_variables=ground.variables)
    reads = "                  - s3:GetObject\n                  - s3:PutObject\n"
    assert text.count(reads) == 1, "the ImageObjects statement no longer starts with GetObject, PutObject"
    role = ground.deploy(f"RELEASE-NO-READ-{uuid.uuid4().hex[:6]}",
                         text.replace(reads, "                  - s3:PutObject\n"))["ServiceRoleArn"]
    refused = rename(final, f"images/{asset_id}/other.raw")
    assert refused.returncode == 1 and "AccessDenied" in refused.stderr and "exists" in refused.stderr, refused.stderr


# --- make preflight: read only, under the release role ------------------------------------------


def account_state(aws: Callable[[str], Any]) -> dict[str, int]:
    """How many of each thing a release could make exist now, tagged or not."""
    ec2, cfn = aws("ec2"), aws("cloudformation")
    return {
        "key pairs": len(ec2.describe_key_pairs()["KeyPairs"]),
        "security groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "launch templates": len(ec2.describe_launch_templates()["LaunchTemplates"]),
        "instances": sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]),
        "images": len(ec2.describe_images(Owners=["self"])["Images"]),
        "stacks": len(cfn.list_stacks()["StackSummaries"]),
    }


def make_preflight(ground: Ground, emulator: dict[str, str], role: str, tmp_path: Path,
                   *extra: str) -> tuple[int, str, str]:
    """make preflight as the release's build runs it: the role's keys, the project's variables."""
    asset_id = f"pf-{uuid.uuid4().hex[:8]}"
    done = subprocess.run(["make", "--no-print-directory", "preflight", f"ASSET_ID={asset_id}",
                           f"BUILD={tmp_path / 'build'}", "NO_BUILD=1", f"SCRATCH={ground.variables['SCRATCH']}",
                           f"VM_BUCKET={ground.bucket}", *extra],
                          cwd=ROOT, env=ground.role_environment(role), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def failed_checks(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("FAIL")]


def test_preflight_under_the_role_passes_every_check_and_changes_nothing(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path) -> None:
    role = ground.deploy(f"RELEASE-PF-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    before = account_state(aws)
    rc, out, err = make_preflight(ground, emulator, role, tmp_path, f"EXPORT_ROLE={ground.export_role}")
    assert rc == 0 and failed_checks(out) == [], out + err[-4000:]
    lines = out.splitlines()
    # Every kind of check ran: the settings read, the dry runs, the simulations.
    for expected in ("identity (read)", "versioning (read)", "export role", "EBS encryption by default (read)",
                     "ec2:CreateKeyPair (dry run)", "ec2:CreateSecurityGroup (dry run)",
                     "ec2:RunInstances, as CloudFormation makes it (dry run)", "ec2:ExportImage (simulated)",
                     "s3:PutObject (simulated)"):
        assert any(expected in line for line in lines), f"no check {expected!r}:\n{out}"
    assert account_state(aws) == before


@pytest.mark.parametrize("removed, named", [
    ("                  - ec2:CreateKeyPair", "ec2:CreateKeyPair (dry run)"),
    ("                  - s3:DeleteObjectVersion", "s3:DeleteObjectVersion of a staged export (simulated)"),
])
def test_preflight_names_a_permission_the_role_lacks_and_changes_nothing(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path,
        removed: str, named: str) -> None:
    role = ground.deploy(f"RELEASE-PF-{uuid.uuid4().hex[:6]}",
                         template_text(drop_lines=(removed,), extra_variables=ground.variables))["ServiceRoleArn"]
    before = account_state(aws)
    rc, out, err = make_preflight(ground, emulator, role, tmp_path, f"EXPORT_ROLE={ground.export_role}")
    failed = failed_checks(out)
    assert rc != 0 and len(failed) == 1 and failed[0].startswith(f"FAIL  {named}: "), out + err
    assert f"1 of " in err and named.split(" (")[0] in err, err
    assert account_state(aws) == before


def test_preflight_names_a_vcpu_quota_the_build_instance_does_not_fit_and_changes_nothing(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path,
        config: Callable[[dict[str, Any]], None]) -> None:
    # The standard instances' quota (L-1216C47A) counts vCPUs; every T3 type has at least 2, so a
    # quota of 1 leaves no room for the build instance, whatever else runs.
    role = ground.deploy(f"RELEASE-PF-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    config({"instanceVcpuQuota": 1})
    before = account_state(aws)
    rc, out, err = make_preflight(ground, emulator, role, tmp_path, f"EXPORT_ROLE={ground.export_role}")
    failed = failed_checks(out)
    assert rc != 0 and len(failed) == 1, out + err
    assert failed[0].startswith("FAIL  vCPUs of running standard instances (read): "), out
    assert "the quota (L-1216C47A) is 1: ask for more in Service Quotas, or stop instances" in failed[0], out
    assert account_state(aws) == before


def test_preflight_names_an_export_role_vm_import_export_may_not_assume(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path) -> None:
    iam = aws("iam")
    name = f"not-vmie-{uuid.uuid4().hex[:6]}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    role = ground.deploy(f"RELEASE-PF-{uuid.uuid4().hex[:6]}", template_text(extra_variables=ground.variables),
                         ExportRoleName=name)["ServiceRoleArn"]
    rc, out, err = make_preflight(ground, emulator, role, tmp_path, f"EXPORT_ROLE={name}")
    failed = failed_checks(out)
    assert rc != 0 and any(f"export role {name}: trust (read): its trust policy does not let vmie.amazonaws.com"
                           in line for line in failed), out + err
    assert f"export role {name}: trust" in err, err


def test_preflight_catches_each_denial_of_a_stack_made_security_group_before_anything_exists(
        ground: Ground, aws: Callable[[str], Any], emulator: dict[str, str], tmp_path: Path) -> None:
    # The EC2 stack as it was (#19 point 1): the group made by CloudFormation, with its rules and tags.
    template = (ROOT / "stacks" / "ec2-instance.yaml").read_text().replace("Resources:\n", """Resources:
  SecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: SSH and Jupyter
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 203.0.113.7/32}
      Tags:
        - {Key: project, Value: !Ref ProjectName}
        - {Key: !Ref AssetTagKey, Value: !Ref AssetId}
""", 1)
    path = tmp_path / "ec2-instance-with-group.yaml"
    path.write_text(template)
    role = ground.deploy(f"RELEASE-PF-{uuid.uuid4().hex[:6]}",
                         template_text(extra_variables=ground.variables))["ServiceRoleArn"]
    image = source_image(aws("ec2"))
    before = account_state(aws)
    done = subprocess.run([str(tool("preflight")), "--asset-id", "pf-group", "--bucket", ground.bucket,
                           "--export-role", ground.export_role, "--source-ami", image, "--template", str(path),
                           "--stack", "EC2-DATA-SCIENCE-SANDBOX-pf--group", "--format", "json"],
                          env=ground.role_environment(role), stdin=subprocess.DEVNULL, capture_output=True, text=True)
    failed = [c["Check"] for c in json.loads(done.stdout) if not c["Ok"]]
    assert done.returncode == 1 and failed == [
        "ec2:CreateSecurityGroup, as CloudFormation makes it, untagged",
        "ec2:AuthorizeSecurityGroupIngress, as CloudFormation makes it, on the untagged group",
        "ec2:CreateTags, as CloudFormation makes it, after the rules",
    ], done.stdout + done.stderr
    assert account_state(aws) == before
