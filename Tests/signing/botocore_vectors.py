"""Signs generated requests with botocore, the reference our signer is compared against.

Writes a JSON array: each case holds the request (wire URL, header pairs, body, credentials,
service, region, time) and the headers botocore produced. The Swift test signs the same
requests and must produce the same Authorization header. Seeded: the same file every run.
"""
import datetime
import json
import random
import sys
from urllib.parse import quote

import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNING_TIME = datetime.datetime(2015, 8, 30, 12, 36, 0)
# botocore reads the clock through this module-level name.
botocore.auth.get_current_datetime = lambda: SIGNING_TIME

SEGMENTS = ["a", "photos", "my file", "ünïcödé", "日本", "x+y", "a=b", "%41", "~tilde", "semi;colon",
            "..", ".", "", "key(1)", "emoji-😀", "dots.in.name", "*star", "@at", "comma,sep"]
QUERY_KEYS = ["a", "B", "prefix", "list-type", "empty", "ü", "k y", "x+y", "Param", "param", "~t", "*"]
QUERY_VALUES = ["", "1", "two words", "ü", "a/b", "a=b", "x&y", "+", "%", "~", "日本"]
HEADER_VALUES = ["value", "  padded  ", "a   b   c", "\"quoted   text\"", "UPPER", "mixed Case", "ü"]


def case(rng: random.Random, n: int) -> dict:
    s3 = rng.random() < 0.4
    service = "s3" if s3 else rng.choice(["ec2", "cloudformation", "service", "codebuild"])
    region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
    segments = [rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4))]
    if s3:  # S3 keys have no dot segments or empty segments worth normalising
        segments = [s for s in segments if s not in ("", ".", "..")]
    raw_path = "/" + "/".join(segments) + ("/" if rng.random() < 0.2 else "")
    wire_path = quote(raw_path, safe="/~")
    pairs = [(rng.choice(QUERY_KEYS), rng.choice(QUERY_VALUES)) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.15 and pairs:
        pairs.append(pairs[0])  # a repeated key with the same value
    query = "&".join(quote(k, safe="-_.~") + "=" + quote(v, safe="-_.~") for k, v in pairs)
    host = f"{service}.{region}.amazonaws.com" if rng.random() < 0.7 else f"127.0.0.1:{rng.randint(1024, 65535)}"
    scheme = "https" if rng.random() < 0.6 else "http"
    url = f"{scheme}://{host}{wire_path}" + (f"?{query}" if query else "")
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD"])
    body = ""
    if method in ("POST", "PUT") and rng.random() < 0.8:
        body = rng.choice(["Action=DescribeImages&Version=2016-11-15", '{"a":1}', "ünïcödé body", "x" * rng.randint(1, 300)])
    headers = []
    used = set()
    for _ in range(rng.randint(0, 3)):
        name = rng.choice(["X-Custom", "x-amz-meta-Thing", "Content-Type", "My-Header", "X-Amz-Target", "x-amz-acl"])
        if name.lower() in used:
            continue
        used.add(name.lower())
        headers.append([name, rng.choice(HEADER_VALUES)])
    token = None
    if rng.random() < 0.3:
        token = "FwoGZXIvYXdzE" + "".join(rng.choice("ABCDEFabcdef0123456789/+=") for _ in range(40))
    access_key = "AKID" + str(n).zfill(8)
    secret = "secret/" + "".join(rng.choice("ABCDEFabcdef0123456789/+") for _ in range(32))

    request = AWSRequest(method=method, url=url, data=body.encode(), headers=dict(headers))
    auth_cls = S3SigV4Auth if s3 else SigV4Auth
    auth_cls(Credentials(access_key, secret, token), service, region).add_auth(request)
    expected = {k.lower(): v for k, v in request.headers.items()
                if k.lower() in ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")}
    return {"service": service, "region": region, "method": method, "url": url, "headers": headers,
            "body": body, "accessKeyId": access_key, "secretAccessKey": secret, "sessionToken": token,
            "time": "20150830T123600Z", "expected": expected}


def main() -> None:
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rng = random.Random(20150830)
    cases = [case(rng, n) for n in range(count)]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
