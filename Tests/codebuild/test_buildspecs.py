"""The repository's buildspecs, read as CodeBuild reads them: valid, and their toolchain download found."""

from __future__ import annotations

import re

import pytest

from buildspec import Buildspec
from conftest import ROOT
from runner import TOOLCHAIN_DOWNLOAD


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_the_buildspec_is_one_codebuild_runs_and_only_its_toolchain_download_is_skipped(name: str) -> None:
    spec = Buildspec.parse((ROOT / "buildspec" / name).read_text())
    skipped = [(phase, command) for phase, body in spec.phases.items()
               for command in body.commands + body.finally_ if re.search(TOOLCHAIN_DOWNLOAD, command)]
    assert skipped, f"no command of buildspec/{name} downloads the toolchain (download.swift.org, install-swift.sh)"
    assert all(phase == "install" for phase, _ in skipped), skipped


def test_the_release_boots_what_it_ships() -> None:
    # make release verifies the downloaded exports only with VERIFY_DOWNLOADS set; verify.sh needs
    # QEMU, qemu-img, OVMF, sshpass and expect (ansible/image/README.md, "make verify-image").
    spec = Buildspec.parse((ROOT / "buildspec" / "release.yml").read_text())
    assert spec.variables.get("VERIFY_DOWNLOADS") == "1", spec.variables
    installs = " ".join(c for c in spec.phases["install"].commands if "apt-get install" in c).split()
    missing = {"qemu-system-x86", "qemu-utils", "ovmf", "sshpass", "expect"} - set(installs)
    assert not missing, f"the install phase does not install {sorted(missing)}"
