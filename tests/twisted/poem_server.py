#!/usr/bin/python3
"""The Twisted tutorial's fast poetry server, as a test peer.

On every connection it writes the whole poem file, byte for byte, and closes.
It never reads from the client; the close is the only end-of-poem signal.

Once bound it prints exactly one line, "listening on <port>", to stdout.
SIGINT and SIGTERM stop the reactor and the process exits 0.

    /usr/bin/python3 tests/twisted/poem_server.py --poem poetry/ecstasy.txt [--port 0]
"""
import argparse
import signal
import sys

from twisted.internet import reactor
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.python import log
from twisted.python.logfile import LogFile


class PoetryProtocol(Protocol):
    def connectionMade(self):
        poem = self.factory.poem
        if self.factory.log:
            log.msg('sending %d bytes of poetry to %s'
                    % (len(poem), self.transport.getPeer()))
        self.transport.write(poem)
        self.transport.loseConnection()


class PoetryFactory(ServerFactory):
    protocol = PoetryProtocol

    def __init__(self, poem, log_connections):
        self.poem = poem
        self.log = log_connections


def main():
    # A non-interactive shell starts background jobs with SIGINT ignored, and Twisted only
    # takes over SIGINT when it has Python's default handler: put that back first.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--poem', required=True, help='file to serve (sent as raw bytes)')
    parser.add_argument('--port', type=int, default=0, help='TCP port (default 0: any free port)')
    parser.add_argument('--iface', default='127.0.0.1', help='interface to bind (default 127.0.0.1)')
    parser.add_argument('--backlog', type=int, default=50,
                        help="listen backlog (default 50, Twisted's own default)")
    parser.add_argument('--log', action='store_true',
                        help='log each connection to stderr (default: quiet, for benchmarks)')
    parser.add_argument('--logfile', metavar='PATH',
                        help="log each connection to PATH, as twistd --logfile does (a LogFile "
                             "rotated at 1 MB); implies --log")
    args = parser.parse_args()

    with open(args.poem, 'rb') as f:
        poem = f.read()
    if args.logfile:
        args.log = True
        log.startLogging(LogFile.fromFullPath(args.logfile), setStdout=False)
    elif args.log:
        log.startLogging(sys.stderr, setStdout=False)
    if args.log:
        log.msg('loaded a poem from: %s' % (args.poem,))

    port = reactor.listenTCP(args.port, PoetryFactory(poem, args.log),
                             backlog=args.backlog, interface=args.iface)
    print('listening on %d' % (port.getHost().port,), flush=True)
    reactor.run()  # installs SIGINT/SIGTERM handlers that stop the reactor


if __name__ == '__main__':
    main()
