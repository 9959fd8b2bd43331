"""Children as Ray tasks on an in-process cluster with two worker nodes (skipped without ray)."""

from __future__ import annotations

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from mlpnas.storage.events import load_event  # noqa: E402
from tests.helpers import ROOT  # noqa: E402
from tests.helpers.frames import make_frame  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """A head node without CPUs and two one-CPU worker nodes, kept small.

    This process joins the cluster once, so both tests share the Ray workers (and the
    TensorFlow they imported); a search then uses the existing connection.
    """
    small = {"object_store_memory": 80 * 1024 ** 2, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, **small})
    for _ in range(2):
        cluster.add_node(num_cpus=1, object_store_memory=80 * 1024 ** 2)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
    yield cluster
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()


@pytest.fixture
def tiny_data(tmp_path):
    path = tmp_path / "tiny.csv"
    make_frame(90).drop(columns="score").to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_search_runs_on_the_cluster(cluster, tiny_data, tmp_path, runner):
    import cli

    logs = tmp_path / "logs"
    result = runner.invoke(cli.main, [
        "search", "--dataset", str(tiny_data), "--strategy", "random", "--controller-epochs",
        "1", "--samples-per-epoch", "2", "--child-epochs", "1", "--workers", "2",
        "--ray-address", cluster.address, "--logs-dir", str(logs)])
    assert result.exit_code == 0, result.output + str(result.exception)
    entries = load_event(logs).entries
    assert len(entries) == 2 and not any(e.meta["failed"] for e in entries)
    assert ray.is_initialized()  # a connection the search did not open stays open


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_the_search_completes(cluster, tiny_data, tmp_path):
    from mlpnas.config import SearchConfig
    from mlpnas.testing import CrashingTask
    from mlpnas.training.executors import RayExecutor
    from mlpnas.search.loop import MLPNAS

    config = SearchConfig(dataset=str(tiny_data), strategy="random", controller_epochs=2,
                          samples_per_epoch=2, child_epochs=1, workers=2,
                          ray_address=cluster.address, logs_dir=str(tmp_path / "logs"))
    nas = MLPNAS(config)
    crashes = CrashingTask({2: 1, 3: 2}, tmp_path)  # child 3 takes its worker down twice
    nas.executor = RayExecutor(nas.space, nas.dataset, config, crashes, workers=2,
                               address=cluster.address)
    result = nas.search()
    metas = [e.meta for e in result.entries]
    assert [m["attempts"] for m in metas] == [1, 1, 2, 2]
    assert [m["failed"] for m in metas] == [False, False, False, True]
    assert "WorkerCrashedError" in metas[3]["error"]
    assert result.test_accuracy is not None  # the search went on to the end

