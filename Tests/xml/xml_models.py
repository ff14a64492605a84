"""Writes Sources/AWSCore/Values/XMLModels.swift: what the JSON form of the XML services' answers
needs from botocore's service models, as small tables that XMLModel reads lazily.

Only what changes the JSON is kept: numbers, booleans and timestamps, lists (an empty list looks
exactly like an empty string in XML, and a flattened list has no element of its own when empty),
maps, and structures (an empty one is `{}`, not `""`). Strings and blobs are the default and are
left out. Equal shapes are written once.

    build/venv/bin/python Tests/xml/xml_models.py > Sources/AWSCore/Values/XMLModels.swift

One line per shape, referred to by its index:
    {name:T,name:~T     a structure: its members by element name; `~T` a flattened list of T,
                        named by its items' element name
    [T                  a list of T (a wrapper element whose children are the items)
    <key,value,T        a map of `entry` elements holding a key and a value of T
and T is i (integer, long), f (float, double), b (boolean), t (timestamp), s (string, blob),
o (a structure of strings only) or a shape's index.
"""
import botocore
import botocore.session

SERVICES = ["ec2", "cloudformation", "iam", "sts", "s3"]
SCALARS = {"integer": "i", "long": "i", "float": "f", "double": "f", "boolean": "b", "timestamp": "t"}
STRINGS = {"string", "blob", "character"}
# Its `GET /` goes to the S3 Express control endpoint; on S3's own endpoint that is ListBuckets.
S3_ELSEWHERE = {"ListDirectoryBuckets"}


class Table:
    def __init__(self, model):
        self.model = model
        self.lines = []
        self.index = {}
        self.memo = {}

    def add(self, line):
        if line not in self.index:
            self.index[line] = len(self.lines)
            self.lines.append(line)
        return str(self.index[line])

    def ref(self, shape):
        """The type letter or line index of a shape, every shape below it written first."""
        kind = shape.type_name
        if kind in SCALARS:
            return SCALARS[kind]
        if kind in STRINGS:
            return "s"
        if shape.name not in self.memo:
            self.memo[shape.name] = self.encode(shape)
        return self.memo[shape.name]

    def encode(self, shape):
        kind = shape.type_name
        if kind == "list":
            assert not shape.member.serialization.get("flattened")
            return self.add("[" + self.ref(shape.member))
        if kind == "map":
            assert not shape.serialization.get("flattened"), f"flattened map {shape.name}"
            key = shape.key.serialization.get("name", "key")
            value = shape.value.serialization.get("name", "value")
            return self.add(f"<{key},{value},{self.ref(shape.value)}")
        assert kind == "structure", f"{shape.name}: {kind}"
        members = []
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue  # headers and the status code are not in the body
            if member.type_name == "list" and member.serialization.get("flattened"):
                item = member.member.serialization.get("name") or member.serialization.get("name", name)
                members.append(f"{item}:~{self.ref(member.member)}")
                continue
            element = member.serialization.get("name", name)
            t = self.ref(member)
            # Strings are left out, and the generic rule takes an empty `…Set` element for a list.
            assert t != "s" or not element.endswith("Set"), f"{shape.name}.{element}"
            if t != "s":
                members.append(f"{element}:{t}")
        return self.add("{" + ",".join(members)) if members else "o"


def s3_request(op):
    """`Method level keys…` of an S3 operation: level - (no bucket), b (bucket) or k (object),
    then the query keys its request always carries (in the URI, or required members)."""
    uri = op.http["requestUri"]
    path, _, literal = uri.partition("?")
    level = "k" if "{Key" in path else "b" if "{Bucket}" in path else "-"
    keys = [pair.split("=")[0] for pair in literal.split("&") if pair]
    shape = op.input_shape
    required = shape.required_members if shape is not None else []
    for name in required:
        member = shape.members[name]
        if member.serialization.get("location") == "querystring":
            keys.append(member.serialization["name"])
    return " ".join([op.http["method"], level] + sorted(keys))


def service_table(service, session):
    model = session.get_service_model(service)
    table = Table(model)
    outputs, requests = {}, {}
    for name in model.operation_names:
        op = model.operation_model(name)
        shape = op.output_shape
        # An S3 answer is known by its request alone: a deprecated operation shares its request
        # with the one that replaced it (GetBucketLifecycle, GetBucketNotification).
        if shape is None or (model.protocol == "rest-xml" and (op.deprecated or name in S3_ELSEWHERE)):
            continue
        payload = shape.serialization.get("payload")
        if payload:
            shape = shape.members[payload]
            if shape.type_name != "structure":
                continue  # an object's bytes or a policy document, not XML to decode
        t = table.ref(shape)
        wrapper = shape.serialization.get("resultWrapper")
        if wrapper:
            t = table.add("{" + f"{wrapper}:{t}")
        elif t in ("s", "o"):
            continue  # nothing the generic rule would not do as well
        outputs[name] = t
        if model.protocol == "rest-xml":
            requests[name] = s3_request(op)
    # Two S3 operations that one request could be must answer alike.
    by_request = {}
    for name, request in requests.items():
        by_request.setdefault(request, []).append(name)
    for request, names in by_request.items():
        assert len({outputs[n] for n in names}) == 1, f"{request}: {names}"
    return model, table.lines, outputs, requests


def swift_items(items, indent=12):
    """Array or dictionary literal items, filled into lines of at most 116 characters."""
    pad = " " * indent
    lines, line = [], pad
    for item in items:
        quoted = item + ","
        if len(line) + len(quoted) + 1 > 116 and line != pad:
            lines.append(line.rstrip())
            line = pad
        line += quoted + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


def main():
    session = botocore.session.get_session()
    print(f"""// Generated by Tests/xml/xml_models.py from botocore {botocore.__version__}'s models of
// {", ".join(SERVICES)}; do not edit by hand. The line grammar is the generator's.

enum XMLModels {{
    static func named(_ service: String) -> XMLModel? {{
        switch service {{""")
    for service in SERVICES:
        print(f'        case "{service}": return {service}')
    print("""        default: return nil
        }
    }""")
    for service in SERVICES:
        model, lines, outputs, requests = service_table(service, session)
        print(f"\n    /// {model.metadata['serviceFullName']} ({model.protocol}).")
        print(f"    static let {service} = XMLModel(")
        print("        outputs: [")
        print(swift_items(f'"{k}": "{v}"' for k, v in sorted(outputs.items())))
        print("        ],")
        if requests:
            print("        requests: [")
            print(swift_items(f'"{k} {v}"' for k, v in sorted(requests.items())))
            print("        ],")
        print("        shapes: [")
        print(swift_items(f'"{line}"' for line in lines))
        print("        ])")
    print("}")


if __name__ == "__main__":
    main()
