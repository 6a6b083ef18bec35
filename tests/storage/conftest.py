"""A moto S3 server on 127.0.0.1 for the storage tests, and stores to test against it.

Nothing here may reach AWS: every client gets explicit credentials, region and a loopback
endpoint, and the AWS_* environment is cleared for the session so no credential chain, shared
config file or instance metadata lookup can come into play.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.moto import MotoServer, running_moto


@pytest.fixture(scope="package", autouse=True)
def _no_ambient_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    empty = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                mp.delenv(name)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_CONFIG_FILE", str(empty))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        yield


@pytest.fixture(scope="package")
def moto(tmp_path_factory: pytest.TempPathFactory, _no_ambient_aws: None) -> Iterator[MotoServer]:
    with running_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server
