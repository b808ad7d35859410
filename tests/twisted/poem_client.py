#!/usr/bin/python3
"""The Twisted tutorial's poetry client, as a test peer.

Fetches every address at once with the tutorial's client protocol (connect, read
until the server closes) and gathers the outcomes with a DeferredList, then writes
one JSON array to stdout, in the order the addresses were given:

    [{"address": "10000", "ok": true, "poem_b64": "..."},
     {"address": "localhost:10001", "ok": false, "error": "Connection was refused ..."}]

"address" is the argument as given. Like the original, any close ends the poem
successfully; only a failed connection (or --timeout) is an error.
Exit code 0 when every fetch succeeded, 1 otherwise (the JSON is written either way).

    /usr/bin/python3 tests/twisted/poem_client.py 10000 localhost:10001
"""
import argparse
import base64
import json
import sys

from twisted.internet import defer, reactor
from twisted.internet.protocol import ClientFactory, Protocol


class PoetryProtocol(Protocol):
    def connectionMade(self):
        self.chunks = []

    def dataReceived(self, data):
        self.chunks.append(data)

    def connectionLost(self, reason):
        self.factory.poem_finished(b''.join(self.chunks))


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


def parse_address(addr):
    """PORT means 127.0.0.1:PORT; otherwise HOST:PORT."""
    host, sep, port = addr.rpartition(':')
    return (host if sep else '127.0.0.1'), int(port)


def get_poetry(address, timeout):
    host, port = parse_address(address)
    d = defer.Deferred()
    factory = PoetryClientFactory(d)
    connector = reactor.connectTCP(host, port, factory, timeout=timeout)

    def give_up():  # never hang on a silent server
        pending, factory.deferred = factory.deferred, None
        connector.disconnect()
        if pending is not None:
            pending.errback(defer.TimeoutError('no close from %s within %gs' % (address, timeout)))
    timer = reactor.callLater(timeout, give_up)

    def stop_timer(result):
        if timer.active():
            timer.cancel()
        return result
    return d.addBoth(stop_timer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('addresses', nargs='+', metavar='PORT|HOST:PORT')
    parser.add_argument('--timeout', type=float, default=10.0,
                        help='seconds allowed per poem (default 10)')
    args = parser.parse_args()
    for a in args.addresses:
        try:
            parse_address(a)
        except ValueError:
            parser.error('bad address: %r' % (a,))

    results = []

    def all_done(outcomes):
        results.extend(outcomes)
        reactor.stop()

    def start():
        ds = [get_poetry(a, args.timeout) for a in args.addresses]
        defer.DeferredList(ds, consumeErrors=True).addCallback(all_done)

    reactor.callWhenRunning(start)
    reactor.run()
    if not results:  # stopped by a signal
        sys.exit(2)

    report = []
    for address, (ok, value) in zip(args.addresses, results):
        if ok:
            report.append({'address': address, 'ok': True,
                           'poem_b64': base64.b64encode(value).decode('ascii')})
        else:
            report.append({'address': address, 'ok': False, 'error': value.getErrorMessage()})
    json.dump(report, sys.stdout)
    sys.stdout.write('\n')
    sys.exit(0 if all(ok for ok, _ in results) else 1)


if __name__ == '__main__':
    main()
