"""A real browser for the web UI's tests: Debian's `chromium`, headless, driven over the W3C
WebDriver protocol by `chromedriver` (both installed by scripts/setup). A few calls are all the
tests need, so they are made here with urllib instead of a client library."""

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


class Browser:
    def __init__(self, profile):
        # A free port can be taken between finding it and chromedriver binding it (tests run in
        # parallel), and a first start on a busy machine can be slow: a few tries, each on a
        # fresh port.
        for _ in range(3):
            if self._start_driver(timeout=30):
                break
            self.quit()
        else:
            raise RuntimeError("chromedriver did not start in 3 tries")
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--window-size=1500,1000"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _start_driver(self, timeout):
        """Starts chromedriver on a free port; True once it is ready."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            try:
                if self._call("GET", "/status")["ready"]:
                    return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        return False

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.read()[:2000]!r}") from None

    def _session(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self._session("POST", "/url", {"url": url})

    def run(self, script, *args):
        """Runs `script` (a function body; `arguments` holds `args`) in the page; its return value."""
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, *args, timeout=20, what="the page"):
        """Polls `script` until it returns something truthy; that value."""
        deadline = time.time() + timeout
        while True:
            value = self.run(script, *args)
            if value:
                return value
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {script}")
            time.sleep(0.2)

    def click(self, css):
        self.run("document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true}))", css)

    def screenshot(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._session("GET", "/screenshot")))

    def quit(self):
        try:
            if getattr(self, "session", None):
                self._session("DELETE", "")
        except (OSError, RuntimeError, urllib.error.URLError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
