/// What the JSON form of one XML service's answers needs from its botocore model: each
/// operation's answer shape, and (S3) how a request names its operation. The tables are
/// generated into `XMLModels` by Tests/xml/xml_models.py; a shape line is read only when an
/// answer reaches it.
///
/// A type is `i` (integer), `f` (float), `b` (boolean), `t` (timestamp), `s` (string), `o` (a
/// structure of strings) or the index of a shape line: `{name:T,name:~T` a structure (`~`: a
/// flattened list, named by its items), `[T` a list, `<key,value,T` a map.
struct XMLModel: Sendable {
    let outputs: [String: String]
    let requests: [String]
    let shapes: [String]

    init(outputs: [String: String], requests: [String] = [], shapes: [String]) {
        self.outputs = outputs
        self.requests = requests
        self.shapes = shapes
    }

    /// The S3 operation of a request: its method, whether it names a bucket and a key, and
    /// the query keys it carries; the most specific match wins (`?list-type=2` over none).
    func operation(method: String, bucket: Bool, key: Bool, queryKeys: Set<String>) -> String? {
        let level = key ? "k" : bucket ? "b" : "-"
        var best: (name: String, keys: Int)?
        for line in requests {
            let words = line.split(separator: " ")
            guard words.count >= 3, words[1] == method, words[2] == level,
                words.dropFirst(3).allSatisfy({ queryKeys.contains(String($0)) })
            else { continue }
            if words.count - 3 > best?.keys ?? -1 { best = (String(words[0]), words.count - 3) }
        }
        return best?.name
    }

    /// The shape line a type names, nil for a letter.
    func shape(_ type: Substring) -> Substring? {
        guard let i = Int(type), shapes.indices.contains(i) else { return nil }
        return shapes[i][...]
    }

    /// A structure's members by element name, and its lists in the model's order (an answer
    /// that leaves one out gets `[]`). `o` has none.
    struct Structure {
        var members: [String: (type: Substring, flattened: Bool)] = [:]
        var lists: [String] = []
    }

    func structure(_ type: Substring) -> Structure {
        var s = Structure()
        guard let line = shape(type) else { return s }
        for member in line.dropFirst().split(separator: ",") {
            guard let colon = member.firstIndex(of: ":") else { continue }
            let name = String(member[..<colon])
            var type = member[member.index(after: colon)...]
            let flattened = type.first == "~"
            if flattened { type = type.dropFirst() }
            s.members[name] = (type, flattened)
            if flattened || shape(type)?.first == "[" { s.lists.append(name) }
        }
        return s
    }
}
