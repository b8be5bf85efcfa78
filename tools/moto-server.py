"""moto's S3 server, with two changes that make it apply conditional writes as S3 does:

- Requests that write (PUT, POST, DELETE) run one at a time. moto checks `If-None-Match: *` and
  then writes, in two steps without a lock, so two writers racing for one key could both pass.
- CopyObject honours `If-None-Match: *` on the target (412 when the key is taken); moto 5.2.5
  ignores it there, although it honours it on PutObject and CompleteMultipartUpload.

Reads stay concurrent.

    python tools/moto-server.py HOST PORT
"""
import os
import sys
import threading
from urllib.parse import unquote

from werkzeug.serving import run_simple

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import s3_backends

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
moto = DomainDispatcherApplication(create_backend_app)
writes = threading.Lock()
TAKEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>'
    b"<Message>At least one of the pre-conditions you specified did not hold</Message>"
    b"<Condition>If-None-Match</Condition></Error>"
)


def taken(environ):
    """A path-style CopyObject with `If-None-Match: *` whose target exists."""
    if "HTTP_X_AMZ_COPY_SOURCE" not in environ or environ.get("HTTP_IF_NONE_MATCH") != "*":
        return False
    bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    try:
        return s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_object(bucket, key) is not None
    except Exception:
        return False


def app(environ, start_response):
    if environ["REQUEST_METHOD"] not in ("PUT", "POST", "DELETE"):
        return moto(environ, start_response)
    with writes:
        if taken(environ):
            start_response("412 Precondition Failed", [("Content-Type", "application/xml"),
                                                       ("Content-Length", str(len(TAKEN)))])
            return [TAKEN]
        # The whole answer is produced under the lock: the check and the write are one step.
        return list(moto(environ, start_response))


run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
