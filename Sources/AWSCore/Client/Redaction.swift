/// Takes the secrets of a set of credentials (the secret key and the session token) out of text
/// bound for stdout or stderr: some AWS errors echo the canonical request, token included, and
/// `--dry-run` prints the headers. The one place such text is cleaned.
public struct Redaction: Sendable {
    public static let mark = "<redacted>"

    /// Each secret as it may appear: raw (a header), and percent-encoded (a query or form value).
    let secrets: [String]

    public init(_ credentials: Credentials) {
        // AWS's secrets are 40 characters and more; a shorter value would also match ordinary
        // text (a header name), and no real secret is that short.
        let raw = [credentials.secretAccessKey, credentials.sessionToken].compactMap { $0 }.filter { $0.count >= 8 }
        var all: [String] = []
        for s in raw + raw.map({ PercentEncoding.encode($0) }) where !all.contains(s) { all.append(s) }
        // Longest first, so a secret that contains another is replaced whole.
        secrets = all.sorted { $0.count > $1.count }
    }

    public func apply(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacing(s, with: Redaction.mark) }
        return out
    }

    /// The error with its message (where AWS may echo the request) cleaned.
    public func apply(_ error: AWSError) -> AWSError {
        var e = error
        e.message = apply(e.message)
        return e
    }
}
