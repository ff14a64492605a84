public extension Input {
    /// A list on stdin: one JSON array, or a stream of values (JSON lines, or what a jq filter
    /// such as `.[]` prints). Nothing at all is an empty list, so an empty pipeline does nothing;
    /// a terminal is a usage error, since the tool would wait for typing.
    static func list(what: String) throws -> [JSON] {
        if isatty(0) != 0 { throw ToolError.usage("expected \(what) as JSON on stdin") }
        let values: [JSON]
        do { values = try JSON.parseSequence(readStandardInput()) } catch let e as JSONParseError {
            throw ToolError.usage("malformed JSON on stdin: \(e)")
        }
        if values.count == 1, let array = values[0].array { return array }
        return values
    }
}
