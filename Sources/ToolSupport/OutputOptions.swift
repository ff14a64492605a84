import ArgumentParser
import AWSCore

/// The output options every tool shares: `--filter`, `--raw-output`, `--compact`.
public struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "A jq expression applied to the output, as the jq program would.")
    public var filter: String?

    @Flag(name: [.customShort("r"), .long], help: "Print string results without quotes (jq -r).")
    public var rawOutput = false

    @Flag(name: [.customShort("c"), .long], help: "Print compact JSON, one value per line.")
    public var compact = false

    public init() {}

    /// Compiles the filter now, so a bad expression exits 2 before any request.
    public func printer() throws -> OutputPrinter {
        OutputPrinter(filter: try filter.map(JQFilter.init), compact: compact, raw: rawOutput)
    }
}
