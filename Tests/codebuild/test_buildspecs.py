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
