#!/usr/bin/python3
"""A Twisted poem server for the interop tests of our downloaders.

The tutorial's fast poetry server (twisted-server-1/fastpoetry.py), in Python 3: every client
that connects gets the whole poem, byte for byte, and the connection is closed; the close is the
end of the poem.

Usage: /usr/bin/python3 poem_server_for_tests.py --poem FILE [--port 0]
Prints "listening on <port>" once bound; stops on SIGTERM or SIGINT.
"""
import argparse
import sys

from twisted.internet import reactor
from twisted.internet.protocol import Protocol, ServerFactory


class PoetryProtocol(Protocol):
    def connectionMade(self):
        self.transport.write(self.factory.poem)
        self.transport.loseConnection()


class PoetryFactory(ServerFactory):
    protocol = PoetryProtocol

    def __init__(self, poem):
        self.poem = poem


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poem", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--iface", default="127.0.0.1")
    args = parser.parse_args()
    with open(args.poem, "rb") as f:
        poem = f.read()
    port = reactor.listenTCP(args.port, PoetryFactory(poem), interface=args.iface)
    print("listening on %d" % port.getHost().port, flush=True)
    reactor.run()  # Twisted stops the reactor on SIGTERM and SIGINT


if __name__ == "__main__":
    sys.exit(main())
