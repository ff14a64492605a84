/// The signing time in SigV4's two forms: `20150830T123600Z` and the date stamp `20150830`.
public struct AmzDate: Equatable, Sendable {
    public let seconds: Int

    public init(seconds: Int) { self.seconds = seconds }
    public static func now() -> AmzDate { AmzDate(seconds: time(nil)) }

    /// Parses basic (`20150830T123600Z`) or extended (`2015-08-30T12:36:00Z`) ISO 8601 in UTC.
    public init?(iso8601 text: String) {
        let digits = text.filter { $0 != "-" && $0 != ":" }
        let chars = Array(digits)
        guard chars.count >= 16, chars[8] == "T", chars.last == "Z" else { return nil }
        func num(_ r: Range<Int>) -> Int32? { Int32(String(chars[r])) }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8),
            let h = num(9..<11), let mi = num(11..<13), let s = num(13..<15),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var t = tm()
        t.tm_year = y - 1900
        t.tm_mon = mo - 1
        t.tm_mday = d
        t.tm_hour = h
        t.tm_min = mi
        t.tm_sec = s
        seconds = timegm(&t)
    }

    private var parts: tm {
        var t = time_t(seconds)
        var out = tm()
        gmtime_r(&t, &out)
        return out
    }

    private static func pad(_ v: Int32, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    public var dateStamp: String {
        let t = parts
        return AmzDate.pad(t.tm_year + 1900, 4) + AmzDate.pad(t.tm_mon + 1, 2) + AmzDate.pad(t.tm_mday, 2)
    }

    public var timestamp: String {
        let t = parts
        return dateStamp + "T" + AmzDate.pad(t.tm_hour, 2) + AmzDate.pad(t.tm_min, 2) + AmzDate.pad(t.tm_sec, 2) + "Z"
    }
}
