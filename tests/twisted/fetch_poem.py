"""Fetch one poem with Twisted, as the tutorial's clients do, and write its bytes to stdout.

    python3 fetch_poem.py HOST PORT [TIMEOUT_SECONDS]

Connects, reads until the server closes the connection, writes exactly the bytes received to
stdout and exits 0. A refused connection, a connection that ends with an error, or no clean
close within the timeout is reported on stderr and exits 1.
"""

import sys

from twisted.internet import error, protocol, reactor


class PoetryProtocol(protocol.Protocol):
    def dataReceived(self, data):
        self.factory.chunks.append(data)

    def connectionLost(self, reason):
        self.factory.poem_finished(reason)


class PoetryClientFactory(protocol.ClientFactory):
    protocol = PoetryProtocol

    def __init__(self):
        self.chunks = []
        self.outcome = None

    def poem_finished(self, reason):
        if reason.check(error.ConnectionDone):
            self.finish(0, None)
        else:
            self.finish(1, "connection lost: %s" % reason.getErrorMessage())

    def clientConnectionFailed(self, connector, reason):
        self.finish(1, "connection failed: %s" % reason.getErrorMessage())

    def finish(self, code, message):
        if self.outcome is not None:
            return
        self.outcome = (code, message)
        if reactor.running:
            reactor.stop()


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: fetch_poem.py HOST PORT [TIMEOUT_SECONDS]\n")
        return 2
    host, port = argv[1], int(argv[2])
    timeout = float(argv[3]) if len(argv) == 4 else 10.0

    factory = PoetryClientFactory()
    reactor.connectTCP(host, port, factory, timeout=timeout)
    reactor.callLater(timeout, factory.finish, 1, "no clean close within %s s" % timeout)
    reactor.run()

    code, message = factory.outcome or (1, "the reactor stopped without an outcome")
    if code == 0:
        sys.stdout.buffer.write(b"".join(factory.chunks))
        sys.stdout.buffer.flush()
    else:
        sys.stderr.write("fetch_poem: %s\n" % message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
