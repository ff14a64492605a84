import AWSCore

/// A stack's parameters and tags as the user gives them (`K=V` flags, JSON objects), checked
/// against what the template declares. CloudFormation takes every value as a string.
public enum StackParameters {
    /// `K=V` from a flag; the value may contain `=` and may be empty.
    public static func assignment(_ text: String, flag: String) throws -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw ToolError.usage("\(flag) '\(text)': expected KEY=VALUE")
        }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    /// Repeated `K=V` flags as pairs; a key given twice is a mistake, not an override.
    public static func assignments(_ texts: [String], flag: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for text in texts {
            let pair = try assignment(text, flag: flag)
            if pairs.contains(where: { $0.0 == pair.0 }) { throw ToolError.usage("\(flag) \(pair.0) is given twice") }
            pairs.append(pair)
        }
        return pairs
    }

    /// A JSON value as CloudFormation's string: numbers and booleans as written, arrays joined
    /// with commas (CommaDelimitedList and List<…> parameters).
    public static func text(_ value: JSON, what: String, lists: Bool) throws -> String {
        switch value {
        case let .string(s): return s
        case let .number(n): return JSON.format(n)
        case let .bool(b): return b ? "true" : "false"
        case let .array(items) where lists:
            return try items.map { try text($0, what: what, lists: false) }.joined(separator: ",")
        default:
            throw ToolError.usage(
                "\(what) must be a string, number or boolean\(lists ? " (or an array of them)" : ""), got \(value.typeName)"
            )
        }
    }

    /// The pairs of a JSON object (stdin's `parameters` or `tags`), values as strings.
    public static func pairs(_ object: [(String, JSON)], what: String, lists: Bool) throws -> [(String, String)] {
        try object.map { key, value in (key, try text(value, what: "\(what) '\(key)'", lists: lists)) }
    }

    /// Stdin's pairs overridden key by key by the flags' pairs.
    public static func merge(_ base: [(String, String)], _ overrides: [(String, String)]) -> [(String, String)] {
        var out = base.filter { b in !overrides.contains { $0.0 == b.0 } }
        out += overrides
        return out
    }

    /// Stack tags as CloudFormation accepts them: keys 1 to 128 characters, not `aws:`, values up to 256.
    public static func checkTags(_ tags: [(String, String)]) throws {
        guard tags.count <= 50 else { throw ToolError.usage("\(tags.count) tags given; a stack takes at most 50") }
        for (k, v) in tags {
            guard !k.isEmpty, k.count <= 128, !k.lowercased().hasPrefix("aws:") else {
                throw ToolError.usage("tag key '\(k)': use 1 to 128 characters, not starting with aws:")
            }
            guard v.count <= 256 else { throw ToolError.usage("tag '\(k)': the value is longer than 256 characters") }
        }
    }

    /// One parameter the template declares (ValidateTemplate's `Parameters`).
    public struct Declared: Equatable {
        public var key: String
        public var hasDefault: Bool

        public init(key: String, hasDefault: Bool) {
            self.key = key
            self.hasDefault = hasDefault
        }
    }

    /// ValidateTemplate's `Parameters`; a `DefaultValue` element, even empty, means a default.
    public static func declared(_ validation: JSON) -> [Declared] {
        validation["Parameters"]?.list.compactMap { p in
            p["ParameterKey"]?.string.map { Declared(key: $0, hasDefault: p["DefaultValue"] != nil) }
        } ?? []
    }

    /// Refuses parameters the template does not declare and names those it needs but nobody gave.
    public static func check(_ given: [(String, String)], against declared: [Declared], template: String) throws {
        let unknown = given.map(\.0).filter { k in !declared.contains { $0.key == k } }
        if !unknown.isEmpty {
            throw ToolError.usage(
                "\(template) declares no parameter \(unknown.joined(separator: ", ")) (it declares: \(declared.map(\.key).joined(separator: ", ")))"
            )
        }
        let missing = declared.filter { d in !d.hasDefault && !given.contains { $0.0 == d.key } }.map(\.key)
        if !missing.isEmpty {
            throw ToolError.usage(
                "\(template) needs parameter\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")): give \(missing.count > 1 ? "them" : "it") with --param KEY=VALUE or in stdin's \"parameters\""
            )
        }
    }
}
