"""CodeBuild builds that run: StartBuild starts Tests/codebuild/runner.py on the project's buildspec.

moto's StartBuild records a build and runs nothing; its BatchGetBuilds answers SUCCEEDED on the
first call, and it drops environmentVariablesOverride and idempotencyToken. Here StartBuild
writes the build's job (project environment, overrides, source, artifacts, logs, timeout) and
starts the runner in the background; BatchGetBuilds shows what the runner reports (phases,
currentPhase, buildStatus, exported variables, artifacts); StopBuild sends the runner SIGTERM,
which stops the running command as CodeBuild's stop does. A repeated idempotency token (within
5 minutes) answers the build it already started, as AWS does.

Networks (codebuild/userguide/vpc-support.html): a build of a project with vpcConfig runs on a
network interface the runner makes in one of its subnets, with its security groups, using the
service role's keys (CreateNetworkInterface, CreateNetworkInterfacePermission, as CodeBuild does);
it reaches the internet only through a NAT gateway its subnet routes to. A build of a project
without one runs in CodeBuild's own network: what it reaches sees one address every such build
shares. checkip() answers that address (the stand-in for checkip.amazonaws.com).
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
RUNNER = ROOT / "Tests" / "codebuild" / "runner.py"
TOKEN_SECONDS = 300
# Where the builds of projects without vpcConfig are seen from: one address for all of them (a
# documentation address, RFC 5737, standing in for CodeBuild's published CODEBUILD ranges).
SHARED_ADDRESS = "203.0.113.80"
# How long the emulator, on its way out, waits for each stopped build to finish its phases.
STOP_WAIT_SECONDS = 10


class Runs:
    """The runner process and work folder of every build started since the emulator started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processes: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        self.tokens: dict[tuple[str, str, str], tuple[float, Any]] = {}

    def start(self, build_id: str, job: dict[str, Any]) -> None:
        state = Path(os.environ.get("EMULATOR_STATE_DIR") or ROOT / "build" / "emulator").resolve()
        work = state / "codebuild" / build_id.split(":", 1)[1]
        work.mkdir(parents=True, exist_ok=True)
        (work / "job.json").write_text(json.dumps(job, indent=2))
        with (work / "runner.log").open("wb") as log:
            process = subprocess.Popen([sys.executable, str(RUNNER), str(work / "job.json")],
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        with self.lock:
            self.processes[build_id] = (process, work)

    def status(self, build_id: str) -> dict[str, Any] | None:
        with self.lock:
            entry = self.processes.get(build_id)
        if entry is None:
            return None
        try:
            status = json.loads((entry[1] / "status.json").read_text())
        except (OSError, ValueError):
            status = None
        if entry[0].poll() is not None and not (status or {}).get("buildComplete"):
            # The runner died mid-build (its traceback is in runner.log): AWS calls that a FAULT.
            return {**(status or {}), "buildStatus": "FAULT", "currentPhase": "COMPLETED", "buildComplete": True}
        return status

    def stop(self, build_id: str) -> None:
        with self.lock:
            entry = self.processes.get(build_id)
        if entry is not None and entry[0].poll() is None:
            entry[0].send_signal(signal.SIGTERM)

    def stop_all(self) -> None:
        """Stops every running build and waits a little for each to end its phases."""
        for build_id in list(self.processes):
            self.stop(build_id)
        for process, _ in list(self.processes.values()):
            try:
                process.wait(timeout=STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                pass


RUNS = Runs()


def reset() -> None:
    """The emulator's reset: its builds are stopped and forgotten, their tokens with them."""
    RUNS.stop_all()
    with RUNS.lock:
        RUNS.processes.clear()
        RUNS.tokens.clear()


def _merged(variables: list[dict[str, Any]], overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {o.get("name") for o in overrides}
    return [v for v in variables if v.get("name") not in names] + list(overrides)


def _job(response: Any, build: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    """The runner's job, and the build record filled in as AWS shows it."""
    param = response._get_param
    port = os.environ.get("MOTO_PORT", "5055")
    endpoint = f"http://127.0.0.1:{port}"
    name = project["name"]
    environment = copy.deepcopy(project.get("environment") or {})
    overrides = param("environmentVariablesOverride") or []
    environment["environmentVariables"] = _merged(environment.get("environmentVariables") or [], overrides)
    source = dict(project.get("source") or {})
    if param("buildspecOverride"):
        source["buildspec"] = param("buildspecOverride")
    artifacts = param("artifactsOverride") or project.get("artifacts") or {"type": "NO_ARTIFACTS"}
    timeout = param("timeoutInMinutesOverride") or project.get("timeoutInMinutes") or 60
    cloudwatch = (project.get("logsConfig") or {}).get("cloudWatchLogs") or {"status": "ENABLED"}
    build_uuid = build["id"].split(":", 1)[1]
    logs = None
    if cloudwatch.get("status", "ENABLED") == "ENABLED":
        prefix = cloudwatch.get("streamName")
        logs = {"groupName": cloudwatch.get("groupName") or f"/aws/codebuild/{name}",
                "streamName": f"{prefix}/{build_uuid}" if prefix else build_uuid}
    region, account = response.region, response.current_account
    build.update(
        buildNumber=len(response.codebuild_backend.build_history.get(name, [])),
        startTime=time.time(), currentPhase="QUEUED", environment=environment, source=source,
        artifacts={"location": ""},
        timeoutInMinutes=int(timeout), serviceRole=project.get("serviceRole"),
        phases=[{"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "durationInSeconds": 0}],
    )
    if logs:
        group, stream = logs["groupName"], logs["streamName"]
        build["logs"] = {
            "groupName": group, "streamName": stream, "cloudWatchLogs": cloudwatch,
            "cloudWatchLogsArn": f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}",
        }
    return {
        "buildId": build["id"], "buildArn": build["arn"], "buildNumber": build["buildNumber"],
        "projectName": name, "region": region, "endpoint": endpoint,
        # The container credentials endpoint stands in for CodeBuild's (169.254.170.2); as there,
        # the build's keys are its project's service role's (expiring after credentialSeconds).
        "credentialsUrl": f"{endpoint}/_emulator/container-credentials"
                          + (f"?roleArn={urllib.parse.quote(role, safe='')}" if (role := project.get("serviceRole")) else ""),
        "startTime": build["startTime"], "image": environment.get("image", ""), "initiator": "emulator",
        "source": {"directory": None if source.get("type") == "NO_SOURCE" else str(ROOT),
                   "buildspec": source.get("buildspec"), "version": param("sourceVersion")},
        "environmentVariables": project.get("environment", {}).get("environmentVariables") or [],
        "environmentVariablesOverride": overrides,
        "artifacts": artifacts, "logs": logs, "timeoutInMinutes": int(timeout),
        "vpcConfig": project.get("vpcConfig"),
    }


def _report(build: dict[str, Any]) -> dict[str, Any]:
    status = RUNS.status(build["id"])
    if status:
        build.update(status)
    return build


def checkip(region: str, subnet_id: str | None) -> tuple[int, str]:
    """What checkip.amazonaws.com answers a build: the shared address, or for a build on an
    interface in subnet_id the public address of the NAT gateway that subnet routes 0.0.0.0/0 to."""
    if not subnet_id:
        return 200, SHARED_ADDRESS
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[DEFAULT_ACCOUNT_ID][region]
    subnet = next((s for subnets in backend.subnets.values() for s in subnets.values() if s.id == subnet_id), None)
    if subnet is None:
        return 404, f"no subnet {subnet_id}"
    tables = list(backend.route_tables.values())
    table = next((t for t in tables if subnet_id in t._associations.values()), None) or next(
        (t for t in tables if t.vpc_id == subnet.vpc_id and t.main_association_id), None)
    for route in table.routes if table else []:
        nat = route.nat_gateway
        if route.destination_cidr_block == "0.0.0.0/0" and nat is not None:
            nat = nat if hasattr(nat, "address_set") else backend.nat_gateways.get(nat)
            address = next((a.get("publicIp") for a in nat.address_set if a.get("publicIp")), None) if nat else None
            if address:
                return 200, address
    return 504, (f"no route to the internet from {subnet_id}: a build in a VPC reaches it only through a NAT "
                 "gateway its subnet routes to (codebuild/userguide/vpc-support.html); on AWS the connection times out")


def _create_network_interface_permission(self: Any) -> Any:
    """EC2 CreateNetworkInterfacePermission, which moto lacks: what CodeBuild asks with the service
    role's keys for a VPC build (its IAM check is iam_actions'; the grant is recorded nowhere)."""
    from moto.core.responses import ActionResult

    eni_id = self._get_param("NetworkInterfaceId")
    self.ec2_backend.get_network_interface(eni_id)  # InvalidNetworkInterfaceID.NotFound as on AWS
    return ActionResult({"InterfacePermission": {
        "NetworkInterfacePermissionId": f"eni-perm-{os.urandom(9).hex()[:17]}", "NetworkInterfaceId": eni_id,
        "AwsService": self._get_param("AwsService"), "Permission": self._get_param("Permission"),
        "PermissionState": {"State": "granted"}}})


def install() -> None:
    from moto.codebuild.models import CodeBuildBackend
    from moto.ec2.responses import EC2Response

    EC2Response.create_network_interface_permission = _create_network_interface_permission  # type: ignore[attr-defined]
    from moto.codebuild.responses import CodeBuildResponse

    original_start = CodeBuildResponse.start_build

    def start_build(self):  # type: ignore[no-untyped-def]
        token = self._get_param("idempotencyToken")
        key = (self.current_account, self._get_param("projectName") or "", token or "")
        with RUNS.lock:
            earlier = RUNS.tokens.get(key) if token else None
        if earlier and time.time() - earlier[0] < TOKEN_SECONDS:
            return earlier[1]
        result = original_start(self)
        build = result.result["build"]
        project = self.codebuild_backend.codebuild_projects[build["projectName"]].project_metadata
        RUNS.start(build["id"], _job(self, build, project))
        if token:
            with RUNS.lock:
                RUNS.tokens[key] = (time.time(), result)
        return result

    def builds(self: Any, ids: list[str]) -> list[dict[str, Any]]:
        every = {b["id"]: b for history in self.build_metadata_history.values() for b in history}
        return [_report(every[i]) for i in ids if i in every]

    def stop_build(self: Any, build_id: str) -> dict[str, Any] | None:
        RUNS.stop(build_id)
        found = builds(self, [build_id])
        return found[0] if found else None

    CodeBuildResponse.start_build = start_build
    CodeBuildBackend.batch_get_builds = builds
    CodeBuildBackend.stop_build = stop_build
    # The emulator's exit (make emulator-stop) stops the builds it started.
    atexit.register(RUNS.stop_all)
