"""The emulator's CodeBuild: StartBuild runs the buildspec, BatchGetBuilds follows it, StopBuild stops it."""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

ROLE = "arn:aws:iam::123456789012:role/codebuild-fixture"
ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}


@pytest.fixture(scope="module", autouse=True)
def service_role(aws: Callable[[str], Any]) -> None:
    """The fixture projects' service role, allowed everything: a build gets this role's keys."""
    iam, name = aws("iam"), ROLE.rsplit("/", 1)[1]
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))


def project(aws: Callable[[str], Any], buildspec: str, **settings: Any) -> str:
    name = f"fixture-{uuid.uuid4().hex[:8]}"
    aws("codebuild").create_project(
        name=name, source={"type": "NO_SOURCE", "buildspec": buildspec}, serviceRole=ROLE,
        environment=settings.pop("environment", ENVIRONMENT), artifacts=settings.pop("artifacts", {"type": "NO_ARTIFACTS"}),
        **settings)
    return name


def follow(aws: Callable[[str], Any], build_id: str) -> tuple[dict[str, Any], list[str]]:
    """BatchGetBuilds until the build ends, as make start-release follows it; the states seen, in order."""
    codebuild, seen = aws("codebuild"), []
    deadline = time.monotonic() + 120
    while True:
        build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        state = f"{build['currentPhase']} {build['buildStatus']}"
        if not seen or seen[-1] != state:
            seen.append(state)
        if build["buildStatus"] != "IN_PROGRESS":
            return build, seen
        assert time.monotonic() < deadline, f"build {build_id} still {state}"
        time.sleep(0.2)


def phases(build: dict[str, Any]) -> dict[str, str]:
    return {p["phaseType"]: p.get("phaseStatus", "") for p in build["phases"]}


def test_start_build_runs_the_buildspec_and_batch_get_builds_follows_its_phases(aws: Callable[[str], Any]) -> None:
    name = project(aws, """version: 0.2
phases:
  install:
    commands:
      - echo "installing $GREETING"
      - echo
  build:
    commands:
      - sleep 1
      - echo built
""", environment={**ENVIRONMENT, "environmentVariables": [{"name": "GREETING", "value": "project", "type": "PLAINTEXT"}]})
    started = aws("codebuild").start_build(
        projectName=name, environmentVariablesOverride=[{"name": "GREETING", "value": "override", "type": "PLAINTEXT"}])
    assert started["build"]["buildStatus"] == "IN_PROGRESS"
    build, seen = follow(aws, started["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED" and build["currentPhase"] == "COMPLETED"
    assert seen[0].endswith("IN_PROGRESS") and "BUILD IN_PROGRESS" in seen
    assert all(status == "SUCCEEDED" for phase, status in phases(build).items() if phase != "COMPLETED")
    assert [v["value"] for v in build["environment"]["environmentVariables"] if v["name"] == "GREETING"] == ["override"]
    events = aws("logs").get_log_events(logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"])
    lines = [e["message"] for e in events["events"]]
    assert "installing override" in lines and "built" in lines
    assert build["logs"]["groupName"] == f"/aws/codebuild/{name}"


def test_a_failing_command_fails_the_build(aws: Callable[[str], Any]) -> None:
    name = project(aws, "version: 0.2\nphases:\n  build:\n    commands:\n      - exit 7\n")
    build, _ = follow(aws, aws("codebuild").start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert phases(build)["BUILD"] == "FAILED" and phases(build)["POST_BUILD"] == "SUCCEEDED"


def test_the_same_idempotency_token_answers_the_same_build(aws: Callable[[str], Any]) -> None:
    name = project(aws, "version: 0.2\nphases:\n  build:\n    commands:\n      - \"true\"\n")
    codebuild = aws("codebuild")
    first = codebuild.start_build(projectName=name, idempotencyToken="token-1")["build"]["id"]
    again = codebuild.start_build(projectName=name, idempotencyToken="token-1")["build"]["id"]
    other = codebuild.start_build(projectName=name, idempotencyToken="token-2")["build"]["id"]
    assert first == again != other
    assert codebuild.list_builds_for_project(projectName=name)["ids"] and follow(aws, other)[0]["buildNumber"] == 2


def test_stop_build_stops_the_running_command_as_codebuild_does(aws: Callable[[str], Any], tmp_path: Path) -> None:
    name = project(aws, f"""version: 0.2
phases:
  build:
    commands:
      - trap 'echo stopped > {tmp_path}/teardown; exit 143' TERM; touch {tmp_path}/started; while :; do sleep 0.1; done
  post_build:
    commands:
      - touch {tmp_path}/post_build
""")
    build_id = aws("codebuild").start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert time.monotonic() < deadline, "the build's command never started"
        time.sleep(0.1)
    aws("codebuild").stop_build(id=build_id)
    build, _ = follow(aws, build_id)
    assert build["buildStatus"] == "STOPPED" and phases(build)["BUILD"] == "STOPPED"
    assert (tmp_path / "teardown").read_text() == "stopped\n"
    assert not (tmp_path / "post_build").exists()


def test_artifacts_go_where_the_project_says(aws: Callable[[str], Any]) -> None:
    bucket = f"artifacts-{uuid.uuid4().hex[:12]}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    name = project(aws, """version: 0.2
phases:
  build:
    commands:
      - mkdir -p out && echo '{}' > out/state.json
artifacts:
  base-directory: out
  files:
    - "*.json"
""", artifacts={"type": "S3", "location": bucket, "path": "kept", "name": "release", "packaging": "NONE"})
    build, _ = follow(aws, aws("codebuild").start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED"
    assert s3.get_object(Bucket=bucket, Key="kept/release/state.json")["Body"].read() == b"{}\n"
    assert build["artifacts"]["location"] == f"arn:aws:s3:::{bucket}/kept/release"


def test_unknown_project_is_refused(aws: Callable[[str], Any]) -> None:
    with pytest.raises(aws("codebuild").exceptions.ResourceNotFoundException):
        aws("codebuild").start_build(projectName=f"no-such-{uuid.uuid4().hex[:6]}")


def test_a_runner_that_dies_leaves_a_fault_not_a_build_in_progress_forever(aws: Callable[[str], Any]) -> None:
    name = project(aws, "version: 0.2\nphases:\n  build:\n    commands:\n      - kill -9 $PPID\n")
    build, _ = follow(aws, aws("codebuild").start_build(projectName=name)["build"]["id"])
    assert build["buildStatus"] == "FAULT" and build["currentPhase"] == "COMPLETED"


def printed(aws: Callable[[str], Any], build: dict[str, Any], everything: bool = False) -> list[str]:
    """The lines the build's commands printed (its log without CodeBuild's own [Container] lines)."""
    events = aws("logs").get_log_events(logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"])
    return [e["message"] for e in events["events"] if everything or not e["message"].startswith("[Container]")]


CHECKIP = """version: 0.2
phases:
  build:
    commands:
      - curl -fsS https://checkip.amazonaws.com
      - sleep 2
"""


def test_builds_outside_a_vpc_are_seen_from_one_address_every_such_project_shares(aws: Callable[[str], Any]) -> None:
    # codebuild/userguide/vpc-support.html: a project without VpcConfig runs in CodeBuild's own
    # network, so what its builds reach sees an address other accounts' builds share.
    seen = []
    for _ in range(2):
        build, _ = follow(aws, aws("codebuild").start_build(projectName=project(aws, CHECKIP))["build"]["id"])
        assert build["buildStatus"] == "SUCCEEDED", printed(aws, build)
        assert "networkInterface" not in build and "vpcConfig" not in build
        seen.append(printed(aws, build)[0])
    assert seen[0] == seen[1] and ipaddress.ip_address(seen[0]).version == 4, seen


def test_a_vpc_build_runs_on_an_interface_in_its_subnet_and_leaves_through_the_nat_gateway(
        aws: Callable[[str], Any], network: dict[str, str]) -> None:
    config = {"vpcId": network["vpc"], "subnets": [network["private"]], "securityGroupIds": [network["group"]]}
    codebuild, ec2 = aws("codebuild"), aws("ec2")
    build_id = codebuild.start_build(projectName=project(aws, CHECKIP, vpcConfig=config))["build"]["id"]
    deadline = time.monotonic() + 60
    while "networkInterface" not in (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0]):
        assert build["buildStatus"] == "IN_PROGRESS" and time.monotonic() < deadline, build
        time.sleep(0.2)
    eni_id = build["networkInterface"]["networkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert build["networkInterface"]["subnetId"] == eni["SubnetId"] == network["private"]
    assert [g["GroupId"] for g in eni["Groups"]] == [network["group"]]
    assert ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(network["privateCidr"])
    build, _ = follow(aws, build_id)
    assert build["buildStatus"] == "SUCCEEDED", printed(aws, build)
    assert build["vpcConfig"] == config
    assert printed(aws, build)[0] == network["natAddress"]
    # CodeBuild removes the interface when the build ends.
    gone = ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni_id]}])
    assert gone["NetworkInterfaces"] == []


def test_a_vpc_build_in_a_subnet_without_a_nat_route_does_not_reach_the_internet(
        aws: Callable[[str], Any], network: dict[str, str]) -> None:
    config = {"vpcId": network["vpc"], "subnets": [network["isolated"]], "securityGroupIds": [network["group"]]}
    build, _ = follow(aws, aws("codebuild").start_build(projectName=project(aws, CHECKIP, vpcConfig=config))["build"]["id"])
    assert (build["buildStatus"], phases(build)["BUILD"]) == ("FAILED", "FAILED")
    # curl sees a failure (on AWS: a connection that times out); the log says why.
    assert printed(aws, build)[0].startswith("curl: "), printed(aws, build)
    assert any("no route to the internet" in line for line in printed(aws, build, everything=True))


def test_a_vpc_build_fails_to_start_when_its_role_may_not_make_the_interface(
        aws: Callable[[str], Any], network: dict[str, str]) -> None:
    iam, name = aws("iam"), f"codebuild-no-eni-{uuid.uuid4().hex[:6]}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all-but-eni", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "ec2:CreateNetworkInterface", "Resource": "*"}]}))
    config = {"vpcId": network["vpc"], "subnets": [network["private"]], "securityGroupIds": [network["group"]]}
    name = f"fixture-{uuid.uuid4().hex[:8]}"
    aws("codebuild").create_project(name=name, source={"type": "NO_SOURCE", "buildspec": CHECKIP}, serviceRole=role,
                                    environment=ENVIRONMENT, artifacts={"type": "NO_ARTIFACTS"}, vpcConfig=config)
    build, _ = follow(aws, aws("codebuild").start_build(projectName=name)["build"]["id"])
    assert (build["buildStatus"], phases(build)["PROVISIONING"]) == ("FAILED", "FAILED")
    context = next(p for p in build["phases"] if p["phaseType"] == "PROVISIONING")["contexts"][0]
    assert context["statusCode"] == "CLIENT_ERROR" and "ec2:CreateNetworkInterface" in context["message"], context
