/// A timestamp as AWS writes it, ISO 8601: `YYYY-MM-DD(T| )hh:mm:ss[.fraction][Z|±hh[:mm]]`.
/// `isoFormat` is how the tools print one: as aws CLI v2 does by default (`cli_timestamp_format =
/// iso8601`, Python's `datetime.isoformat()` of botocore's parse), `2024-05-01T10:20:30+00:00`,
/// `.ffffff` only when the fraction is not zero, the offset as sent (`Z` is `+00:00`).
public struct Timestamp: Equatable, Sendable {
    public var year, month, day, hour, minute, second: Int
    /// Python keeps microseconds: further digits are cut, not rounded.
    public var microsecond: Int
    /// East of UTC; nil when the text names no zone.
    public var offsetMinutes: Int?

    public init?(_ text: String) {
        let c = Array(text.utf8)
        func number(_ at: Int, _ width: Int) -> Int? {
            guard at >= 0, at + width <= c.count else { return nil }
            var n = 0
            for b in c[at..<at + width] {
                guard (48...57).contains(b) else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        func at(_ i: Int, _ ascii: Unicode.Scalar) -> Bool { i < c.count && c[i] == UInt8(ascii: ascii) }
        guard c.count >= 19, at(4, "-"), at(7, "-"), at(10, "T") || at(10, " "), at(13, ":"), at(16, ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...Timestamp.days(in: month, of: year)).contains(day), hour < 24,
            minute < 60, second < 60
        else { return nil }
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (
            year, month, day, hour, minute, second
        )
        var i = 19
        microsecond = 0
        if at(i, ".") {
            var digits = 0
            while let d = number(i + 1, 1) {
                if digits < 6 { microsecond = microsecond * 10 + d }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { microsecond *= 10 }
            i += 1
        }
        offsetMinutes = nil
        if at(i, "Z") || at(i, "z") {
            offsetMinutes = 0
            i += 1
        } else if at(i, "+") || at(i, "-") {
            // ±hh, ±hhmm or ±hh:mm, to the end
            let rest = c.count - i - 1
            let colon = rest == 5 && at(i + 3, ":")
            guard rest == 2 || rest == 4 || colon, let h = number(i + 1, 2),
                let m = rest == 2 ? 0 : number(i + (colon ? 4 : 3), 2), h < 24, m < 60
            else { return nil }
            offsetMinutes = (at(i, "-") ? -1 : 1) * (h * 60 + m)
            i = c.count
        }
        guard i == c.count else { return nil }
    }

    /// The printed form (see the type); nil for text that is no timestamp.
    public static func isoFormat(_ text: String) -> String? { Timestamp(text)?.isoFormat }

    public var isoFormat: String {
        var zone = ""
        if let offset = offsetMinutes {
            let m = abs(offset)
            zone = (offset < 0 ? "-" : "+") + pad(m / 60, 2) + ":" + pad(m % 60, 2)
        }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":"
            + pad(second, 2) + (microsecond == 0 ? "" : "." + pad(microsecond, 6)) + zone
    }

    /// Seconds since 1970 (the fraction dropped); a time without a zone is taken as UTC, as AWS means it.
    public var seconds: Int {
        // Days from the civil date (Howard Hinnant's algorithm), so that no C time function is needed.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        return days * 86400 + hour * 3600 + minute * 60 + second - (offsetMinutes ?? 0) * 60
    }

    static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
