"""The build's log: a file, and the build's CloudWatch Logs stream, secrets masked as CodeBuild does."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

MASK = "***"
# PutLogEvents takes up to 10,000 events per call; a second's worth is plenty here.
FLUSH_SECONDS = 1.0


class BuildLog:
    def __init__(self, path: Path, secrets: Callable[[], set[str]]):
        self.file = path.open("a", encoding="utf-8")
        self.secrets = secrets
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self.logs: Any = None
        self.group = self.stream = ""

    def follow_in_cloudwatch(self, logs: Any, group: str, stream: str) -> None:
        """Sends every line to group/stream too; a failure to do so is written into the log, once."""
        try:
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except logs.exceptions.ResourceNotFoundException:
                logs.create_log_group(logGroupName=group)
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except Exception as error:
            self.line(f"[Container] CloudWatch Logs stream {group}/{stream} not created: {error}")
            return
        self.logs, self.group, self.stream = logs, group, stream
        # Lines of a quiet command are sent too, within a second, so a client can follow the build.
        threading.Thread(target=self._send_every_second, daemon=True).start()

    def line(self, text: str) -> None:
        for secret in self.secrets():
            if secret:
                text = text.replace(secret, MASK)
        with self.lock:
            self.file.write(text + "\n")
            self.file.flush()
            if self.logs is not None:
                # CloudWatch Logs refuses an empty message; an empty line is kept as one space.
                self.pending.append({"timestamp": int(time.time() * 1000), "message": text or " "})

    def close(self) -> None:
        with self.lock:
            self._flush()
            self.file.close()
            self.logs = None

    def _send_every_second(self) -> None:
        while self.logs is not None:
            time.sleep(FLUSH_SECONDS)
            with self.lock:
                self._flush()

    def _flush(self) -> None:
        if not self.pending or self.logs is None:
            return
        events, self.pending = self.pending, []
        try:
            self.logs.put_log_events(logGroupName=self.group, logStreamName=self.stream, logEvents=events)
        except Exception as error:
            self.file.write(f"[Container] CloudWatch Logs: PutLogEvents failed, stopped sending: {error}\n")
            self.logs = None
