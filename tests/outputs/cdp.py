"""Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
commands on fd 3, answers on fd 4, each a JSON text ended by NUL), with nothing but the
Python standard library. Used by report_print.py (the report printed and measured) and
bench/report_open.py (how long the report takes to open)."""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time


class Chrome:
    def __init__(self, exe="chromium"):
        self.profile = tempfile.mkdtemp(prefix="bqw-cdp-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        # as root Chromium needs --no-sandbox; the network flags keep it from calling home
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=120):
        end = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m["method"] == method:
                    del self.events[i]
                    return m
            if time.monotonic() > end:
                raise RuntimeError("no %s within %d s" % (method, timeout))
            m = self._read()
            if "method" in m:
                self.events.append(m)

    def open(self, url):
        """Navigates to url; seconds until its load event (its scripts have run)."""
        self.events = []
        start = time.monotonic()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        return time.monotonic() - start

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("script: %s" % json.dumps(r["exceptionDetails"])[:800])
        return r["result"].get("value")

    def console_errors(self):
        return [m for m in self.events if m["method"] in ("Runtime.exceptionThrown",)
                or (m["method"] == "Runtime.consoleAPICalled" and m["params"].get("type") == "error")]

    def pdf(self, width_in, height_in, pages=""):
        """The page printed on paper of that size (inches), its CSS @page margins kept;
        pages: a range such as "1-4", or "" for all."""
        r = self.call("Page.printToPDF", {"paperWidth": width_in, "paperHeight": height_in,
                                          "printBackground": True, "displayHeaderFooter": False,
                                          "preferCSSPageSize": False, "pageRanges": pages})
        return base64.b64decode(r["data"])

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
