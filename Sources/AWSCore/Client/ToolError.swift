/// The failures a tool reports, each with the exit code of the convention:
/// 1 for AWS or remote failures, 2 for bad input decided before any request,
/// 5 when a `--filter` fails on output that was already produced (as jq exits 5).
public enum ToolError: Error, CustomStringConvertible {
    /// Bad input, usage, missing region or credentials: nothing was sent.
    case usage(String)
    /// An AWS error response, decoded from any protocol.
    case aws(AWSError)
    /// A remote failure that is not an AWS error answer.
    case remote(String)
    /// The connection failed (no answer) after the client's own retries; a poll may try again.
    case connection(String)
    /// The jq filter failed on the output.
    case filter(String)
    /// Interrupted by a signal after cleaning up.
    case interrupted(Int32)

    public var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .aws, .remote, .connection: return 1
        case .filter: return 5
        case let .interrupted(signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case let .usage(m), let .remote(m), let .connection(m), let .filter(m): return m
        case let .aws(e): return e.description
        case let .interrupted(signal): return "interrupted by signal \(signal)"
        }
    }
}
