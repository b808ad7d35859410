#!/usr/bin/python3
"""The Twisted tutorial's transform server (Parts 12-16), as a test peer.

Netstring protocol (twisted.protocols.basic.NetstringReceiver). A request is one
netstring whose payload is "<name>.<poem>", split at the first ".". The reply is
one netstring holding the transformed poem, then the server closes. An unknown
transform, a payload with no ".", bad framing, a netstring longer than
--max-length, or a transform that fails all end in a close with nothing sent.

cummingsify lowercases. The 2010 original ran on Python 2 byte strings; here the
poem is decoded as UTF-8 and lowercased with str.lower() (Unicode-aware), so
invalid UTF-8 is a failed transform.

Once bound it prints exactly one line, "listening on <port>", to stdout.
SIGINT and SIGTERM stop the reactor and the process exits 0.

    printf '27:cummingsify.HERE IS MY POEM,' | <connect to the port>  ->  15:here is my poem,
"""
import argparse
import signal
import sys

from twisted.internet import reactor
from twisted.internet.protocol import ServerFactory
from twisted.protocols.basic import NetstringReceiver
from twisted.python import log


class TransformService(object):
    def cummingsify(self, poem):
        return poem.decode('utf-8').lower().encode('utf-8')


class TransformProtocol(NetstringReceiver):
    answered = False

    def connectionMade(self):
        self.MAX_LENGTH = self.factory.max_length

    def stringReceived(self, request):
        # One request per connection: anything after the first netstring is ignored.
        if self.answered:
            return
        self.answered = True
        if b'.' not in request:  # bad request
            self.factory.note('no "." in the request from %s' % (self.transport.getPeer(),))
            self.transport.loseConnection()
            return
        xform_name, poem = request.split(b'.', 1)
        self.xformRequestReceived(xform_name, poem)

    def xformRequestReceived(self, xform_name, poem):
        new_poem = self.factory.transform(xform_name, poem)
        if new_poem is not None:
            self.sendString(new_poem)
        self.transport.loseConnection()

    def _handleParseError(self):
        # Bad framing or too long: NetstringReceiver closes without replying.
        self.factory.note('bad netstring from %s' % (self.transport.getPeer(),))
        NetstringReceiver._handleParseError(self)


class TransformFactory(ServerFactory):
    protocol = TransformProtocol

    def __init__(self, service, max_length, log_connections):
        self.service = service
        self.max_length = max_length
        self.log = log_connections

    def note(self, message):
        if self.log:
            log.msg(message)

    def transform(self, xform_name, poem):
        thunk = getattr(self, 'xform_%s' % (xform_name.decode('ascii', 'replace'),), None)
        if thunk is None:  # no such transform
            self.note('unknown transform %r' % (xform_name,))
            return None
        try:
            return thunk(poem)
        except Exception as e:  # transform failed
            self.note('transform %r failed: %s' % (xform_name, e))
            return None

    def xform_cummingsify(self, poem):
        return self.service.cummingsify(poem)


def main():
    # A non-interactive shell starts background jobs with SIGINT ignored, and Twisted only
    # takes over SIGINT when it has Python's default handler: put that back first.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, default=0, help='TCP port (default 0: any free port)')
    parser.add_argument('--iface', default='127.0.0.1', help='interface to bind (default 127.0.0.1)')
    parser.add_argument('--max-length', type=int, default=NetstringReceiver.MAX_LENGTH,
                        help='longest netstring payload accepted (default %(default)s)')
    parser.add_argument('--backlog', type=int, default=50,
                        help="listen backlog (default 50, Twisted's own default)")
    parser.add_argument('--log', action='store_true',
                        help='log refused requests to stderr (default: quiet)')
    args = parser.parse_args()

    if args.log:
        log.startLogging(sys.stderr, setStdout=False)
    factory = TransformFactory(TransformService(), args.max_length, args.log)
    port = reactor.listenTCP(args.port, factory, backlog=args.backlog, interface=args.iface)
    print('listening on %d' % (port.getHost().port,), flush=True)
    reactor.run()  # installs SIGINT/SIGTERM handlers that stop the reactor


if __name__ == '__main__':
    main()
