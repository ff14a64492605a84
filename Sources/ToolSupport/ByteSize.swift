import AWSCore

/// Sizes on the command line: bytes, or a number with K, M, G, T (powers of 1024, with or
/// without `iB`/`B`), e.g. `5MiB`, `512M`, `5368709120`.
public enum ByteSize {
    public static func parse(_ text: String, flag: String) throws -> Int64 {
        let digits = text.prefix { $0.isNumber }
        var unit = text.dropFirst(digits.count).uppercased()
        for suffix in ["IB", "B"] where unit.hasSuffix(suffix) { unit.removeLast(suffix.count); break }
        let shifts: [String: Int64] = ["": 0, "K": 10, "M": 20, "G": 30, "T": 40]
        guard let number = Int64(digits), let shift = shifts[unit], number <= Int64.max >> shift else {
            throw ToolError.usage("invalid \(flag) '\(text)': expected bytes, or a number with K, M, G or T (e.g. 5MiB)")
        }
        return number << shift
    }
}
