"""Fixtures for the acceptance tests: real lattice-local backends, echo targets, Terraform
working directories and boto3 clients. Every server binds port 0 (or a loopback block
allocated to this test run) and is stopped by its PID."""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.config
import botocore.session
import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("LATTICE_BIN_DIR", ROOT / "target" / "debug"))
LATTICE_LOCAL = BIN / "lattice-local"
TERRAFORM = os.environ.get("TERRAFORM") or shutil.which("terraform")
TERRAFORM_1_0 = os.environ.get("TERRAFORM_1_0")
PROVIDER_SOURCE = "registry.terraform.io/lattice-local/lattice"

POOL_LOCK_DIR = Path(tempfile.gettempdir()) / "lattice-local-test-pools"


def allocate_pool():
    """A /16 of 127.0.0.0/8 no other running test holds (a lock file per block)."""
    POOL_LOCK_DIR.mkdir(exist_ok=True)
    for second in range(100, 250):
        handle = open(POOL_LOCK_DIR / f"{second}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return f"127.{second}.0.0/16", handle
    raise RuntimeError("no free loopback pool for a test backend")


def read_first_line(proc, timeout=20):
    deadline = time.time() + timeout
    line = b""
    os.set_blocking(proc.stdout.fileno(), False)
    while time.time() < deadline:
        chunk = proc.stdout.readline()
        if chunk:
            line += chunk
            if line.endswith(b"\n"):
                return line.decode().strip()
        elif proc.poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError(f"process did not print its address (exit {proc.poll()})")


class Backend:
    """One `lattice-local serve` with its own data dir and address pool."""

    def __init__(self, tmp: Path):
        tmp.mkdir(parents=True, exist_ok=True)
        self.data_dir = tmp / "backend-data"
        self.pool, self._pool_lock = allocate_pool()
        self.listen = "127.0.0.1:0"
        self.proc = None
        self.endpoint = None
        self.log = tmp / "backend.log"
        self.extra_args = ["--upstream-dns", "none"]

    def start(self):
        args = [str(LATTICE_LOCAL), "serve", "--data-dir", str(self.data_dir), "--listen", self.listen,
                "--vpc-pool", self.pool, *self.extra_args]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(self.log, "ab"))
        self.endpoint = read_first_line(self.proc)
        # Restarts reuse the same port, as a user's scripts would.
        self.listen = self.endpoint.removeprefix("http://")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def client(self, service="vpc-lattice", access_key="test", client_validation=True, region="us-east-1"):
        """A boto3 client; without client-side validation, bad values reach the server."""
        config = botocore.config.Config(parameter_validation=client_validation, retries={"max_attempts": 1})
        client = boto3.client(service, endpoint_url=self.endpoint, region_name=region, config=config,
                              aws_access_key_id=access_key, aws_secret_access_key="test")
        client.meta.events.register(f"after-call.{client.meta.service_model.endpoint_prefix}", record_operation)
        return client

    def vpc_info(self, vpc_id, account=None):
        who = ["--account", account] if account else []
        out = subprocess.run([str(LATTICE_LOCAL), "vpc", "info", vpc_id, "--endpoint", self.endpoint, *who],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    def close(self):
        self.stop()
        self._pool_lock.close()


# ---- coverage of the AWS API: which operations boto3 completed successfully ----------------

def pytest_configure(config):
    # The controller picks the directory; xdist workers inherit it through the environment.
    if not hasattr(config, "workerinput") and "LATTICE_COVERAGE_DIR" not in os.environ:
        os.environ["LATTICE_COVERAGE_DIR"] = tempfile.mkdtemp(prefix="lattice-coverage-")


def coverage_dir():
    return Path(os.environ["LATTICE_COVERAGE_DIR"])


def record_operation(http_response=None, model=None, **_):
    if http_response is not None and http_response.status_code < 300:
        coverage_dir().mkdir(parents=True, exist_ok=True)
        with open(coverage_dir() / f"{os.getpid()}.txt", "a") as f:
            f.write(f"{model.service_model.service_name} {model.name}\n")


def pytest_sessionfinish(session, exitstatus):
    """On the controller: report which VPC Lattice and RAM operations boto3 completed; with
    LATTICE_COVERAGE_REQUIRED set, a missing operation fails the run."""
    if hasattr(session.config, "workerinput") or not coverage_dir().exists():
        return
    seen = set()
    for f in coverage_dir().glob("*.txt"):
        seen.update(tuple(line.split()[:2]) for line in f.read_text().splitlines() if " " in line)
    shutil.rmtree(coverage_dir(), ignore_errors=True)
    for service, title in (("vpc-lattice", "VPC Lattice"), ("ram", "RAM")):
        all_ops = set(botocore.session.get_session().get_service_model(service).operation_names)
        done = {op for (svc, op) in seen if svc == service}
        missing = sorted(all_ops - done)
        print(f"\nboto3 coverage: {len(all_ops & done)}/{len(all_ops)} {title} operations completed successfully")
        if missing:
            print("  never exercised: " + ", ".join(missing))
            if os.environ.get("LATTICE_COVERAGE_REQUIRED") and session.exitstatus == 0:
                session.exitstatus = 1


@pytest.fixture
def backend(tmp_path):
    b = Backend(tmp_path).start()
    yield b
    b.close()


class Echo:
    def __init__(self, message="hello from the echo target", tls=False):
        self.proc = subprocess.Popen([str(LATTICE_LOCAL), "echo", "--listen", "127.0.0.1:0", "--message", message]
                                     + (["--tls"] if tls else []),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addr = read_first_line(self.proc)
        self.port = int(self.addr.rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


@pytest.fixture
def echo():
    e = Echo()
    yield e
    e.stop()


class TerraformFailed(Exception):
    pass


class Terraform:
    """A Terraform working directory using the locally built provider (dev_overrides)."""

    def __init__(self, binary, workdir: Path, endpoint: str):
        self.binary = binary
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        rc = self.dir / ".terraformrc"
        rc.write_text(
            'provider_installation {\n'
            f'  dev_overrides {{ "{PROVIDER_SOURCE}" = "{BIN}" }}\n'
            '  direct {}\n'
            '}\n'
        )
        self.env = dict(os.environ, TF_CLI_CONFIG_FILE=str(rc), CHECKPOINT_DISABLE="1",
                        LATTICE_ENDPOINT=endpoint, TF_IN_AUTOMATION="1")
        self.env.pop("TF_LOG", None)

    def write(self, hcl: str, provider: str = 'provider "lattice" {}\n'):
        (self.dir / "main.tf").write_text(
            'terraform {\n  required_providers {\n    lattice = { source = "lattice-local/lattice" }\n  }\n}\n'
            + provider + hcl)

    def run(self, *args, check=True):
        p = subprocess.run([self.binary, *args, "-no-color"], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise TerraformFailed(f"terraform {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def apply(self, *extra):
        return self.run("apply", "-auto-approve", "-input=false", *extra)

    def destroy(self, *extra):
        return self.run("destroy", "-auto-approve", "-input=false", *extra)

    def plan_exitcode(self, *extra):
        """0: no changes, 2: changes (1: error raises)."""
        p = self.run("plan", "-detailed-exitcode", "-input=false", *extra, check=False)
        if p.returncode == 1:
            raise TerraformFailed(f"plan failed:\n{p.stdout}\n{p.stderr}")
        return p.returncode, p.stdout

    def assert_empty_plan(self, *extra):
        code, out = self.plan_exitcode(*extra)
        assert code == 0, f"expected an empty plan, got:\n{out}"

    def state(self):
        """Resource address -> attribute values, from `terraform show -json`."""
        p = self.run("show", "-json")
        values = json.loads(p.stdout).get("values") or {}
        out = {}
        for r in values.get("root_module", {}).get("resources", []):
            out[r["address"]] = r["values"]
        return out

    def output(self, name):
        return self.run("output", "-raw", name).stdout

    def import_(self, address, import_id, *extra):
        return self.run("import", "-input=false", *extra, address, import_id)


AWS_MIRRORS = [os.environ.get("LATTICE_TF_PLUGIN_MIRROR", ""), "/opt/tf-plugins"]


def aws_provider_mirror():
    """The filesystem mirror holding hashicorp/aws 5.100.0 (this machine kind ships one)."""
    for mirror in filter(None, AWS_MIRRORS):
        if (Path(mirror) / "registry.terraform.io/hashicorp/aws/5.100.0").is_dir():
            return mirror
    pytest.fail("hashicorp/aws 5.100.0 is not in a filesystem mirror here (looked in "
                f"{[m for m in AWS_MIRRORS if m]}); set LATTICE_TF_PLUGIN_MIRROR to one", pytrace=False)


class AwsTerraform(Terraform):
    """A working directory of a module written for hashicorp/aws, run through
    `lattice-local terraform` (which points every AWS endpoint at the backend)."""

    def __init__(self, binary, workdir: Path, endpoint: str, accounts=()):
        super().__init__(binary, workdir, endpoint)
        self.mirror = aws_provider_mirror()
        self.accounts = list(accounts)
        # hashicorp/aws from the machine's mirror; the lattice provider (for
        # lattice_local_reachability in tests) from a mirror of the build, as a user installs it.
        own = self.dir / ".lattice-mirror"
        platform = own / "registry.terraform.io" / "lattice-local" / "lattice" / "0.0.1" / "linux_amd64"
        platform.mkdir(parents=True, exist_ok=True)
        link = platform / "terraform-provider-lattice"
        if not link.exists():
            link.symlink_to(BIN / "terraform-provider-lattice")
        rc = self.dir / ".terraformrc"
        rc.write_text(
            'provider_installation {\n'
            f'  filesystem_mirror {{\n    path = "{self.mirror}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n'
            f'  filesystem_mirror {{\n    path = "{own}"\n    include = ["registry.terraform.io/lattice-local/lattice"]\n  }}\n'
            '}\n'
        )
        self.env = dict(os.environ, CHECKPOINT_DISABLE="1", LATTICE_ENDPOINT=endpoint, TF_IN_AUTOMATION="1",
                        TERRAFORM=binary, TF_CLI_CONFIG_FILE=str(rc))
        self.env.pop("TF_LOG", None)

    def write(self, hcl: str):
        (self.dir / "main.tf").write_text(hcl)

    def run(self, *args, check=True):
        wrapper = [str(LATTICE_LOCAL), "terraform", *sum((["--account", a] for a in self.accounts), []), "--"]
        p = subprocess.run([*wrapper, *args, "-no-color"], cwd=self.dir, env=self.env,
                           capture_output=True, text=True, timeout=600)
        if check and p.returncode != 0:
            raise TerraformFailed(f"terraform {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def init(self):
        return self.run("init", "-input=false")


@pytest.fixture
def aws_tf_factory(tmp_path, backend):
    def make(name="aws", binary=TERRAFORM, accounts=()):
        return AwsTerraform(binary, tmp_path / name, backend.endpoint, accounts)
    return make


def terraform_versions():
    versions = [pytest.param(TERRAFORM, id="terraform-path")]
    if TERRAFORM_1_0:
        versions.append(pytest.param(TERRAFORM_1_0, id="terraform-1.0.3"))
    return versions


@pytest.fixture
def tf_factory(tmp_path, backend):
    def make(binary=TERRAFORM, name="tf"):
        return Terraform(binary, tmp_path / name, backend.endpoint)
    return make


def admin_request(endpoint, method, path, body=None, access_key="000000000000", secret="test"):
    """A `urllib` request to the admin API (`/_lattice-local/...`), SigV4-signed with the key
    (a 12-digit key acts as that account), as the CLI and the provider sign theirs."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = f"{endpoint}/_lattice-local{path}"
    data = json.dumps(body).encode() if body is not None else None
    signed = AWSRequest(method=method, url=url, data=data,
                        headers={"content-type": "application/json"} if data is not None else {})
    SigV4Auth(Credentials(access_key, secret), "lattice-local", "us-east-1").add_auth(signed)
    return urllib.request.Request(url, method=method, data=data, headers=dict(signed.headers.items()))


def admin(backend, method, path, body=None, account="000000000000"):
    """A call to the admin API acting as `account`."""
    with urllib.request.urlopen(admin_request(backend.endpoint, method, path, body, account)) as r:
        text = r.read()
        return json.loads(text) if text else None


def dig(server, port, name, tcp=False):
    """(rcode, answers) of an A query, with dig (over TCP with `tcp`)."""
    transport = ["+tcp"] if tcp else []
    p = subprocess.run(["dig", f"@{server}", "-p", str(port), name, "A", "+tries=1", "+time=2", *transport],
                       capture_output=True, text=True, timeout=10)
    status = "TIMEOUT"
    for line in p.stdout.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(",")[0].strip()
    answers = subprocess.run(["dig", f"@{server}", "-p", str(port), name, "A", "+short", "+tries=1", "+time=2",
                              *transport], capture_output=True, text=True, timeout=10).stdout.split()
    return status, answers


def curl(name, port, address, path="/", options=()):
    """(status code, body) of an HTTP GET to name, connecting to address; `options` are curl's."""
    p = subprocess.run(["curl", "-sS", "--max-time", "10", *options, "--resolve", f"{name}:{port}:{address}",
                        "-o", "-", "-w", "\n%{http_code}", f"http://{name}:{port}{path}"],
                       capture_output=True, text=True, timeout=20)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


# ---- a service network and services for data-plane tests -------------------------------------

DATAPLANE_VPC = "vpc-0d0d0d0d0d0d0d0d0"


@pytest.fixture
def network(backend):
    """A service network with the data-plane tests' VPC associated; returns (client, vpc info, sn id)."""
    c = backend.client()
    sn = c.create_service_network(name="dp-net")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=DATAPLANE_VPC)
    return c, backend.vpc_info(DATAPLANE_VPC), sn["id"]


def service(c, sn_id, name, action):
    svc = c.create_service(name=name)
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP", defaultAction=action)
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn_id)
    return svc["dnsEntry"]["domainName"]


def settled_statuses(c, tg, timeout=10):
    """Target statuses once the first health checks have run."""
    deadline = time.time() + timeout
    while True:
        items = c.list_targets(targetGroupIdentifier=tg)["items"]
        reasons = {t.get("reasonCode") for t in items}
        if "HealthCheckInProgress" not in reasons or time.time() > deadline:
            return {t["status"] for t in items}
        time.sleep(0.1)


def target_group(c, name, port, targets):
    tg = c.create_target_group(name=name, type="IP", config={"port": port, "protocol": "HTTP", "vpcIdentifier": DATAPLANE_VPC})
    if targets:
        c.register_targets(targetGroupIdentifier=tg["id"], targets=targets)
    return tg["id"]


def read_logs(backend, destination, at_least=1):
    import json
    import subprocess
    import time
    out = ""
    for _ in range(50):
        out = subprocess.run([str(LATTICE_LOCAL), "logs", "--destination", destination, "--data-dir", str(backend.data_dir)],
                             capture_output=True, text=True).stdout
        if len(out.splitlines()) >= at_least:
            break
        time.sleep(0.1)
    return [json.loads(line) for line in out.splitlines()]


# ---- the IAM auth layout (test_iam_auth, test_explain) -------------------------------------------

IAM_VPC = "vpc-0a1a0a1a0a1a0a1a0"
OUTSIDE = "999999999999"
ALLOW_INVOKE = json.dumps({"Statement": [{"Effect": "Allow", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*"}]})


@pytest.fixture
def iam_layout(backend, echo):
    """An AWS_IAM network and service in front of the echo target, with principals inside and
    outside the organization."""
    c = backend.client()
    org = admin(backend, "POST", "/organizations", {"accounts": {"000000000000": "prod"}})
    principals = {}
    for name, kind, policy, tags in [("order", "role", ALLOW_INVOKE, {"team": "orders"}),
                                     ("courier", "role", ALLOW_INVOKE, {"team": "delivery"}),
                                     ("lazy", "user", None, {})]:
        body = {"name": name, "type": kind, "tags": tags}
        if policy:
            body["policy"] = policy
        principals[name] = admin(backend, "POST", "/principals", body)
    principals["outsider"] = admin(backend, "POST", "/principals", {"name": "outsider", "policy": ALLOW_INVOKE},
                                   account=OUTSIDE)

    sn = c.create_service_network(name="iam-net", authType="AWS_IAM")
    c.put_auth_policy(resourceIdentifier=sn["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": org["id"]}}},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*/public"},
    ]}))
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=IAM_VPC)
    tg = c.create_target_group(name="iam-targets", type="IP",
                               config={"port": echo.port, "protocol": "HTTP", "vpcIdentifier": IAM_VPC})
    c.register_targets(targetGroupIdentifier=tg["id"], targets=[{"id": "127.0.0.1"}])
    svc = c.create_service(name="inventory", authType="AWS_IAM")
    c.create_listener(serviceIdentifier=svc["id"], name="http", protocol="HTTP",
                      defaultAction={"forward": {"targetGroups": [{"targetGroupIdentifier": tg["id"]}]}})
    c.create_service_network_service_association(serviceIdentifier=svc["id"], serviceNetworkIdentifier=sn["id"])
    arn = svc["arn"]
    c.put_auth_policy(resourceIdentifier=svc["id"], policy=json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principals["order"]["arn"]}, "Action": "vpc-lattice-svcs:Invoke",
         "Resource": f"{arn}/stock*", "Condition": {"StringEquals": {"vpc-lattice-svcs:RequestMethod": "GET"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": f"{arn}/public"},
        {"Effect": "Allow", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": f"{arn}/delivery/*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "delivery"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "vpc-lattice-svcs:Invoke", "Resource": "*",
         "Condition": {"StringEqualsIgnoreCase": {"vpc-lattice-svcs:RequestHeader/x-debug": "true"}}},
    ]}))
    creds = {k: (p["accessKeyId"], p["secretAccessKey"]) for k, p in principals.items()}
    addr = backend.vpc_info(IAM_VPC)["serviceNetworkAddress"]
    return {"c": c, "sn": sn, "svc": svc, "name": svc["dnsEntry"]["domainName"], "addr": addr, "creds": creds,
            "org": org, "principals": principals, "backend": backend}


# ---- a resource gateway and a consumer VPC (test_resource_gateway, test_explain) -----------------

PROVIDER = "vpc-0a1a1a1a1a1a1a1a1"
CONSUMER = "vpc-0c2c2c2c2c2c2c2c2"


@pytest.fixture
def resource_layout(backend):
    """A provider VPC with a resource gateway, a service network, and a consumer VPC associated
    with it; returns (client, gateway, sn id, consumer vpc info, provider vpc info)."""
    c = backend.client()
    gw = c.create_resource_gateway(name="provider-gw", vpcIdentifier=PROVIDER, subnetIds=["subnet-0123456789abcdef0"])
    sn = c.create_service_network(name="resources")
    c.create_service_network_vpc_association(serviceNetworkIdentifier=sn["id"], vpcIdentifier=CONSUMER)
    return c, gw, sn["id"], backend.vpc_info(CONSUMER), backend.vpc_info(PROVIDER)
