/// Where the JSON input went wrong: line and column, so that a tool can say exactly where
/// its standard input is malformed.
public struct JSONParseError: Error, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    public var description: String { "\(message) at line \(line), column \(column)" }
}
