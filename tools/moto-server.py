"""moto's S3 server, with two changes that make it apply conditional writes as S3 does:

- Requests that write (PUT, POST, DELETE) run one at a time. moto checks `If-None-Match: *` and
  then writes, in two steps without a lock, so two writers racing for one key could both pass.
- CopyObject honours `If-None-Match: *` on the target (412 when the key is taken); moto 5.2.5
  ignores it there, although it honours it on PutObject and CompleteMultipartUpload.

Reads stay concurrent.

- A listing with a prefix finds the prefix in a sorted index of the bucket's keys, as S3 does,
  instead of moto's scan of every key in the bucket for every request (one listing of 100 keys in
  a bucket of 30,000 took 150 ms, which made a benchmark of 200 listings measure moto's scan). The
  index is rebuilt after any write; the listing's answer is moto's own, from the same keys.
- ListObjectsV2 answers are written out directly from the result moto computed, not through
  moto's generic serializer, which spends about 0.25 ms per key under the GIL (a page of 100 keys
  took 25 ms of the server's only CPU, so every client measured moto, not itself).

    python tools/moto-server.py HOST PORT
"""
import bisect
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
from moto.s3.models import S3Backend, s3_backends
from moto.s3.responses import S3Response
from xml.sax.saxutils import escape

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


generation = [0]  # bumped after every write, under `writes`
indexes = {}  # bucket name -> (generation, sorted key names)
scan = S3Backend.list_objects


class Narrowed:
    """A bucket seen through the keys of one prefix, for moto's own listing code."""

    def __init__(self, keys):
        self.keys = keys


def list_objects(self, bucket, prefix, delimiter, marker, max_keys):
    if not prefix or type(bucket).__name__ == "FakeTableStorageBucket":
        return scan(self, bucket, prefix, delimiter, marker, max_keys)
    seen = generation[0]
    cached = indexes.get(bucket.name)
    if cached is None or cached[0] != seen:
        cached = (seen, sorted(bucket.keys.keys()))
        indexes[bucket.name] = cached
    names = cached[1]
    keys = {}
    for name in names[bisect.bisect_left(names, prefix):]:
        if not name.startswith(prefix):
            break
        key = bucket.keys.get(name)
        if key is not None:
            keys[name] = key
    return scan(self, Narrowed(keys), prefix, delimiter, marker, max_keys)


S3Backend.list_objects = list_objects
serialize = S3Response.serialized


def element(name, value):
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, dict):
        value = "".join(element(k, v) for k, v in value.items())
        return f"<{name}>{value}</{name}>"
    if isinstance(value, list):
        return "".join(element(name, v) for v in value)
    return f"<{name}>{escape(str(value))}</{name}>"


ORDER = ["IsTruncated", "Contents", "Name", "Prefix", "Delimiter", "MaxKeys", "CommonPrefixes",
         "EncodingType", "KeyCount", "NextContinuationToken", "StartAfter"]
ITEM = ["Key", "LastModified", "ETag", "ChecksumAlgorithm", "Size", "StorageClass", "Owner"]


def serialized(self, action_result):
    result = getattr(action_result, "result", None)
    if self.data.get("Action") != "ListObjectsV2" or not isinstance(result, dict):
        return serialize(self, action_result)
    result = dict(result)
    result["Contents"] = [{k: item[k] for k in ITEM if k in item} for item in result["Contents"]]
    body = "".join(element(k, result[k]) for k in ORDER if k in result)
    body = ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{body}</ListBucketResult>')
    headers = {"Content-Type": "application/xml"}
    headers.update(self.response_headers)
    return 200, headers, body


S3Response.serialized = serialized


def app(environ, start_response):
    if environ["REQUEST_METHOD"] not in ("PUT", "POST", "DELETE"):
        return moto(environ, start_response)
    with writes:
        if taken(environ):
            start_response("412 Precondition Failed", [("Content-Type", "application/xml"),
                                                       ("Content-Length", str(len(TAKEN)))])
            return [TAKEN]
        # The whole answer is produced under the lock: the check and the write are one step.
        try:
            return list(moto(environ, start_response))
        finally:
            generation[0] += 1


run_simple(host, port, app, threaded=True, request_handler=MotoRequestHandler)
