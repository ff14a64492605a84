/// Turns AWS's XML answers into the JSON the aws CLI shows, keeping the XML element names, so that
/// one jq filter style fits every protocol:
///
/// - The root element is dropped: its content is the value (the query protocol's
///   `<Action>Result` stays a key).
/// - Where the service's model (`XMLModel`) knows the answer, each element is what its member
///   is: a number, a boolean, a timestamp (ISO 8601 as aws CLI v2 prints it, `Timestamp`),
///   a string (`""` when empty), an object (`{}` when empty), an array (`[]` when empty, and
///   also when the element is absent), a map as an object keyed by its keys.
/// - Elsewhere one generic rule: text becomes a string, `""` when empty; child elements an
///   object keyed by name, a repeated name an array; an element whose children are all
///   `member` or `item` an array, and so is an element named `…Set` (EC2), even empty; an
///   empty element holding only a line break and indentation is null.
/// - Attributes are ignored (AWS puts `xmlns` there, and S3 a `Grantee`'s `xsi:type`).
public enum XMLToJSON {
    /// `service` picks the model; `operation` is needed only where the root does not name it
    /// (S3: see `AWSClient.s3Operation`); the query protocols' `<Action>Response` does.
    public static func convert(_ bytes: [UInt8], service: String? = nil, operation: String? = nil) throws -> JSON {
        var parser = XMLParser(bytes: bytes)
        let root = try parser.parseDocument()
        guard let model = service.flatMap(XMLModels.named) else { return generic(root, isRoot: true) }
        var typed = Typed(model: model)
        let name =
            operation
            ?? (model.requests.isEmpty && root.name.hasSuffix("Response") ? String(root.name.dropLast(8)) : nil)
        // A root with text only is that text (S3's GetBucketLocation).
        guard let type = name.flatMap({ model.outputs[$0] }), !(root.children.isEmpty && root.hadText) else {
            return generic(root, isRoot: true)
        }
        return typed.value(of: root, type[...])
    }

    /// The generic rule, for what no model describes.
    static func generic(_ element: XMLElement, isRoot: Bool = false) -> JSON {
        if element.children.isEmpty {
            let blank = element.text.trimmingCharacters(in: " \n\r\t").isEmpty
            // An empty list and an empty string look alike in XML; EC2 names its lists `…Set`.
            if !isRoot, blank, element.name.hasSuffix("Set") { return .array([]) }
            // Indentation inside an empty container is not a value.
            if blank, element.text.contains("\n") { return .null }
            return !element.hadText && isRoot ? .null : .string(element.text)
        }
        if element.children.allSatisfy({ $0.name == "member" || $0.name == "item" }) {
            return .array(element.children.map { generic($0) })
        }
        return .object(grouped(element.children).map { name, children in (name, genericMember(name, children)) })
    }

    /// A child name of an object the generic rule decodes: repeated, an array; an EC2 `…Set`
    /// given more than once, one array of all.
    static func genericMember(_ name: String, _ children: [XMLElement]) -> JSON {
        let values = children.map { generic($0) }
        if name.hasSuffix("Set"), values.allSatisfy({ $0.array != nil }) {
            return values.count == 1 ? values[0] : .array(values.flatMap(\.list))
        }
        return values.count == 1 ? values[0] : .array(values)
    }

    /// Children grouped by name, in the order each name first appears.
    static func grouped(_ children: [XMLElement]) -> [(String, [XMLElement])] {
        var order: [String] = []
        var groups: [String: [XMLElement]] = [:]
        for child in children {
            if groups[child.name] == nil { order.append(child.name) }
            groups[child.name, default: []].append(child)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// One answer decoded by its model; the structures it meets are read from their lines once.
    struct Typed {
        let model: XMLModel
        var structures: [Substring: XMLModel.Structure] = [:]

        mutating func value(of element: XMLElement, _ type: Substring) -> JSON {
            let text = element.text
            switch type {
            case "s": return element.children.isEmpty ? .string(text) : generic(element)
            case "o": return structure(element, type)
            case "i", "f", "b", "t":
                guard element.children.isEmpty else { return generic(element) }
                let trimmed = text.trimmingCharacters(in: " \n\r\t")
                if type == "b" { return .bool(text == "true") }
                if trimmed.isEmpty { return .null }
                if type == "t" { return .string(Timestamp.isoFormat(trimmed) ?? text) }
                let number = type == "i" ? Int64(trimmed).map(Double.init) : Double(trimmed)
                return number.map(JSON.number) ?? .string(text)
            default:
                guard let line = model.shape(type) else { return generic(element) }
                switch line.first {
                case "[": return .array(element.children.map { value(of: $0, line.dropFirst()) })
                case "<": return map(element, line)
                default: return structure(element, type)
                }
            }
        }

        /// Members by the model, unknown children by the generic rule; a list the answer
        /// leaves out is `[]`.
        mutating func structure(_ element: XMLElement, _ type: Substring) -> JSON {
            if structures[type] == nil { structures[type] = model.structure(type) }
            let shape = structures[type]!
            var out: [(String, JSON)] = grouped(element.children).map { name, children in
                guard let member = shape.members[name] else { return (name, genericMember(name, children)) }
                if member.flattened { return (name, .array(children.map { value(of: $0, member.type) })) }
                let values = children.map { value(of: $0, member.type) }
                return (name, values.count == 1 ? values[0] : .array(values))
            }
            for name in shape.lists where !out.contains(where: { $0.0 == name }) { out.append((name, .array([]))) }
            return .object(out)
        }

        /// `<entry><key>k</key><value>v</value></entry>…` → `{"k": v}`.
        mutating func map(_ element: XMLElement, _ line: Substring) -> JSON {
            let parts = line.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return generic(element) }
            var out: JSON = [:]
            for entry in element.children {
                guard let key = entry.children.first(where: { $0.name == parts[0] }),
                    let v = entry.children.first(where: { $0.name == parts[1] })
                else { continue }
                out.set(key.text, value(of: v, parts[2]))
            }
            return out
        }
    }
}
