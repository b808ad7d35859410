#!/usr/bin/python3
"""A Twisted transform server for the interop tests of our downloaders and TransformClient.

The tutorial's transform server (twisted-server-1/transformedpoetry.py), in Python 3: one
netstring request "<name>.<poem>" per connection, answered with one netstring holding the
transformed poem, then the connection is closed; an unknown transform, or a request without a
".", closes it with zero bytes. cummingsify lowercases (UTF-8).

Usage: /usr/bin/python3 transform_server_for_tests.py [--port 0]
Prints "listening on <port>" once bound; stops on SIGTERM or SIGINT.
"""
import argparse
import sys

from twisted.internet import reactor
from twisted.internet.protocol import ServerFactory
from twisted.protocols.basic import NetstringReceiver


class TransformService(object):
    def cummingsify(self, poem):
        return poem.decode("utf-8").lower().encode("utf-8")


class TransformProtocol(NetstringReceiver):
    def stringReceived(self, request):
        if b"." not in request:  # bad request
            self.transport.loseConnection()
            return
        xform_name, poem = request.split(b".", 1)
        self.xformRequestReceived(xform_name.decode("ascii", "replace"), poem)

    def xformRequestReceived(self, xform_name, poem):
        new_poem = self.factory.transform(xform_name, poem)
        if new_poem is not None:
            self.sendString(new_poem)
        self.transport.loseConnection()


class TransformFactory(ServerFactory):
    protocol = TransformProtocol

    def __init__(self, service):
        self.service = service

    def transform(self, xform_name, poem):
        thunk = getattr(self, "xform_%s" % (xform_name,), None)
        if thunk is None:  # no such transform
            return None
        try:
            return thunk(poem)
        except Exception:
            return None  # transform failed

    def xform_cummingsify(self, poem):
        return self.service.cummingsify(poem)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--iface", default="127.0.0.1")
    args = parser.parse_args()
    port = reactor.listenTCP(args.port, TransformFactory(TransformService()), interface=args.iface)
    print("listening on %d" % port.getHost().port, flush=True)
    reactor.run()  # Twisted stops the reactor on SIGTERM and SIGINT


if __name__ == "__main__":
    sys.exit(main())
