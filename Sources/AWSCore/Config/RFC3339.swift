/// A time as RFC 3339 writes it (`2026-11-28T18:00:30Z`, `…T18:00:30.123Z`, `…T20:00:30+02:00`):
/// how STS, IMDS, the container endpoint and a `credential_process` give `Expiration`.
enum RFC3339 {
    /// Seconds since the epoch, or nil when `text` is not such a time (one with a zone).
    static func seconds(_ text: String) -> Int? {
        Timestamp(text).flatMap { $0.offsetMinutes == nil ? nil : $0.seconds }
    }

    /// `2026-11-28T18:00:30Z`: how `aws sso login` writes `expiresAt`.
    static func string(_ seconds: Int) -> String {
        let t = Array(AmzDate(seconds: seconds).timestamp)  // 20261128T180030Z
        func part(_ r: Range<Int>) -> String { String(t[r]) }
        return "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(9..<11)):\(part(11..<13)):\(part(13..<15))Z"
    }
}
