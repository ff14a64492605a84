import CCrypto

/// SHA-256 and HMAC-SHA256 from libcrypto: the only cryptography SigV4 needs; and SHA-1, which
/// names the token files of `aws sso login`.
public enum Digest {
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha256(), size: 32) }

    public static func sha1(_ text: String) -> [UInt8] { digest(Array(text.utf8), EVP_sha1(), size: 20) }

    private static func digest(_ data: [UInt8], _ md: OpaquePointer?, size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var len: UInt32 = 0
        data.withUnsafeBytes { buf in
            _ = EVP_Digest(buf.baseAddress, buf.count, &out, &len, md, nil)
        }
        return out
    }

    public static func sha256(_ text: String) -> [UInt8] { sha256(Array(text.utf8)) }

    /// Streams a file through SHA-256 without holding it in memory.
    public static func sha256(file path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw ToolError.usage("cannot read \(path): \(errnoMessage())") }
        defer { fclose(f) }
        guard let ctx = EVP_MD_CTX_new() else { throw ToolError.remote("libcrypto: cannot allocate a digest") }
        defer { EVP_MD_CTX_free(ctx) }
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n == 0 { break }
            EVP_DigestUpdate(ctx, buffer, n)
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return out
    }

    public static func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                _ = HMAC(
                    EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    d.count, &out, &len)
            }
        }
        return out
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SHA-256 of an empty payload, which every bodiless request signs.
    public static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
