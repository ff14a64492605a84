"""The filter names EC2 documents for each action, read from botocore's EC2 model.

AWS answers a filter name the action does not know with InvalidParameterValue ("The filter 'X' is
invalid"); moto ignores most unknown names, so a tool could depend on a filter AWS refuses (or, worse,
ignores: a listing of every task in the Region). The documented names are those of the `Filters`
member of the operation's input shape: each `<li>` of its documentation starts with a name
(`<code>tag</code>:&lt;key&gt;` is the prefix `tag:`), and a few actions name theirs in a sentence
(DescribeExportImageTasks: "Filter tasks using the <code>task-state</code> filter"). An action whose
documentation names no filter is not checked: the model does not say what it accepts.

The table is built from the installed botocore (pinned in Tests/requirements.txt) when first used,
the way Tests/xml/xml_list_names.py builds the XML list names: one source, nothing copied by hand.
"""

from __future__ import annotations

import functools
import html
import re

_ITEM = re.compile(r"<li>\s*<p>\s*(.*?)</p>", re.S)
# `<code>name</code>` (or `<code>tag</code>:&lt;key&gt;`, a prefix), or a bare `name - what it is`.
_ITEM_NAME = re.compile(r"(?:<code>\s*([^<\s]+)\s*</code>(:&lt;[^&]*&gt;)?|([a-z][a-z0-9.:_-]*)\s)")
_SENTENCE_NAME = re.compile(r"<code>([a-z][a-z0-9.:_-]*)</code> filter")


def names_in(documentation: str) -> frozenset[str]:
    """The filter names one `Filters` documentation gives; a name ending in ':' is a prefix."""
    found = set()
    for item in _ITEM.findall(documentation):
        match = _ITEM_NAME.match(item.strip())
        if match:
            found.add((match.group(1) or match.group(3)) + (":" if match.group(2) else ""))
    if not found:
        found.update(_SENTENCE_NAME.findall(documentation))
    # `tag:<key>` written inside the code element is the same prefix.
    return frozenset(html.unescape(name).split("<", 1)[0] for name in found)


@functools.cache
def table() -> dict[str, frozenset[str]]:
    """Action -> documented filter names, for every EC2 action whose model documents some."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    result = {}
    for operation in model.operation_names:
        shape = model.operation_model(operation).input_shape
        member = shape.members.get("Filters") if shape is not None else None
        if member is None:
            continue
        names = names_in(member.documentation or "")
        if names:
            result[operation] = names
    return result


def invalid_filter(action: str, params: dict[str, str]) -> str | None:
    """The first filter name of the request (Filter.N.Name) the action does not document, if any."""
    documented = table().get(action)
    if documented is None:
        return None
    for key in sorted(params, key=lambda k: (len(k), k)):
        if re.fullmatch(r"Filter\.\d+\.Name", key):
            name = params[key]
            if name not in documented and not any(p.endswith(":") and name.startswith(p) for p in documented):
                return name
    return None
