import ArgumentParser
import AWSCore

/// A size on the command line: bytes, or a number with K, M, G, T (powers of 1024, with or
/// without `iB`/`B`), e.g. `5MiB`, `512M`, `5368709120`.
public struct ByteSize: ExpressibleByArgument, Equatable, Sendable {
    public let bytes: Int64
    let text: String

    public init?(argument: String) {
        let digits = argument.prefix { $0.isNumber }
        var unit = argument.dropFirst(digits.count).uppercased()
        for suffix in ["IB", "B"] where unit.hasSuffix(suffix) { unit.removeLast(suffix.count); break }
        let shifts: [String: Int64] = ["": 0, "K": 10, "M": 20, "G": 30, "T": 40]
        guard let number = Int64(digits), let shift = shifts[unit], number <= Int64.max >> shift else { return nil }
        bytes = number << shift
        text = argument
    }

    public var defaultValueDescription: String { text }
}
