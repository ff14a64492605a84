import AWSCore

/// A shell-style pattern over asset-ids: `*` any run of characters, `?` one character, all else
/// literal — the wildcards EC2's tag filters accept, so one pattern means the same to EC2 and
/// to the client-side matching of stacks and S3 keys.
public struct Glob: Equatable, Sendable {
    public let pattern: String
    private let chars: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        chars = Array(pattern)
    }

    /// True when the pattern has no wildcard: it names exactly one asset-id.
    public var isLiteral: Bool { !chars.contains("*") && !chars.contains("?") }

    /// Iterative matching with one backtrack point, linear in practice and never exponential.
    public func matches(_ text: String) -> Bool {
        let t = Array(text)
        var p = 0, s = 0
        var star: Int?, starMatch = 0
        while s < t.count {
            if p < chars.count, chars[p] == "?" || (chars[p] != "*" && chars[p] == t[s]) {
                p += 1
                s += 1
            } else if p < chars.count, chars[p] == "*" {
                star = p
                starMatch = s
                p += 1
            } else if let st = star {
                p = st + 1
                starMatch += 1
                s = starMatch
            } else {
                return false
            }
        }
        while p < chars.count, chars[p] == "*" { p += 1 }
        return p == chars.count
    }
}
