"""moto's S3 server, with one change: requests that write (PUT, POST, DELETE) run one at a time.

moto checks a conditional write (`If-None-Match: *`) and then writes, in two steps without a
lock, so two writers racing for one key can both pass the check. S3 applies the condition
atomically; serializing writes makes the test server do the same. Reads stay concurrent.

    python tools/moto-server.py HOST PORT
"""
import os
import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
moto = DomainDispatcherApplication(create_backend_app)
writes = threading.Lock()


def app(environ, start_response):
    if environ["REQUEST_METHOD"] in ("PUT", "POST", "DELETE"):
        with writes:
            # The whole answer is produced under the lock: the check and the write are one step.
            return list(moto(environ, start_response))
    return moto(environ, start_response)


run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
