import ArgumentParser
import AWSCore

/// The output options every tool shares: `--filter`, `--raw-output`, `--compact`.
public struct OutputOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "A jq expression applied to the output, as the jq program would; repeated, the filters run one after the other (jq's |)."
    )
    public var filter: [String] = []

    @Flag(name: [.customShort("r"), .long], help: "Print string results without quotes (jq -r).")
    public var rawOutput = false

    @Flag(name: [.customShort("c"), .long], help: "Print compact JSON, one value per line.")
    public var compact = false

    public init() {}

    /// Whether an option was given that only JSON output has: a tool that prints something else
    /// on a terminal prints JSON then.
    public var asksForJSON: Bool { !filter.isEmpty || rawOutput || compact }

    /// Compiles the filter now, so a bad expression exits 2 before any request. Repeated filters
    /// are checked one by one (the error names the one that is wrong), then run as one program,
    /// `(A) | (B)`, so each result of one is the input of the next, as in a jq pipe.
    public func printer() throws -> OutputPrinter {
        let program: JQFilter?
        switch filter.count {
        case 0: program = nil
        case 1: program = try JQFilter(filter[0])
        default:
            for f in filter { _ = try JQFilter(f) }
            // A newline ends a trailing comment before the closing parenthesis.
            program = try JQFilter(filter.map { "(\($0)\n)" }.joined(separator: " | "))
        }
        return OutputPrinter(filter: program, compact: compact, raw: rawOutput)
    }
}
