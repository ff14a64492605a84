/// Reading a tool's JSON input from stdin, with errors that say what is wrong and where.
public enum Input {
    /// One JSON value from stdin; nil when stdin is a terminal or empty and input is optional.
    public static func json(required: Bool, what: String = "input") throws -> JSON? {
        if isatty(0) != 0 {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin") }
            return nil
        }
        let bytes = readStandardInput()
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin, got nothing") }
            return nil
        }
        do { return try JSON.parse(bytes) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)")
        }
    }

    /// A list on stdin: one JSON array, or a stream of values (JSON lines, or what a jq filter
    /// such as `.[]` prints). Nothing at all is an empty list, so an empty pipeline does nothing;
    /// a terminal is a usage error, since the tool would wait for typing.
    public static func list(what: String) throws -> [JSON] {
        if isatty(0) != 0 { throw ToolError.usage("expected \(what) as JSON on stdin") }
        let values: [JSON]
        do { values = try JSON.parseSequence(readStandardInput()) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)")
        }
        if values.count == 1, let array = values[0].array { return array }
        return values
    }
}

/// Typed access to fields of a JSON object, with errors that name the field and the type.
public struct Fields {
    public let json: JSON
    public let what: String

    public init(_ json: JSON, what: String) throws {
        guard json.object != nil else { throw ToolError.usage("\(what) must be a JSON object, got \(json.typeName)") }
        self.json = json
        self.what = what
    }

    public func string(_ key: String) throws -> String? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let s = v.string else { throw ToolError.usage("\(what): '\(key)' must be a string, got \(v.typeName)") }
        return s
    }

    public func requiredString(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw ToolError.usage("\(what): missing '\(key)'") }
        return s
    }

    public func object(_ key: String) throws -> [(String, JSON)]? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let o = v.object else { throw ToolError.usage("\(what): '\(key)' must be an object, got \(v.typeName)") }
        return o
    }

    public func array(_ key: String) throws -> [JSON]? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let a = v.array else { throw ToolError.usage("\(what): '\(key)' must be an array, got \(v.typeName)") }
        return a
    }

    /// Rejects keys the tool does not know, so a typo is an error rather than a silent default.
    public func only(_ keys: Set<String>) throws {
        for (k, _) in json.object ?? [] where !keys.contains(k) {
            throw ToolError.usage("\(what): unknown field '\(k)' (expected \(keys.sorted().joined(separator: ", ")))")
        }
    }
}
