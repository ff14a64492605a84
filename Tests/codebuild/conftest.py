"""What the runner's tests share: the emulator's address and keys, and running one build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
ROOT = HERE.parent.parent


def _emulator_env() -> dict[str, str]:
    path = os.environ.get("EMULATOR_ENV")
    if not path or not Path(path).exists():
        pytest.fail("EMULATOR_ENV names no emulator env file: run make test-codebuild (it starts the emulator)")
    env = {}
    for line in Path(path).read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].split("=", 1)
            env[name] = value
    return env


@pytest.fixture(scope="session")
def emulator() -> dict[str, str]:
    return _emulator_env()


@pytest.fixture(scope="session")
def aws(emulator: dict[str, str]) -> Callable[[str], Any]:
    session = boto3.Session(aws_access_key_id=emulator["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=emulator["AWS_SECRET_ACCESS_KEY"], region_name=emulator["AWS_REGION"])
    return lambda service: session.client(service, endpoint_url=emulator["AWS_ENDPOINT_URL"])


class Build:
    """One runner process on a job the test writes, as the emulator's StartBuild would."""

    def __init__(self, work: Path, emulator: dict[str, str], buildspec: str, **job: Any):
        self.work = work
        build_uuid = str(uuid.uuid4())
        endpoint = emulator["AWS_ENDPOINT_URL"]
        self.job = {
            "buildId": f"fixture:{build_uuid}", "buildNumber": 1, "projectName": "fixture",
            "buildArn": f"arn:aws:codebuild:{emulator['AWS_REGION']}:123456789012:build/fixture:{build_uuid}",
            "region": emulator["AWS_REGION"], "endpoint": endpoint,
            "credentialsUrl": f"{endpoint}/_emulator/container-credentials",
            "startTime": time.time(), "source": {"directory": None, "buildspec": buildspec},
            **job,
        }
        work.mkdir(parents=True, exist_ok=True)
        (work / "job.json").write_text(json.dumps(self.job))
        self.process = subprocess.Popen([sys.executable, str(RUNNER), str(work / "job.json")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def wait(self) -> Build:
        output, _ = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, output.decode()
        return self

    def wait_for(self, marker: str) -> None:
        """Until a command prints the line `marker` (it has reached that point)."""
        deadline = time.monotonic() + 60
        while marker not in self.output:
            assert time.monotonic() < deadline, f"the build never printed {marker!r}:\n{self.log}"
            assert self.process.poll() is None, f"the runner ended early:\n{self.log}"
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    @property
    def status(self) -> dict[str, Any]:
        return json.loads((self.work / "status.json").read_text())

    @property
    def phases(self) -> dict[str, str]:
        return {p["phaseType"]: p.get("phaseStatus", "") for p in self.status["phases"]}

    @property
    def log(self) -> str:
        path = self.work / "build.log"
        return path.read_text() if path.exists() else ""

    @property
    def output(self) -> list[str]:
        """The commands' own lines, without the runner's [Container] lines."""
        return [line for line in self.log.splitlines() if not line.startswith("[Container]")]


@pytest.fixture
def build(tmp_path: Path, emulator: dict[str, str]) -> Callable[..., Build]:
    return lambda buildspec, **job: Build(tmp_path / "build", emulator, buildspec, **job)


@pytest.fixture(scope="session")
def network(aws: Callable[[str], Any]) -> dict[str, str]:
    """A VPC as the release project needs it (codebuild/userguide/vpc-support.html): a private
    subnet that reaches the internet through a NAT gateway in a public one, an isolated subnet
    without that route, and a security group for the builds."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    public, private, isolated = (ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{n}.0/24")["Subnet"]["SubnetId"]
                                 for n in range(3))
    address = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address["AllocationId"])["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=private)
    group = ec2.create_security_group(GroupName=f"builds-{uuid.uuid4().hex[:8]}", Description="builds",
                                      VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "private": private, "privateCidr": "10.42.1.0/24", "isolated": isolated, "group": group,
            "natAddress": address["PublicIp"]}
