/// Client tokens derived from what a call means: the same call made again (a retry after a
/// dropped answer, or a re-run of the release) carries the same token, so AWS hands back what
/// the first call started instead of starting it twice.
public enum ClientToken {
    /// 64 hex characters (EC2 accepts at most 64) of SHA-256 over the parts.
    public static func derive(_ parts: [String]) -> String {
        // A separator no part contains, so ("ab","c") and ("a","bc") differ.
        Digest.hex(Digest.sha256(parts.joined(separator: "\u{1F}")))
    }

    /// A token for one run: retries within the run share it, another run gets a new one.
    public static func random() -> String {
        let alphabet = Array("0123456789abcdef")
        return String((0..<32).map { _ in alphabet.randomElement()! })
    }
}
