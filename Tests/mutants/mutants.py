#!/usr/bin/env python3
"""make mutants: deliberate bugs, each applied alone to a scratch copy of the repository, each
followed by the tests that must catch it (Tests/mutants/mutants.txt).

    mutants.py LIST SCRATCH [NAME...]

SCRATCH is one copy of the repository's files (tracked and new, never build output), kept
between runs so that each mutant needs only an incremental build. Before the mutants, every
mutant's tests run on the unchanged copy and must pass: a test that fails anyway catches
nothing. Prints caught/missed per mutant and "N caught, N missed"; exits 1 unless all were
caught. The caller provides the environment the tests need (EMULATOR_ENV, SIGV4_SUITE, ...).
"""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field


@dataclass
class Mutant:
    name: str
    file: str = ""
    find: str = ""
    into: str = ""
    tests: list[str] = field(default_factory=list)
    check: str = ""
    why: str = ""


def parse(path: str) -> list[Mutant]:
    """Blocks of `key value` lines; `mutant NAME` starts one; `\\n` in find/into is a newline."""
    mutants: list[Mutant] = []
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        if key == "mutant":
            mutants.append(Mutant(value))
        elif mutants and key in ("file", "find", "into", "check", "why"):
            setattr(mutants[-1], key, value.replace("\\n", "\n") if key in ("find", "into") else value)
        elif mutants and key == "tests":
            mutants[-1].tests.append(value)
        else:
            sys.exit(f"{path}:{number}: unknown line {line!r}")
    for m in mutants:
        if not (m.file and m.find and (m.tests or m.check)):
            sys.exit(f"{path}: mutant {m.name} needs file, find, into and tests or check")
    return mutants


def sync(scratch: str) -> None:
    """The repository's files into SCRATCH; unchanged files keep their time stamps."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if not os.path.isfile(name):
            continue
        target = os.path.join(scratch, name)
        data = open(name, "rb").read()
        if os.path.exists(target) and open(target, "rb").read() == data:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(name, target)  # a new time stamp: the build sees the change


def apply(m: Mutant, scratch: str) -> None:
    path = os.path.join(scratch, m.file)
    text = open(path, encoding="utf-8").read()
    count = text.count(m.find)
    if count != 1:
        sys.exit(f"mutant {m.name}: the text to change occurs {count} times in {m.file} (must be once); update mutants.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(m.find, m.into))


def run(command: list[str] | str, scratch: str, log) -> int:
    log.write(f"\n$ {command}\n")
    log.flush()
    return subprocess.run(command, cwd=scratch, shell=isinstance(command, str), stdout=log, stderr=subprocess.STDOUT,
                          env=dict(os.environ, SANDBOX_BIN=os.path.join(scratch, ".build/debug"), SANDBOX_ROOT=scratch,
                                   # the test ground's venv is the repository's (this interpreter's), not the copy's
                                   SANDBOX_PYTHON=os.environ.get("SANDBOX_PYTHON", sys.executable))).returncode


def tests_fail(m: Mutant, scratch: str, log) -> bool:
    """Whether the mutant's tests fail (or its check command does)."""
    failed = False
    for test in m.tests:
        failed |= run(["swift", "test", "--skip-build", "--scratch-path", ".build", "--filter", test], scratch, log) != 0
    if m.check:
        failed |= run(m.check, scratch, log) != 0
    return failed


def build(scratch: str, log) -> bool:
    return run(["swift", "build", "--build-tests", "--scratch-path", ".build"], scratch, log) == 0


def main() -> None:
    listing, scratch, *only = sys.argv[1:]
    scratch = os.path.abspath(scratch)
    mutants = [m for m in parse(listing) if not only or m.name in only]
    os.makedirs(scratch, exist_ok=True)
    log = open(os.path.join(scratch, "mutants.log"), "w", encoding="utf-8")
    print(f"mutants: {len(mutants)}; the log is {log.name}", flush=True)

    sync(scratch)
    if not build(scratch, log):
        sys.exit("mutants: the unchanged copy does not build; see the log")
    broken = [m.name for m in mutants if tests_fail(m, scratch, log)]
    if broken:
        sys.exit(f"mutants: the tests of {', '.join(broken)} fail without any mutant; fix them first (see the log)")

    caught = missed = 0
    for m in mutants:
        sync(scratch)
        apply(m, scratch)
        log.write(f"\n=== mutant {m.name}: {m.why}\n")
        if not build(scratch, log):
            print(f"missed  {m.name}: it does not build, so it proves nothing; change mutants.txt", flush=True)
            missed += 1
        elif tests_fail(m, scratch, log):
            print(f"caught  {m.name}", flush=True)
            caught += 1
        else:
            print(f"MISSED  {m.name}: {m.why}", flush=True)
            missed += 1
    sync(scratch)  # the copy is left unchanged
    print(f"{caught} caught, {missed} missed")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
