"""Parses the recorded XML answers (Tests/xml/answers/<service>.<Operation>[.<case>].xml) with
botocore, the reference our XML → JSON rule is compared against, and writes a JSON array: each
case holds the file name, service, operation, the XML text and the JSON botocore's parse
stands for in our form. The Swift test (XMLAnswersTests) decodes the same bytes and must
produce the same JSON, types included.

Our form differs from botocore's dict by naming only, which this script undoes:
- keys are the XML element names (`imagesSet`, not `Images`); a flattened list is named by its
  items' element (`Contents`);
- the root element is dropped, the query protocol's `<Operation>Result` wrapper is kept;
- a list member that is absent is `[]`;
- timestamps are ISO 8601 text as aws CLI v2 prints them (`datetime.isoformat()`), blobs base64.

    build/venv/bin/python Tests/xml/botocore_answers.py OUT.json
"""
import base64
import datetime
import json
import pathlib
import sys

import botocore.session
from botocore.parsers import create_parser

ANSWERS = pathlib.Path(__file__).parent / "answers"


def ours(shape, value):
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue
            flattened = member.type_name == "list" and member.serialization.get("flattened")
            key = member.serialization.get("name", name)
            if flattened:
                key = member.member.serialization.get("name") or key
            if name in value:
                out[key] = ours(member, value[name])
            elif member.type_name == "list":
                out[key] = []
        return out
    if kind == "list":
        return [ours(shape.member, v) for v in value]
    if kind == "map":
        return {k: ours(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return value.isoformat() if isinstance(value, datetime.datetime) else value
    if kind == "blob":
        return base64.b64encode(value).decode()
    return value


def expected(model, operation, body):
    shape = model.operation_model(operation).output_shape
    if shape is None:
        return {}
    parsed = create_parser(model.protocol).parse({"body": body, "headers": {}, "status_code": 200}, shape)
    payload = shape.serialization.get("payload")
    if payload:
        return ours(shape.members[payload], parsed.get(payload, {}))
    value = ours(shape, parsed)
    wrapper = shape.serialization.get("resultWrapper")
    return {wrapper: value} if wrapper else value


def main():
    session = botocore.session.get_session()
    cases = []
    for path in sorted(ANSWERS.glob("*.xml")):
        service, operation = path.name.split(".")[:2]
        body = path.read_bytes()
        cases.append({
            "file": path.name, "service": service, "operation": operation, "xml": body.decode(),
            "expected": expected(session.get_service_model(service), operation, body),
        })
    with open(sys.argv[1], "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
