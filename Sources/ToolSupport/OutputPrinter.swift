import AWSCore

/// Writes a tool's JSON to stdout, through the filter when there is one.
public final class OutputPrinter {
    let filter: JQFilter?
    let compact: Bool
    let raw: Bool

    init(filter: JQFilter?, compact: Bool, raw: Bool) {
        self.filter = filter
        self.compact = compact
        self.raw = raw
    }

    /// The tool's one result value.
    public func emit(_ value: JSON) throws {
        try write(value, compact: compact)
    }

    /// One value of a JSON-lines stream: always compact, so each line is one value.
    public func emitLine(_ value: JSON) throws {
        try write(value, compact: true)
    }

    private func write(_ value: JSON, compact: Bool) throws {
        let lines: [String]
        if let filter {
            lines = try filter.render(value, compact: compact, raw: raw)
        } else if raw, let s = value.string {
            lines = [s]
        } else {
            lines = [value.serialized(pretty: !compact)]
        }
        for line in lines { _ = (line + "\n").withCString { fputs($0, stdout) } }
        fflush(stdout)
    }
}
