#!/usr/bin/python3
"""A slow poetry server, as a test peer (the tutorial's slowpoetry.py, on Twisted).

On every connection it sends the poem in chunks of --num-bytes bytes, one chunk
every --delay seconds (the first at once), and closes one delay after the last
chunk. Unlike the blocking original it serves all connections at once.

Once bound it prints exactly one line, "listening on <port>", to stdout.
SIGINT and SIGTERM stop the reactor and the process exits 0.

    /usr/bin/python3 tests/twisted/slow_poem_server.py --poem poetry/ecstasy.txt --num-bytes 10 --delay 0.1
"""
import argparse
import signal

from twisted.internet import reactor, task
from twisted.internet.protocol import Protocol, ServerFactory


class SlowPoetryProtocol(Protocol):
    def connectionMade(self):
        self.offset = 0
        self.loop = task.LoopingCall(self.send_next)
        self.loop.start(self.factory.delay, now=True)

    def send_next(self):
        poem, n = self.factory.poem, self.factory.num_bytes
        if self.offset >= len(poem):  # one delay after the last chunk
            self.loop.stop()
            self.transport.loseConnection()
            return
        self.transport.write(poem[self.offset:self.offset + n])
        self.offset += n

    def connectionLost(self, reason):
        if self.loop.running:  # the client went away early
            self.loop.stop()


class SlowPoetryFactory(ServerFactory):
    protocol = SlowPoetryProtocol

    def __init__(self, poem, num_bytes, delay):
        self.poem, self.num_bytes, self.delay = poem, num_bytes, delay


def main():
    # A non-interactive shell starts background jobs with SIGINT ignored, and Twisted only
    # takes over SIGINT when it has Python's default handler: put that back first.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--poem', required=True, help='file to serve (sent as raw bytes)')
    parser.add_argument('--num-bytes', type=int, default=10, help='bytes per chunk (default 10)')
    parser.add_argument('--delay', type=float, default=0.7, help='seconds between chunks (default 0.7)')
    parser.add_argument('--port', type=int, default=0, help='TCP port (default 0: any free port)')
    parser.add_argument('--iface', default='127.0.0.1', help='interface to bind (default 127.0.0.1)')
    args = parser.parse_args()
    if args.num_bytes < 1 or args.delay < 0:
        parser.error('--num-bytes must be >= 1 and --delay >= 0')

    with open(args.poem, 'rb') as f:
        poem = f.read()
    factory = SlowPoetryFactory(poem, args.num_bytes, args.delay)
    port = reactor.listenTCP(args.port, factory, interface=args.iface)
    print('listening on %d' % (port.getHost().port,), flush=True)
    reactor.run()  # installs SIGINT/SIGTERM handlers that stop the reactor


if __name__ == '__main__':
    main()
