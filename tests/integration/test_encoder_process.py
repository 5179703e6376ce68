"""The encoders' own process: the same vectors as in the gateway's, at a lower priority, and
started again after it dies."""
import os
import signal
import time

import numpy as np
import pytest

from knowledge_base.encoder_process import NICENESS, EncoderProcess
from knowledge_base.encoders import UseEncoder

TEXTS = ["where is my parcel", "退货要多久到账"]


@pytest.fixture(scope="module")
def process():
    remote = EncoderProcess([UseEncoder()])  # numpy only: the lightest model to start
    yield remote
    remote.close()


def test_same_vectors_as_in_process(process):
    [proxy] = process.proxies
    assert proxy.name == "use" and proxy.dim == 512 and proxy.languages == UseEncoder.languages
    local = UseEncoder()
    np.testing.assert_allclose(proxy.encode_queries(TEXTS), local.encode_queries(TEXTS), atol=1e-5)
    np.testing.assert_allclose(proxy.encode_passages(TEXTS[:1]), local.encode_passages(TEXTS[:1]), atol=1e-5)


def test_runs_niced_in_another_process(process):
    pid = process.pid()
    assert pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def test_a_killed_process_is_started_again(process):
    [proxy] = process.proxies
    before = proxy.encode_queries(TEXTS[:1])
    killed = process.pid()
    os.kill(killed, signal.SIGKILL)
    time.sleep(0.2)
    np.testing.assert_allclose(proxy.encode_queries(TEXTS[:1]), before, atol=1e-5)
    assert process.pid() != killed


def test_closed_is_closed():
    remote = EncoderProcess([UseEncoder()])
    [proxy] = remote.proxies
    pid = remote.pid()
    remote.close()
    for _ in range(50):  # stopped, not left behind
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the encoder process is still there after close()")
    with pytest.raises(RuntimeError):
        proxy.encode_queries(TEXTS[:1])  # and no new one is started
