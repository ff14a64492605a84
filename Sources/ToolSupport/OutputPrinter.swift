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
            do { lines = try filter.render(value, compact: compact, raw: raw) } catch let halt as JQFilter.Halt {
                // As jq: the results before the halt, its message on stderr as it is, its exit code.
                OutputPrinter.write(halt.lines)
                var message = Array(halt.message.utf8)
                fwrite(&message, 1, message.count, stderr)
                exit(halt.code)
            }
        } else if raw, let s = value.string {
            lines = [s]
        } else {
            lines = [value.serialized(pretty: !compact)]
        }
        OutputPrinter.write(lines)
    }

    /// Each line and a newline, byte for byte (a string may hold a NUL, which C strings would cut).
    static func write(_ lines: [String]) {
        for line in lines {
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            fwrite(&bytes, 1, bytes.count, stdout)
        }
        fflush(stdout)
    }
}
