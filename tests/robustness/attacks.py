#!/usr/bin/env python3
"""Load attacks on poetry-node, loopback only, each bounded in time and count.

Runs one build of poetry-node (the dll given with --node) through each attack and prints one
JSON object per attack on stdout (the figures); run-robustness.sh runs it for our build and a
baseline and prints the table. Every node is started here on port 0 (the port is read back from
its log) with a deployment file of its own, and stopped (by pid) when the attack ends.

Attacks (figures):
  steady-reader    a 40 MB poem read steadily at about 1 MB/s: bytes received, how it ended
  sigterm-slow     1000 clients mid-way through a slow poem, then SIGTERM: resets vs clean closes
  transform-flood  15,000 half-sent 99999-byte transform requests held open: RSS before, peak and
                   30 s after, descriptors, a good client's p99 and failures during the flood
  unread-clients   300 clients that never read a 10 MB poem: the host's TCP memory, node RSS
  log-flood        10,000 bad transform requests: bytes and lines of log written
  get-ulimit       get of 3000 addresses under ulimit -n 512: failures and their wording
  proxy-half-close a client that half-closes (nc -N) during the proxy's first fetch: bytes received
"""
import argparse
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

LOOPBACK = "127.0.0.1"


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def tcp_mem_mb():
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                return int(parts[parts.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return 0.0


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Node:
    """One poetry-node process on a deployment of its own; its log is a file we read the port from."""

    def __init__(self, dll, work, name, services, settings=""):
        self.work = work
        self.log = os.path.join(work, f"{name}.log")
        self.deployment = os.path.join(work, f"{name}.hocon")
        with open(self.deployment, "w") as f:
            f.write("poetry.node { services = [\n" + "\n".join(services) + "\n] }\n" + settings + "\nakka.loglevel = INFO\n")
        self.out = open(os.path.join(work, f"{name}.out"), "w")
        self.proc = subprocess.Popen(
            ["dotnet", dll, "--pidfile=", "--logfile", self.log, "--logfile-size", "1000m", "run", self.deployment],
            stdout=self.out, stderr=subprocess.STDOUT, cwd=work)
        self.ports = self._wait_ports(len(services))

    def _wait_ports(self, count, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}: " + open(self.out.name).read()[-2000:])
            try:
                text = open(self.log, errors="replace").read()
            except OSError:
                text = ""
            ports = [int(p) for p in re.findall(r"listening on 127\.0\.0\.1:(\d+)", text)]
            if len(ports) >= count and "node started" in text:
                return ports
            time.sleep(0.1)
        raise RuntimeError("node did not start listening in time")

    @property
    def pid(self):
        return self.proc.pid

    def log_bytes(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def entry(**options):
    return "{ " + ", ".join(f'{k} = "{v}"' for k, v in options.items()) + " }"


def poem_file(work, name, size):
    path = os.path.join(work, name)
    line = b"Tyger Tyger, burning bright, In the forests of the night;\n"
    with open(path, "wb") as f:
        f.write((line * (size // len(line) + 1))[:size])
    return path


def read_to_end(sock, limit_s):
    """Reads until the peer closes; returns (bytes, 'clean close' | 'reset' | 'timeout')."""
    sock.settimeout(limit_s)
    total = 0
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return total, "clean close"
            total += len(data)
    except ConnectionResetError:
        return total, "reset"
    except socket.timeout:
        return total, "timeout"


# --- attacks -----------------------------------------------------------------------------------

def steady_reader(dll, work, size_mb=40, rate_mb=1.0):
    size = size_mb * 2**20
    poem = poem_file(work, "large.txt", size)
    node = Node(dll, work, "steady", [entry(name="large", kind="fastpoetry", poem=poem, port=0, iface=LOOPBACK)],
                "poetry.poems.max-bytes = 200m")
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.connect((LOOPBACK, node.ports[0]))
        start = time.time()
        total, how = 0, "timeout"
        s.settimeout(10)
        try:
            while time.time() - start < size_mb / rate_mb * 2 + 30:
                data = s.recv(64 * 1024)
                if not data:
                    how = "clean close"
                    break
                total += len(data)
                # Paced: never more than rate_mb ahead of the clock.
                ahead = total / (rate_mb * 2**20) - (time.time() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except ConnectionResetError:
            how = "reset"
        except socket.timeout:
            how = "timeout"
        s.close()
        whole = total == size
        return {"received_mb": round(total / 2**20, 1), "of_mb": size_mb, "ended": how, "whole": whole,
                "seconds": round(time.time() - start, 1),
                "silent_truncation": (how == "clean close" and not whole)}
    finally:
        node.stop()


def sigterm_slow(dll, work, clients=1000):
    poem = poem_file(work, "slow.txt", 3000)
    node = Node(dll, work, "slow", [entry(name="slow", kind="slowpoetry", poem=poem, port=0, iface=LOOPBACK,
                                          **{"num-bytes": 10, "delay": "0.1"})])
    socks = []
    try:
        for _ in range(clients):
            s = socket.create_connection((LOOPBACK, node.ports[0]), timeout=10)
            socks.append(s)
        # Every client has its first chunk: all are mid-poem.
        for s in socks:
            s.settimeout(10)
            s.recv(10)
        node.proc.send_signal(signal.SIGTERM)
        outcomes = {"clean close": 0, "reset": 0, "timeout": 0}
        partial = 0
        results = [None] * len(socks)

        def reader(i, s):
            results[i] = read_to_end(s, 30)

        threads = [threading.Thread(target=reader, args=(i, s)) for i, s in enumerate(socks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for total, how in results:
            outcomes[how] += 1
            if total + 10 < 3000:
                partial += 1
        return {"clients": clients, "resets": outcomes["reset"], "clean_closes": outcomes["clean close"],
                "timeouts": outcomes["timeout"], "partial_poems": partial,
                "partial_taken_for_whole": outcomes["clean close"] if partial else 0}
    finally:
        for s in socks:
            s.close()
        node.stop()


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_fds, self.running = pid, 0.0, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            self.peak_fds = max(self.peak_fds, fds(self.pid))
            time.sleep(0.25)


def good_client_loop(port, stop, latencies, failures):
    request = b"27:cummingsify.HERE IS MY POEM,"
    while not stop.is_set():
        t0 = time.time()
        try:
            s = socket.create_connection((LOOPBACK, port), timeout=5)
            s.sendall(request)
            total, how = 0, None
            data = b""
            s.settimeout(5)
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            if data == b"15:here is my poem,":
                latencies.append((time.time() - t0) * 1000)
            else:
                failures.append(f"got {data[:30]!r}")
        except OSError as e:
            failures.append(type(e).__name__)
        time.sleep(0.01)


def transform_flood(dll, work, attackers=15000, hold_s=8, after_s=30):
    node = Node(dll, work, "flood", [entry(name="xform", kind="transform", port=0, iface=LOOPBACK)])
    port = node.ports[0]
    try:
        # Warm up, then the idle figure.
        for _ in range(20):
            s = socket.create_connection((LOOPBACK, port), timeout=5)
            s.sendall(b"27:cummingsify.HERE IS MY POEM,")
            read_to_end(s, 5)
            s.close()
        time.sleep(2)
        idle = rss_mb(node.pid)
        sampler = RssSampler(node.pid)
        sampler.start()
        stop = threading.Event()
        latencies, failures = [], []
        good = threading.Thread(target=good_client_loop, args=(port, stop, latencies, failures), daemon=True)
        good.start()

        half = b"99999:shout." + b"a" * 99980
        socks, connect_failures = [], 0
        started = time.time()
        for _ in range(attackers):
            if time.time() - started > 60:
                break
            try:
                s = socket.create_connection((LOOPBACK, port), timeout=2)
                s.setblocking(False)
                try:
                    s.send(half)
                except (BlockingIOError, ConnectionResetError, BrokenPipeError):
                    pass
                socks.append(s)
            except OSError:
                connect_failures += 1
        sent_in = time.time() - started
        time.sleep(hold_s)
        stop.set()
        good.join(15)
        during_fds = sampler.peak_fds
        for s in socks:
            s.close()
        left = time.time()
        time.sleep(after_s)
        sampler.running = False
        after = rss_mb(node.pid)
        return {"attackers": len(socks), "connect_failures": connect_failures, "sent_in_s": round(sent_in, 1),
                "rss_idle_mb": round(idle), "rss_peak_mb": round(sampler.peak), f"rss_after_{after_s}s_mb": round(after),
                "after_over_idle": round(after / idle, 2) if idle else None, "fds_peak": during_fds,
                "good_requests": len(latencies), "good_failures": len(failures),
                "good_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
                "good_p99_ms": round(percentile(latencies, 99), 1) if latencies else None}
    finally:
        node.stop()


def unread_clients(dll, work, clients=300, size_mb=10):
    poem = poem_file(work, "unread.txt", size_mb * 2**20)
    node = Node(dll, work, "unread", [entry(name="big", kind="fastpoetry", poem=poem, port=0, iface=LOOPBACK)],
                "poetry.poems.max-bytes = 200m")
    socks = []
    try:
        time.sleep(1)
        before = tcp_mem_mb()
        for _ in range(clients):
            s = socket.socket()
            # Small on our side, so that what is measured is what the server queues.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            s.connect((LOOPBACK, node.ports[0]))
            socks.append(s)
        time.sleep(5)
        during = tcp_mem_mb()
        return {"clients": clients, "poem_mb": size_mb, "tcp_mem_before_mb": round(before),
                "tcp_mem_during_mb": round(during), "tcp_mem_added_mb": round(during - before),
                "node_rss_mb": round(rss_mb(node.pid)), "node_fds": fds(node.pid)}
    finally:
        for s in socks:
            s.close()
        node.stop()


def log_flood(dll, work, requests=10000, concurrency=50):
    node = Node(dll, work, "logflood", [entry(name="xform", kind="transform", port=0, iface=LOOPBACK)])
    port = node.ports[0]
    try:
        time.sleep(1)
        before = node.log_bytes()
        lines_before = open(node.log, errors="replace").read().count("\n")
        started = time.time()
        sel = selectors.DefaultSelector()
        sent = done = 0
        while done < requests:
            while sent < requests and sent - done < concurrency:
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex((LOOPBACK, port))
                sel.register(s, selectors.EVENT_WRITE, "connect")
                sent += 1
            for key, _ in sel.select(timeout=5):
                s = key.fileobj
                if key.data == "connect":
                    try:
                        s.send(b"5:nope!,")
                        sel.modify(s, selectors.EVENT_READ, "read")
                    except OSError:
                        sel.unregister(s); s.close(); done += 1
                else:
                    try:
                        data = s.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(s); s.close(); done += 1
            if time.time() - started > 120:
                break
        elapsed = time.time() - started
        time.sleep(12)  # the summaries come when their window closes
        text = open(node.log, errors="replace").read()
        return {"bad_requests": done, "seconds": round(elapsed, 1), "log_bytes": node.log_bytes() - before,
                "log_lines": text.count("\n") - lines_before,
                "summary_line": next((l[l.find("] ") + 2:] for l in text.splitlines() if "more like this" in l), None)}
    finally:
        node.stop()


def get_ulimit(dll, work, addresses=3000, limit=512):
    node = Node(dll, work, "getsrv", [entry(name="poem", kind="fastpoetry", poem=poem_file(work, "small.txt", 3000), port=0, iface=LOOPBACK)])
    try:
        args = " ".join([str(node.ports[0])] * addresses)
        run = subprocess.run(["/bin/sh", "-c", f"ulimit -n {limit} && exec dotnet {dll} get --no-progress {args}"],
                             capture_output=True, timeout=300)
        stderr = run.stderr.decode(errors="replace").splitlines()
        errors = [l for l in stderr if l.startswith("poetry-node get:")]
        wording = errors[0].split(": ", 2)[-1] if errors else None
        figures = {"addresses": addresses, "ulimit_n": limit, "exit_code": run.returncode, "failed": len(errors),
                   "poems_out": run.stdout.count(b"Tyger Tyger") // max(1, 3000 // 58), "first_reason": wording}
        if run.returncode < 0:
            figures["crashed"] = f"{signal.Signals(-run.returncode).name}: " + (stderr[-1][:160] if stderr else "")
        return figures
    finally:
        node.stop()


def proxy_half_close(dll, work):
    poem = poem_file(work, "proxied.txt", 200)
    node = Node(dll, work, "proxy", [
        entry(name="slow", kind="slowpoetry", poem=poem, port=0, iface=LOOPBACK, **{"num-bytes": 50, "delay": "0.5"})])
    try:
        proxy = Node(dll, work, "proxy2", [entry(name="cache", kind="proxy", upstream=f"{LOOPBACK}:{node.ports[0]}", port=0, iface=LOOPBACK)])
        try:
            s = socket.create_connection((LOOPBACK, proxy.ports[0]), timeout=5)
            s.shutdown(socket.SHUT_WR)
            total, how = read_to_end(s, 20)
            s.close()
            return {"poem_bytes": 200, "received": total, "ended": how}
        finally:
            proxy.stop()
    finally:
        node.stop()


ATTACKS = {
    "steady-reader": steady_reader,
    "sigterm-slow": sigterm_slow,
    "transform-flood": transform_flood,
    "unread-clients": unread_clients,
    "log-flood": log_flood,
    "get-ulimit": get_ulimit,
    "proxy-half-close": proxy_half_close,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--node", required=True, help="poetry-node.dll to attack")
    parser.add_argument("--only", default=",".join(ATTACKS), help="comma-separated attacks")
    args = parser.parse_args()
    for name in args.only.split(","):
        with tempfile.TemporaryDirectory(prefix=f"poetry-robust-{name}-") as work:
            started = time.time()
            try:
                figures = ATTACKS[name](args.node, work)
            except Exception as e:  # one broken attack must not hide the others' figures
                figures = {"error": f"{type(e).__name__}: {e}"[:300]}
            figures["attack"] = name
            figures["attack_seconds"] = round(time.time() - started, 1)
            print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
