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
    public func rejectUnknownKeys(allowed keys: Set<String>) throws {
        for (k, _) in json.object ?? [] where !keys.contains(k) {
            throw ToolError.usage("\(what): unknown field '\(k)' (expected \(keys.sorted().joined(separator: ", ")))")
        }
    }
}
