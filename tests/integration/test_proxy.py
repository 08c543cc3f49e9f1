"""The daemon behind an outbound proxy ([fhir] proxy, docs/connect-your-server.md "Behind a proxy").

A small CONNECT proxy on loopback records what passes through it (the CONNECT lines, their
Proxy-Authorization, every byte the client sent into each tunnel, and the local port of each
connection it opened). The real sandbox FHIR server sits behind a TLS front (the repository's
development certificates, with a SAN for fhir.proxy-test.invalid), and the configuration names the
server fhir.proxy-test.invalid: a name that never resolves (RFC 6761), so the adapter can reach it
only through the proxy, which maps it to 127.0.0.1. Checked: `run --once` completes through the
proxy; each tunnel starts with a TLS handshake record and never carries the plaintext request;
every connection the server saw came from the proxy; a 407 is named; the environment's
https_proxy is honoured and proxy = "none" ignores it; check-config finds proxy mistakes."""
import asyncio
import base64
import os
import ssl
import subprocess
import threading
import unittest

import harness as h

SERVER_NAME = "fhir.proxy-test.invalid"
CREDENTIALS = "fa-it:tunnel-pass-7"


async def pipe(reader, writer, record=None):
    """Copies reader to writer until either side ends; `record` receives the bytes."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if record is not None:
                record += data
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


class Loop:
    """An asyncio loop on a background thread for the proxy and the TLS front."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class ConnectProxy:
    def __init__(self, loop, names, require=None):
        self.names, self.require = names, require
        self.connects, self.authorizations, self.tunnels, self.upstream_ports = [], [], [], []
        self.server = loop.run(self._start())
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    async def _start(self):
        return await asyncio.start_server(self.handle, "127.0.0.1", 0)

    async def handle(self, reader, writer):
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        self.connects.append(lines[0])
        self.authorizations.append(headers.get("proxy-authorization"))
        if self.require and headers.get("proxy-authorization") != self.require:
            return await self.answer(writer, b"407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"it\"")
        method, authority, _ = lines[0].split(" ")
        host, port = authority.rsplit(":", 1)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.names.get(host, host), int(port))
        except OSError:
            return await self.answer(writer, b"502 Bad Gateway")
        self.upstream_ports.append(up_writer.get_extra_info("sockname")[1])
        record = bytearray()
        self.tunnels.append(record)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(pipe(reader, up_writer, record), pipe(up_reader, writer))

    async def answer(self, writer, status):
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


class TlsFront:
    """TLS termination in front of the sandbox (plain HTTP): the FHIR server the adapter sees."""

    def __init__(self, loop, certs):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(certs, "server.crt"), os.path.join(certs, "server.key"))
        self.context, self.peers, self.target_port = context, [], None
        self.server = loop.run(self._start())
        self.port = self.server.sockets[0].getsockname()[1]

    async def _start(self):
        return await asyncio.start_server(self.handle, "127.0.0.1", 0, ssl=self.context)

    async def handle(self, reader, writer):
        self.peers.append(writer.get_extra_info("peername")[1])
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def start_sandbox(seed_dir, public_base):
    """The sandbox FHIR server with its links written for the TLS front's public name."""
    sandbox = h.Sandbox.__new__(h.Sandbox)
    args = ["node", os.path.join(h.SANDBOX, "server.mjs"), "--port", "0", "--host", "127.0.0.1", "--seed-dir", seed_dir,
            "--public-base", public_base]
    sandbox.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = h._wait_line(sandbox.proc, "listening on")
    sandbox.base = line.split("listening on ")[1].strip()
    return sandbox


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir()
        cls.work = cls.tmp.__enter__()
        certs = os.path.join(cls.work, "certs")
        subprocess.run(["bash", os.path.join(h.SOURCE_DIR, "certs", "make-dev-certs.sh"), certs], check=True,
                       capture_output=True, env={**os.environ, "FA_CERT_EXTRA_SANS": f"DNS:{SERVER_NAME}"})
        cls.ca = os.path.join(certs, "ca.crt")
        cohort = os.path.join(cls.work, "cohort")
        subprocess.run(["node", os.path.join(h.SANDBOX, "cohort", "generate.mjs"), "--out", cohort, "--seed", "72",
                        "--subjects", "3"], check=True, capture_output=True)
        cls.subjects = os.path.join(cohort, "subjects.csv")
        cls.loop = Loop()
        cls.front = TlsFront(cls.loop, certs)
        cls.base = f"https://{SERVER_NAME}:{cls.front.port}/fhir"
        cls.sandbox = start_sandbox(cohort, cls.base)
        cls.front.target_port = int(cls.sandbox.base.rsplit(":", 1)[1].split("/")[0])
        cls.credentials_file = os.path.join(cls.work, "proxy-credentials")
        with open(cls.credentials_file, "w") as f:
            f.write(CREDENTIALS + "\n")
        os.chmod(cls.credentials_file, 0o600)
        cls.expected_authorization = "Basic " + base64.b64encode(CREDENTIALS.encode()).decode()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()
        cls.loop.stop()
        cls.tmp.__exit__(None, None, None)

    def proxy(self, require=True):
        return ConnectProxy(self.loop, {SERVER_NAME: "127.0.0.1"}, self.expected_authorization if require else None)

    def config(self, name, **fhir):
        work = os.path.join(self.work, name)
        os.makedirs(work)
        return h.write_config(work, self.base, self.subjects, fhir={"ca_file": self.ca, "max_attempts": 2, **fhir})

    def test_run_once_goes_through_the_proxy_with_tls_end_to_end(self):
        proxy = self.proxy()
        peers_before = len(self.front.peers)
        config = self.config("through", proxy=proxy.url, proxy_credentials_file=self.credentials_file)
        r = h.run("run", "--once", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertTrue(h.sync_log(r.stderr), r.stderr[-1000:])
        self.assertGreater(len(h.records(config)), 0)

        self.assertTrue(proxy.connects)
        self.assertEqual(set(proxy.connects), {f"CONNECT {SERVER_NAME}:{self.front.port} HTTP/1.1"})
        self.assertEqual(set(proxy.authorizations), {self.expected_authorization})
        for tunnel in proxy.tunnels:
            self.assertEqual(tunnel[0], 0x16)  # a TLS handshake record: the ClientHello
            for plaintext in (b"GET ", b"Observation", b"HTTP/1.1", b"Patient/"):
                self.assertNotIn(plaintext, bytes(tunnel))
        self.assertGreater(sum(len(t) for t in proxy.tunnels), 1000)
        # Every connection the server saw in this run was one the proxy opened.
        server_peers = self.front.peers[peers_before:]
        self.assertTrue(server_peers)
        self.assertTrue(set(server_peers) <= set(proxy.upstream_ports), (server_peers, proxy.upstream_ports))
        self.assertNotIn("tunnel-pass-7", r.stderr)

    def test_without_credentials_the_407_is_named(self):
        proxy = self.proxy()
        peers_before = len(self.front.peers)
        r = h.run("run", "--once", "--config", self.config("no-credentials", proxy=proxy.url))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"proxy 127.0.0.1:{proxy.port} asks for credentials (HTTP 407)", r.stderr)
        self.assertEqual(len(proxy.connects), 1)  # not retried
        self.assertEqual(len(self.front.peers), peers_before)

    def test_environment_proxy_is_honoured_and_none_ignores_it(self):
        proxy = self.proxy()
        env = {**os.environ, "https_proxy": proxy.url, "HTTPS_PROXY": "http://127.0.0.1:9"}  # lower case wins
        config = self.config("environment", proxy_credentials_file=self.credentials_file)
        r = subprocess.run([h.BINARY, "check-config", "--config", config], capture_output=True, text=True, env=env,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("is ready to run", r.stderr)
        self.assertEqual(proxy.connects, [f"CONNECT {SERVER_NAME}:{self.front.port} HTTP/1.1"])

        direct = self.config("none", proxy="none")
        r = subprocess.run([h.BINARY, "check-config", "--config", direct], capture_output=True, text=True, env=env,
                           timeout=120)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"cannot resolve {SERVER_NAME}", r.stderr)
        self.assertEqual(len(proxy.connects), 1)

    def test_check_config_finds_proxy_mistakes(self):
        malformed = os.path.join(self.work, "malformed-credentials")
        with open(malformed, "w") as f:
            f.write("only-a-password-here\n")
        r = h.run("check-config", "--offline", "--config",
                  self.config("mistakes", proxy="https://proxy.example:3128", no_proxy="10.0.0.0/40",
                              proxy_credentials_file=malformed))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("[fhir] proxy: only http:// proxy URLs are supported", r.stderr)
        self.assertIn("[fhir] no_proxy: no_proxy entry 10.0.0.0/40", r.stderr)
        self.assertIn(f"[fhir] proxy_credentials_file: {malformed} must hold user:password", r.stderr)
        self.assertNotIn("only-a-password-here", r.stderr)
        missing = os.path.join(self.work, "absent-credentials")
        r = h.run("check-config", "--offline", "--config",
                  self.config("missing", proxy="http://proxy.example:3128", proxy_credentials_file=missing))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"cannot read the proxy credentials file {missing}", r.stderr)


if __name__ == "__main__":
    unittest.main()
