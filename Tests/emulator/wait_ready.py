"""Wait until the emulator answers its health check: python wait_ready.py PID URL TIMEOUT_SECONDS.

Exits 0 once GET URL/_emulator/health answers 200 (bootstrap done, credentials written); 1 when
the process PID has died or the deadline passed. Standard library only, so it needs no curl.
"""

import os
import sys
import time
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


def main() -> int:
    pid, url, timeout = int(sys.argv[1]), sys.argv[2].rstrip("/"), float(sys.argv[3])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            print(f"emulator (pid {pid}) exited during start", file=sys.stderr)
            return 1
        try:
            with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1) as response:
                if response.status == 200:
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    print(f"emulator did not answer on {url} within {timeout:g} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
