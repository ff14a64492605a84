"""CodeBuild builds that run: StartBuild starts Tests/codebuild/runner.py on the project's buildspec.

moto's StartBuild records a build and runs nothing; its BatchGetBuilds answers SUCCEEDED on the
first call, and it drops environmentVariablesOverride and idempotencyToken. Here StartBuild
writes the build's job (project environment, overrides, source, artifacts, logs, timeout) and
starts the runner in the background; BatchGetBuilds shows what the runner reports (phases,
currentPhase, buildStatus, exported variables, artifacts); StopBuild sends the runner SIGTERM,
which stops the running command as CodeBuild's stop does. A repeated idempotency token (within
5 minutes) answers the build it already started, as AWS does.
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
    }


def _report(build: dict[str, Any]) -> dict[str, Any]:
    status = RUNS.status(build["id"])
    if status:
        build.update(status)
    return build


def install() -> None:
    from moto.codebuild.models import CodeBuildBackend
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
