/// A time as RFC 3339 writes it (`2026-11-28T18:00:30Z`, `…T18:00:30.123Z`, `…T20:00:30+02:00`):
/// how STS, IMDS, the container endpoint and a `credential_process` give `Expiration`.
enum RFC3339 {
    /// Seconds since the epoch, or nil when `text` is not such a time.
    static func seconds(_ text: String) -> Int? {
        var offset = 0
        var local = Substring(text)
        if text.hasSuffix("Z") || text.hasSuffix("z") {
            local = local.dropLast()
        } else {
            // `±hh:mm` after the time: the last `+` or `-` past the date's own dashes.
            guard let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }),
                text.distance(from: text.startIndex, to: sign) > 10
            else { return nil }
            let zone = text[text.index(after: sign)...].split(separator: ":")
            guard zone.count == 2, let h = Int(zone[0]), let m = Int(zone[1]), zone[0].count == 2, zone[1].count == 2
            else { return nil }
            offset = (h * 3600 + m * 60) * (text[sign] == "-" ? -1 : 1)
            local = text[..<sign]
        }
        if let dot = local.firstIndex(of: ".") {
            guard local[local.index(after: dot)...].allSatisfy(\.isNumber) else { return nil }
            local = local[..<dot]
        }
        guard local.count == 19, let utc = AmzDate(iso8601: local + "Z") else { return nil }
        return utc.seconds - offset
    }

    /// `2026-11-28T18:00:30Z`: how `aws sso login` writes `expiresAt`.
    static func string(_ seconds: Int) -> String {
        let t = Array(AmzDate(seconds: seconds).timestamp)  // 20261128T180030Z
        func part(_ r: Range<Int>) -> String { String(t[r]) }
        return "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(9..<11)):\(part(11..<13)):\(part(13..<15))Z"
    }
}
