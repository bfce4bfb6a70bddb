"""With no endpoint configured and nothing answering, the provider starts the bundled backend
as a detached daemon that keeps serving after Terraform exits; `lattice-local stop` ends it."""

import os
import socket
import subprocess
import time
import urllib.request

from conftest import LATTICE_LOCAL, TERRAFORM, Terraform


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(endpoint):
    try:
        with urllib.request.urlopen(f"{endpoint}/_lattice-local/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_provider_starts_a_detached_backend_that_outlives_terraform(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}"
    tf = Terraform(TERRAFORM, tmp_path / "tf", endpoint)
    del tf.env["LATTICE_ENDPOINT"]
    tf.env["LATTICE_LOCAL_DEFAULT_ENDPOINT"] = endpoint
    tf.env["LATTICE_LOCAL_DATA_DIR"] = str(tmp_path / "data")
    tf.write('resource "lattice_service_network" "net" {\n  name = "bundled-net"\n}\n')
    try:
        p = tf.apply()
        assert "Started the lattice-local backend" in p.stdout + p.stderr
        assert "lattice-local stop" in p.stdout + p.stderr
        # Terraform has exited; the backend still serves, and has the object.
        assert answers(endpoint)
        tf.assert_empty_plan()
        # A second run finds it running and starts nothing new.
        p = tf.run("plan", "-input=false")
        assert "Started the lattice-local backend" not in p.stdout + p.stderr
    finally:
        subprocess.run([str(LATTICE_LOCAL), "stop", "--endpoint", endpoint], capture_output=True)
    for _ in range(50):
        if not answers(endpoint):
            break
        time.sleep(0.1)
    assert not answers(endpoint)
    assert os.path.exists(tmp_path / "data" / "state.db")


def test_an_explicit_endpoint_never_starts_a_backend(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}"
    tf = Terraform(TERRAFORM, tmp_path / "tf", endpoint)
    tf.write('resource "lattice_service_network" "net" {\n  name = "nowhere-net"\n}\n')
    p = tf.run("apply", "-auto-approve", "-input=false", check=False)
    assert p.returncode == 1
    said = " ".join(p.stderr.split())
    # It says why nothing was started, and how to start a backend there.
    assert f"nothing answers at {endpoint} (set by LATTICE_ENDPOINT)" in said, said
    assert f"LATTICE_ENDPOINT={endpoint} lattice-local serve" in said, said
    assert not answers(endpoint)


def test_configuration_errors_exit_64_and_name_the_setting(tmp_path):
    for args, words in [(["--listen", "10.1.2.3:4599"], "not a loopback address"),
                        (["--vpc-pool", "10.0.0.0/16"], "inside 127.0.0.0/8"),
                        (["--upstream-dns", "nowhere"], "--upstream-dns")]:
        p = subprocess.run([str(LATTICE_LOCAL), "serve", "--data-dir", str(tmp_path / "d"), *args],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 64 and words in p.stderr, (args, p.returncode, p.stderr)


def test_serve_listens_where_lattice_endpoint_points_and_logs_without_colour(tmp_path):
    endpoint = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "serve.log"
    env = dict(os.environ, LATTICE_ENDPOINT=endpoint, LATTICE_LOCAL_DATA_DIR=str(tmp_path / "data"))
    with open(log, "wb") as err:
        proc = subprocess.Popen([str(LATTICE_LOCAL), "serve", "--vpc-pool", "127.93.0.0/16", "--upstream-dns", "none"],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        for _ in range(100):
            if answers(endpoint):
                break
            time.sleep(0.05)
        assert answers(endpoint), log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    text = log.read_bytes()
    assert text and b"\x1b[" not in text, "a redirected log has no colour codes"


def test_logs_says_when_a_destination_has_no_records(tmp_path):
    p = subprocess.run([str(LATTICE_LOCAL), "logs", "--destination", "arn:aws:logs:us-east-1:000000000000:log-group:none",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 1 and p.stdout == ""
    assert "no access-log records for arn:aws:logs:us-east-1:000000000000:log-group:none" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, "one human line"


def test_logs_prints_one_line_per_record_for_people(tmp_path):
    logs = tmp_path / "access-logs"
    logs.mkdir()
    record = ('{"startTime":"2026-12-07T00:00:00Z","requestMethod":"GET","hostHeader":"web.example.com",'
              '"requestPath":"/stock","responseCode":403,"duration":2,"callerPrincipal":"-",'
              '"failureReason":"ClientAccessDenied","authDeniedReason":"Network"}')
    (logs / "arn_aws_logs_us-east-1_000000000000_log-group_web.log").write_text(record + "\n")
    p = subprocess.run([str(LATTICE_LOCAL), "logs", "--text", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == ("2026-12-07T00:00:00Z GET web.example.com/stock -> 403 2ms caller=- "
                                "failureReason=ClientAccessDenied authDeniedReason=Network"), p.stdout
