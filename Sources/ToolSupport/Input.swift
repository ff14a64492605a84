import AWSCore

/// Reading a tool's JSON input from stdin, with errors that say what is wrong and where.
public enum Input {
    /// One JSON value from stdin; nil when stdin is a terminal or empty and input is optional.
    public static func json(required: Bool, what: String = "input") throws -> JSON? {
        if isatty(0) != 0 {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin") }
            return nil
        }
        let bytes = try readStandardInput()
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            if required { throw ToolError.usage("expected \(what) as JSON on stdin, got nothing") }
            return nil
        }
        do { return try JSON.parse(bytes) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)")
        }
    }

    /// A list on stdin: one JSON array, or a stream of values (JSON lines, or what a jq filter
    /// such as `.[]` prints). Nothing at all is an empty list, so an empty pipeline does nothing,
    /// unless `whenEmpty` says why that is an error; a terminal is a usage error, since the tool
    /// would wait for typing. `hint` follows a parse error (what the tool reads, and how to get it).
    public static func list(what: String, hint: String? = nil, whenEmpty: String? = nil) throws -> [JSON] {
        if isatty(0) != 0 { throw ToolError.usage("expected \(what) as JSON on stdin") }
        let values: [JSON]
        do { values = try JSON.parseSequence(try readStandardInput()) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)" + (hint.map { "; \($0)" } ?? ""))
        }
        if values.isEmpty, let whenEmpty { throw ToolError.usage(whenEmpty) }
        if values.count == 1, let array = values[0].array { return array }
        return values
    }
}
