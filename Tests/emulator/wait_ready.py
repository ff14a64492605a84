"""Wait until the emulator answers its health check: python wait_ready.py PID ENV_FILE TIMEOUT_SECONDS.

The emulator may pick its own free port, so the address is read from ENV_FILE (AWS_ENDPOINT_URL),
which it writes once the bootstrap is done. Exits 0 once GET <that URL>/_emulator/health answers
200; 1 when the process PID has died or the deadline passed. Standard library only (no curl).
"""

import os
import sys
import time
from pathlib import Path
import urllib.error
import urllib.request


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def endpoint(env_file: Path) -> str | None:
    try:
        lines = env_file.read_text().splitlines()
    except OSError:
        return None
    return next((line.split("=", 1)[1].rstrip("/") for line in lines if line.startswith("export AWS_ENDPOINT_URL=")), None)


def main() -> int:
    pid, env_file, timeout = int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if not alive(pid):
            print(f"emulator (pid {pid}) exited during start", file=sys.stderr)
            return 1
        url = endpoint(env_file)
        if url is None:
            time.sleep(0.1)
            continue
        try:
            with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1) as response:
                if response.status == 200:
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    print(f"emulator did not answer on {url or '(no ' + str(env_file) + ' yet)'} within {timeout:g} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
