"""Runs one build as CodeBuild runs a buildspec of version 0.2 (Tests/codebuild/README.md).

    python Tests/codebuild/runner.py WORK_DIR/job.json

The job (written by the emulator's StartBuild, or by a test) names the build, its source,
buildspec, environment, artifacts, logs and timeout. Beside it the runner keeps status.json
(what BatchGetBuilds shows, rewritten at each phase change), build.log and src/ (the source,
CODEBUILD_SRC_DIR). SIGTERM stops the build as StopBuild does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from artifacts import ArtifactError, upload  # noqa: E402
from build_env import BuildEnvironment, VariableError  # noqa: E402
from build_log import BuildLog  # noqa: E402
from build_shell import BuildShell  # noqa: E402
from buildspec import PHASES, Buildspec, BuildspecError  # noqa: E402

# The toolchain download is the one thing the test ground does not run: its own Swift is on PATH.
TOOLCHAIN_DOWNLOAD = r"download\.swift\.org|buildspec/install-swift\.sh"
# The address a build is seen from, asked of the emulator's stand-in instead (no internet here).
CHECKIP = re.compile(r"https?://checkip\.amazonaws\.com/?")
STOP_GRACE_SECONDS = 120.0


class BuildRun:
    def __init__(self, job_file: Path):
        self.job: dict[str, Any] = json.loads(job_file.read_text())
        self.dir = job_file.resolve().parent
        self.src = self.dir / "src"
        self.uuid = self.job["buildId"].split(":", 1)[1]
        self.phases: list[dict[str, Any]] = []
        self.status = "IN_PROGRESS"
        self.extra: dict[str, Any] = {}
        self.interrupt: str | None = None  # "STOPPED" or "TIMED_OUT"
        self.session: Any = None
        self.clients: dict[str, Any] = {}
        self.variables = BuildEnvironment(self.client)
        self.log = BuildLog(self.dir / "build.log", lambda: self.variables.secrets)
        self.shell: BuildShell | None = None
        # The network interface a build of a project with vpcConfig runs on: {subnetId, networkInterfaceId}.
        self.network: dict[str, str] | None = None

    # --- AWS, with the build's own credentials from the container endpoint ----------------------

    def client(self, service: str) -> Any:
        if service not in self.clients:
            if self.session is None:
                import boto3
                import botocore.session
                from botocore.credentials import ContainerProvider, CredentialResolver

                core = botocore.session.Session()
                provider = ContainerProvider(environ={"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.job["credentialsUrl"]})
                core.register_component("credential_provider", CredentialResolver([provider]))
                self.session = boto3.Session(botocore_session=core, region_name=self.job["region"])
            self.clients[service] = self.session.client(service, endpoint_url=self.job.get("endpoint"))
        return self.clients[service]

    # --- phases and status ------------------------------------------------------------------------

    def begin(self, phase: str) -> None:
        self.phases.append({"phaseType": phase, "phaseStatus": "IN_PROGRESS", "startTime": time.time()})
        self.log.line(f"[Container] {_stamp()} Entering phase {phase}")
        self.save()

    def end(self, status: str, context: str = "", message: str = "") -> str:
        phase = self.phases[-1]
        phase.update(phaseStatus=status, endTime=time.time())
        phase["durationInSeconds"] = int(phase["endTime"] - phase["startTime"])
        if context:
            phase["contexts"] = [{"statusCode": context, "message": message}]
        self.log.line(f"[Container] {_stamp()} Phase complete: {phase['phaseType']} State: {status}")
        if message:
            self.log.line(f"[Container] {_stamp()} Phase context status code: {context} Message: {message}")
        self.save()
        return status

    def save(self) -> None:
        current = self.phases[-1]["phaseType"] if self.phases else "SUBMITTED"
        state = {"currentPhase": current, "buildStatus": self.status, "phases": self.phases,
                 "buildComplete": current == "COMPLETED", **self.extra}
        if current == "COMPLETED":
            state["endTime"] = self.phases[-1]["startTime"]
        tmp = self.dir / "status.json.new"
        tmp.write_text(json.dumps(state))
        tmp.replace(self.dir / "status.json")

    # --- stop and timeout -------------------------------------------------------------------------

    def stop(self, kind: str) -> None:
        """What CodeBuild's stop (or timeout) does to the running command: SIGTERM, then SIGKILL."""
        if self.interrupt:
            return
        self.interrupt = kind
        self.log.line(f"[Container] {_stamp()} Build {kind.lower().replace('_', ' ')}: SIGTERM to the running command")
        if self.shell is not None:
            self.shell.signal(signal.SIGTERM)
            grace = float(self.job.get("stopGraceSeconds", STOP_GRACE_SECONDS))
            kill = threading.Timer(grace, self.shell.signal, (signal.SIGKILL,))
            kill.daemon = True
            kill.start()

    # --- the build --------------------------------------------------------------------------------

    def run(self) -> str:
        self.phases.append({"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": self.job["startTime"],
                            "endTime": self.job["startTime"], "durationInSeconds": 0})
        self.begin("QUEUED")
        self.end("SUCCEEDED")
        minutes = float(self.job.get("timeoutInMinutes") or 60)
        timer = threading.Timer(minutes * 60, self.stop, ("TIMED_OUT",))
        timer.daemon = True
        timer.start()
        try:
            spec, env = self.provision()
            if spec is not None:
                self.build(spec, env)
        finally:
            timer.cancel()
        self.begin("FINALIZING")
        self.detach_network()
        self.end("SUCCEEDED")
        self.begin("COMPLETED")
        del self.phases[-1]["phaseStatus"]  # AWS gives the COMPLETED phase a start only
        self.log.line(f"[Container] {_stamp()} Build {self.status}")
        # The log reaches CloudWatch Logs before BatchGetBuilds says the build is complete.
        self.log.close()
        self.save()
        shutil.rmtree(self.dir / "shell", ignore_errors=True)
        return self.status

    def provision(self) -> tuple[Buildspec | None, dict[str, str]]:
        self.begin("PROVISIONING")
        logs = self.job.get("logs")
        if logs:
            self.log.follow_in_cloudwatch(self.client("logs"), logs["groupName"], logs["streamName"])
        if self.job.get("vpcConfig"):
            try:
                self.attach_network(self.job["vpcConfig"])
            except Exception as error:  # botocore's ClientError: the service role may not, or no such subnet
                self.status = "FAILED"
                self.end("FAILED", "CLIENT_ERROR", f"cannot create the build's network interface: {error}")
                return None, {}
        self.end("SUCCEEDED")
        self.begin("DOWNLOAD_SOURCE")
        try:
            spec = Buildspec.parse(self.fetch_source())
            env = self.variables.compose(spec, self.job.get("environmentVariables") or [],
                                         self.job.get("environmentVariablesOverride") or [], self.service_variables())
        except BuildspecError as error:
            return self.fail_source("YAML_FILE_ERROR", str(error))
        except VariableError as error:
            return self.fail_source("CLIENT_ERROR", str(error))
        if self.job.get("endpoint"):
            self.log.line(f"[Container] test ground: AWS_ENDPOINT_URL={self.job['endpoint']} is added to the "
                          "environment (the emulator's endpoint; CodeBuild sets no such variable)")
        self.end("SUCCEEDED")
        return spec, env

    def attach_network(self, config: dict[str, Any]) -> None:
        """codebuild/userguide/vpc-support.html: CodeBuild runs a VPC build on a network interface it
        makes in one of the project's subnets, with its security groups, with the service role's
        rights (the permissions the guide lists for the role)."""
        ec2, subnets = self.client("ec2"), config["subnets"]
        subnet = subnets[int(self.job.get("buildNumber") or 0) % len(subnets)]
        eni = ec2.create_network_interface(SubnetId=subnet, Groups=config.get("securityGroupIds") or [],
                                           Description=f"AWS CodeBuild {self.job['buildId']}")["NetworkInterface"]
        self.network = {"subnetId": subnet, "networkInterfaceId": eni["NetworkInterfaceId"]}
        self.extra.update(vpcConfig=config, networkInterface=self.network)
        ec2.create_network_interface_permission(NetworkInterfaceId=eni["NetworkInterfaceId"],
                                                AwsService="codebuild.amazonaws.com", Permission="INSTANCE-ATTACH")
        self.log.line(f"[Container] {_stamp()} Running on network interface {eni['NetworkInterfaceId']} "
                      f"({eni['PrivateIpAddress']}) in {subnet}")

    def detach_network(self) -> None:
        if self.network is None:
            return
        try:
            self.client("ec2").delete_network_interface(NetworkInterfaceId=self.network["networkInterfaceId"])
        except Exception as error:  # the build is over either way; say what is left
            self.log.line(f"[Container] {_stamp()} network interface {self.network['networkInterfaceId']} "
                          f"not removed: {error}")

    def checkip(self, command: str) -> str:
        """checkip.amazonaws.com, asked of the emulator's stand-in (fixes_codebuild.checkip)."""
        # A path, not a query: the URL replaces the original in shell text, where & would split it.
        url = f"{self.job.get('endpoint')}/_emulator/checkip/{self.job['region']}"
        if self.network:
            url += f"/{self.network['subnetId']}"
        try:
            with urllib.request.urlopen(url) as answer:  # noqa: S310 (the emulator on 127.0.0.1)
                seen = answer.read().decode().strip()
        except urllib.error.HTTPError as error:
            seen = error.read().decode().strip()
        self.log.line(f"[Container] {_stamp()} test ground: checkip.amazonaws.com is the emulator's stand-in: {seen}")
        return CHECKIP.sub(url, command)

    def fail_source(self, context: str, message: str) -> tuple[None, dict[str, str]]:
        self.status = "FAILED"
        self.end("FAILED", context, message)
        return None, {}

    def fetch_source(self) -> str:
        """Copies the repository as a clone would have it (tracked and untracked files, no ignored
        ones such as build/ or .build/), and answers the buildspec's text."""
        self.src.mkdir(parents=True, exist_ok=True)
        source = self.job["source"]
        if source.get("directory"):
            root = Path(source["directory"])
            listing = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
                                     check=True, capture_output=True).stdout.decode()
            for name in filter(None, listing.split("\0")):
                origin, target = root / name, self.src / name
                if origin.exists() or origin.is_symlink():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target, follow_symlinks=False)
        buildspec = source.get("buildspec") or "buildspec.yml"
        if "\n" in buildspec:
            return buildspec  # an inline buildspec (project or buildspecOverride)
        path = self.src / buildspec
        if not path.is_file():
            raise BuildspecError(f"YAML file does not exist: {buildspec} in the source")
        return path.read_text()

    def service_variables(self) -> dict[str, str]:
        job = self.job
        region = job["region"]
        variables = {
            "CODEBUILD_BUILD_ID": job["buildId"],
            "CODEBUILD_BUILD_ARN": job["buildArn"],
            "CODEBUILD_BUILD_NUMBER": str(job["buildNumber"]),
            "CODEBUILD_BUILD_IMAGE": job.get("image", ""),
            "CODEBUILD_INITIATOR": job.get("initiator", ""),
            "CODEBUILD_SRC_DIR": str(self.src),
            "CODEBUILD_START_TIME": str(int(job["startTime"] * 1000)),
            "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_SOURCE_VERSION": job["source"].get("version") or "",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # CodeBuild gives a RELATIVE_URI on 169.254.170.2; the emulator's endpoint needs the full one.
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": job["credentialsUrl"],
        }
        if job.get("logs"):
            variables["CODEBUILD_LOG_PATH"] = job["logs"]["streamName"]
        if job.get("endpoint"):
            variables["AWS_ENDPOINT_URL"] = job["endpoint"]
        return variables

    def build(self, spec: Buildspec, env: dict[str, str]) -> None:
        self.shell = BuildShell(spec.shell, env, self.src, self.dir / "shell", self.log.line)
        skip = re.compile(self.job.get("skipCommandPattern", TOOLCHAIN_DOWNLOAD))
        ran_build = False
        for name in PHASES:
            if self.interrupt:
                break
            if name == "post_build" and not ran_build:
                break
            phase = spec.phases.get(name)
            self.shell.env["CODEBUILD_BUILD_SUCCEEDING"] = "0" if self.status == "FAILED" else "1"
            self.begin(name.upper())
            status = self.run_phase(phase.commands if phase else [], phase.finally_ if phase else [], skip)
            ran_build = ran_build or name == "build"
            if status in ("STOPPED", "TIMED_OUT"):
                break
            if status == "FAILED":
                self.status = "FAILED"
                on_failure = phase.on_failure if phase else None
                # Documented transitions: a failed INSTALL or PRE_BUILD ends the build; after a failed
                # BUILD, POST_BUILD and UPLOAD_ARTIFACTS still run. on-failure overrides either way.
                if on_failure == "ABORT" or (on_failure is None and name in ("install", "pre_build")):
                    ran_build = False
                    break
        final = self.shell.env
        self.extra["exportedEnvironmentVariables"] = [
            {"name": n, "value": final.get(n, "")} for n in spec.exported_variables]
        if ran_build and not self.interrupt:
            self.upload_artifacts(spec, final)
        if self.interrupt:
            self.status = self.interrupt
        elif self.status == "IN_PROGRESS":
            self.status = "SUCCEEDED"

    def run_phase(self, commands: list[str], finally_: list[str], skip: re.Pattern[str]) -> str:
        assert self.shell is not None
        status, context = "SUCCEEDED", ""
        for block in (commands, finally_):
            for command in block:
                if self.interrupt or (status == "FAILED" and block is commands):
                    break
                if skip.search(command):
                    self.log.line(f"[Container] {_stamp()} test ground: skipped, the toolchain is the runner's "
                                  f"own (swift on PATH): {command}")
                    continue
                self.log.line(f"[Container] {_stamp()} Running command {command}")
                code = self.shell.run(self.checkip(command) if CHECKIP.search(command) else command)
                if self.interrupt:
                    break
                if code != 0:
                    self.log.line(f"[Container] {_stamp()} Command did not exit successfully {command} exit status {code}")
                    if status == "SUCCEEDED":
                        status, context = "FAILED", f"Error while executing command: {command}. Reason: exit status {code}"
                    if block is finally_:
                        break
            if self.interrupt:
                return self.end(self.interrupt)
        if status == "FAILED":
            return self.end("FAILED", "COMMAND_EXECUTION_ERROR", context)
        return self.end("SUCCEEDED")

    def upload_artifacts(self, spec: Buildspec, env: dict[str, str]) -> None:
        self.begin("UPLOAD_ARTIFACTS")
        try:
            location = upload(self.job.get("artifacts") or {}, spec.artifacts, self.src, env, self.uuid,
                              lambda: self.client("s3"))
        except ArtifactError as error:
            self.status = "FAILED"
            self.end("FAILED", "CLIENT_ERROR", str(error))
            return
        if location:
            self.extra["artifacts"] = {"location": location}
            self.log.line(f"[Container] {_stamp()} Artifacts uploaded to {location}")
        self.end("SUCCEEDED")


def _stamp() -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: runner.py WORK_DIR/job.json", file=sys.stderr)
        return 2
    run = BuildRun(Path(argv[1]))
    signal.signal(signal.SIGTERM, lambda *_: run.stop("STOPPED"))
    print(f"runner: build {run.job['buildId']} ended {run.run()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
