import AWSCore

/// An asset-id, or a shell-style pattern of asset-id characters with `*` and `?` — the wildcards
/// EC2's tag filters accept, so one pattern means nearly the same to EC2 and to the client-side
/// matching of stacks and S3 keys (libc's `fnmatch`; the characters allowed hold no other
/// wildcard or escape). EC2's `?` also matches no character: `AssetListing` keeps only what
/// `matches` (exactly one).
public struct AssetIdPattern: Equatable, Sendable {
    public let text: String

    /// Checks the pattern; a usage error names what is wrong.
    public init(_ text: String) throws {
        self.text = text
        let characters = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-*?".contains($0)) }
        if isLiteral, characters {
            _ = try AssetConventions.validate(assetId: text)
            return
        }
        guard !text.isEmpty, text.count <= 64, characters else {
            throw ToolError.usage(
                "invalid asset-id pattern '\(text)': use letters, digits, '.', '_', '-' and the wildcards '*' and '?' ('*' any characters, '?' one), e.g. 1.2.* or '*'; EC2's tag filters know no other wildcard, such as [ ]"
            )
        }
    }

    /// True when the pattern has no wildcard: it names exactly one asset-id.
    public var isLiteral: Bool { !text.contains("*") && !text.contains("?") }

    public func matches(_ assetId: String) -> Bool { fnmatch(text, assetId, 0) == 0 }
}
