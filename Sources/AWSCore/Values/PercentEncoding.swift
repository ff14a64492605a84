/// RFC 3986 percent-encoding as SigV4 defines it: everything but the unreserved characters
/// `A-Z a-z 0-9 - _ . ~` is encoded, with upper-case hex digits.
public enum PercentEncoding {
    static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Encodes every byte that is not unreserved; `keepSlash` leaves `/` as it is (paths).
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        encode(bytes: Array(s.utf8)) { isUnreserved($0) || (keepSlash && $0 == UInt8(ascii: "/")) }
    }

    /// Makes a path fit for the wire without touching what is already encoded: characters a URL
    /// may carry as they are (and `%` escapes) stay, anything else (space, UTF-8) is encoded.
    public static func wirePath(_ s: String) -> String {
        encode(bytes: Array(s.utf8)) { b in
            isUnreserved(b) || "/%!$&'()*+,;=:@".utf8.contains(b)
        }
    }

    static func encode(bytes: [UInt8], keep: (UInt8) -> Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for b in bytes {
            if keep(b) {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; with `plusIsSpace`, `+` is a space as in form bodies.
    public static func decode(_ s: String, plusIsSpace: Bool = false) -> String {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.count,
                let v = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16)
            {
                out.append(v)
                i += 3
            } else {
                out.append(plusIsSpace && b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An `application/x-www-form-urlencoded` body from ordered pairs, encoded as the SDKs do:
    /// a space is `+` (botocore's urlencode), which verifiers that re-encode the form expect.
    public static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0).replacing("%20", with: "+") + "=" + encode($0.1).replacing("%20", with: "+") }
            .joined(separator: "&")
    }
}
