#!/usr/bin/python3
"""A Twisted netstring client for transform servers, as a test peer.

Sends one request, the netstring "<transform>.<poem>", and writes the payload of
the reply netstring (raw bytes, no framing) to stdout, like the tutorial's
TransformClientProtocol: the first netstring is the reply, then it closes.

Exit codes: 0 a reply arrived; 3 the server closed without a reply ("no reply"
on stderr); 2 the connection failed or --timeout passed (reason on stderr).

    /usr/bin/python3 tests/twisted/netstring_client.py --port P --transform cummingsify \\
        --poem-file poetry/ecstasy.txt      # or the poem on stdin
"""
import argparse
import sys

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.protocols.basic import NetstringReceiver


class TransformClientProtocol(NetstringReceiver):
    def __init__(self, request, max_length):
        self.request = request
        self.MAX_LENGTH = max_length
        self.reply = None                 # the first netstring received, if any
        self.finished = defer.Deferred()  # fires with self.reply once the connection is gone

    def connectionMade(self):
        self.sendString(self.request)

    def stringReceived(self, s):
        if self.reply is None:
            self.reply = s
        self.transport.loseConnection()

    def connectionLost(self, reason):
        self.finished.callback(self.reply)


@defer.inlineCallbacks
def exchange(args, request):
    """Connect, send, wait for the close. Returns the reply bytes or None."""
    endpoint = TCP4ClientEndpoint(reactor, args.host, args.port, timeout=args.timeout)
    proto = yield connectProtocol(endpoint, TransformClientProtocol(request, args.max_length))
    # Never wait forever for a silent server: abort, and report it as a timeout.
    timer = reactor.callLater(args.timeout, proto.transport.abortConnection)
    reply = yield proto.finished
    if not timer.active():
        raise defer.TimeoutError('no reply within %gs' % (args.timeout,))
    timer.cancel()
    return reply


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, required=True, help='transform server port')
    parser.add_argument('--host', default='127.0.0.1', help='transform server host (default 127.0.0.1)')
    parser.add_argument('--transform', required=True, help='transform name, e.g. cummingsify')
    parser.add_argument('--poem-file', default='-', help='poem to send (default "-": stdin)')
    parser.add_argument('--timeout', type=float, default=10.0,
                        help='seconds allowed to connect, and again to get the reply (default 10)')
    parser.add_argument('--max-length', type=int, default=10_000_000,
                        help='longest reply accepted (default 10000000)')
    args = parser.parse_args()

    if args.poem_file == '-':
        poem = sys.stdin.buffer.read()
    else:
        with open(args.poem_file, 'rb') as f:
            poem = f.read()
    request = args.transform.encode('utf-8') + b'.' + poem

    outcome = []

    def done(result):
        outcome.append(result)
        reactor.stop()

    reactor.callWhenRunning(lambda: exchange(args, request).addBoth(done))
    reactor.run()

    if not outcome:  # stopped by a signal
        print('interrupted', file=sys.stderr)
        sys.exit(2)
    result = outcome[0]
    if isinstance(result, bytes):
        sys.stdout.buffer.write(result)
        sys.stdout.buffer.flush()
        sys.exit(0)
    if result is None:
        print('no reply', file=sys.stderr)
        sys.exit(3)
    print(result.getErrorMessage(), file=sys.stderr)  # a Failure
    sys.exit(2)


if __name__ == '__main__':
    main()
