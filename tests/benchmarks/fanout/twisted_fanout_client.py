#!/usr/bin/python3
"""Twisted's DeferredList client for the fan-out benchmark.

The tutorial's client 8 (twisted-client-8/get-poetry.py) without the transform: one get_poetry
Deferred per address, a DeferredList(consumeErrors=True) over them all, and reactor.stop() when
it fires. Like exercise 4 for client 8, it prints nothing until every poem is in, then prints the
poems in request order (with the same blank line between poems as poetry-node get, so that the
two outputs can be compared byte for byte). As in the original, any close counts as success.

Usage: /usr/bin/python3 twisted_fanout_client.py ADDR...   (PORT or HOST:PORT)
Writes the poems to stdout and, on stderr, one line:
  "fanout: <N> poems, <F> failed, <seconds> s"
where the time runs from the first connectTCP to the DeferredList firing, the figure comparable
to poetry-node get --json's summary.elapsed_ms.
"""
import sys
import time

from twisted.internet import defer
from twisted.internet.protocol import ClientFactory, Protocol


class PoetryProtocol(Protocol):
    def connectionMade(self):
        self.chunks = []

    def dataReceived(self, data):
        self.chunks.append(data)

    def connectionLost(self, reason):
        self.factory.poem_finished(b"".join(self.chunks))


class PoetryClientFactory(ClientFactory):
    protocol = PoetryProtocol

    def __init__(self, deferred):
        self.deferred = deferred

    def poem_finished(self, poem):
        if self.deferred is not None:
            d, self.deferred = self.deferred, None
            d.callback(poem)

    def clientConnectionFailed(self, connector, reason):
        if self.deferred is not None:
            d, self.deferred = self.deferred, None
            d.errback(reason)


def get_poetry(reactor, host, port):
    d = defer.Deferred()
    reactor.connectTCP(host, port, PoetryClientFactory(d))
    return d


def parse_address(text):
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port))


def main():
    addresses = [parse_address(a) for a in sys.argv[1:]]
    from twisted.internet import reactor

    outcome = {}
    start = time.perf_counter()

    def got_results(results):
        elapsed = time.perf_counter() - start
        out = sys.stdout.buffer
        failed = 0
        printed_any = False
        last_ended_line = True
        for (ok, value), (host, port) in zip(results, addresses):
            if not ok:
                failed += 1
                print("twisted_fanout_client: %s:%d: %s" % (host, port, value.getErrorMessage()), file=sys.stderr)
                continue
            if printed_any:
                out.write(b"\n" if last_ended_line else b"\n\n")
            out.write(value)
            printed_any = True
            if value:
                last_ended_line = value.endswith(b"\n")
        out.flush()
        print("fanout: %d poems, %d failed, %.3f s" % (len(results), failed, elapsed), file=sys.stderr)
        outcome["failed"] = failed
        reactor.stop()

    ds = [get_poetry(reactor, host, port) for host, port in addresses]
    dlist = defer.DeferredList(ds, consumeErrors=True)
    dlist.addCallback(got_results)
    reactor.run()
    return 1 if outcome.get("failed", 1) else 0


if __name__ == "__main__":
    sys.exit(main())
