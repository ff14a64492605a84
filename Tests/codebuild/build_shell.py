"""The build's shell: one command at a time, with the state of the previous one.

CodeBuild (buildspec version 0.2) writes each command into a script and runs it with the
variables and working directory the previous command left, so `export`, `cd` and plain
assignments carry over between commands and phases, while `exit 1` fails only that command.
The runner does the same: each command runs in a fresh shell that starts from the saved state,
and on exit the shell saves its environment (`env -0`) and directory for the next one.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path
from typing import Callable

# Assignments are exported (set -a) so that a plain `NAME=value` reaches the next command,
# as it does on CodeBuild. The state file's path is kept out of the exported environment.
PROLOGUE = """__runner_state=$1
trap '__runner_rc=$?; env -0 >"$__runner_state.env"; pwd >"$__runner_state.cwd"; exit $__runner_rc' EXIT
set -a
"""
# Shell bookkeeping that must not be carried from one command into the next.
NOT_CARRIED = {"_", "SHLVL", "PWD"}


class BuildShell:
    def __init__(self, shell: str, env: dict[str, str], cwd: Path, state_dir: Path, output: Callable[[str], None]):
        self.shell, self.env, self.cwd = shell, dict(env), cwd
        self.state = state_dir / "shell"
        state_dir.mkdir(parents=True, exist_ok=True)
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None
        # A stop that arrives while a command is being started is delivered once it runs.
        self.stopping: int | None = None
        self.lock = threading.RLock()

    def run(self, command: str) -> int:
        script = self.state.with_suffix(".sh")
        script.write_text(PROLOGUE + command + "\n")
        for suffix in (".env", ".cwd"):
            self.state.with_suffix(suffix).unlink(missing_ok=True)
        with self.lock:
            # A session of its own: a stop signals the command and everything it started.
            self.process = subprocess.Popen(
                [self.shell, str(script), str(self.state)], cwd=self.cwd, env=self.env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            )
            if self.stopping is not None:
                os.killpg(self.process.pid, self.stopping)
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, b""):
            self.output(line.decode("utf-8", "replace").rstrip("\n"))
        status = self.process.wait()
        with self.lock:
            self.process = None
        self._load_state()
        return status

    def signal(self, signum: int) -> None:
        """Signals the running command's process group, or the next one as soon as it starts."""
        with self.lock:
            self.stopping = signum
            if self.process is not None and self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, signum)
                except ProcessLookupError:
                    pass

    def _load_state(self) -> None:
        # A command killed by a signal leaves no state: the next one starts from the last saved.
        env_file, cwd_file = self.state.with_suffix(".env"), self.state.with_suffix(".cwd")
        if env_file.exists():
            pairs = (item.split("=", 1) for item in env_file.read_bytes().decode("utf-8", "replace").split("\0") if "=" in item)
            self.env = {k: v for k, v in pairs if k not in NOT_CARRIED}
        if cwd_file.exists():
            directory = Path(cwd_file.read_text().rstrip("\n"))
            if directory.is_dir():
                self.cwd = directory

