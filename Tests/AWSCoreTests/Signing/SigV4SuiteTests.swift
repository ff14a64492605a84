import Testing
import TestSupport
@testable import AWSCore

/// The official AWS SigV4 test vectors, read from beside the repository (never copied in).
/// The Makefile passes their folder in SIGV4_SUITE; without it these tests fail (ALLOW_SKIPS=1: a counted skip).
struct SigV4SuiteTests {
    static let suite: String? = {
        let env = processEnvironment()
        let path = env["SIGV4_SUITE"] ?? "../shared/sigv4-test-suite"
        return access(path + "/get-vanilla/request.txt", R_OK) == 0 ? path : nil
    }()

    static let cases: [String] = {
        guard let suite else { return [] }
        var names: [String] = []
        guard let dir = opendir(suite) else { return [] }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix("."), access("\(suite)/\(name)/context.json", R_OK) == 0 { names.append(name) }
        }
        return names.sorted()
    }()

    struct Case {
        let method: String
        let path: String
        let query: String
        var headers: HTTPHeaders
        let body: [UInt8]
        let context: JSON

        init(folder: String) throws {
            context = try JSON.parse(readFile(folder + "/context.json")!)
            let text = String(decoding: readFile(folder + "/request.txt")!, as: UTF8.self)
            let (head, bodyText) =
                text.firstRange(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) }
                ?? (text, "")
            var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst()
            let parts = requestLine.split(separator: " ")
            method = String(parts[0])
            // The path may hold spaces: everything between the method and the protocol.
            let target = requestLine.dropFirst(parts[0].count + 1).dropLast(" HTTP/1.1".count)
            if let q = target.firstIndex(of: "?") {
                path = String(target[..<q])
                query = String(target[target.index(after: q)...])
            } else {
                path = String(target)
                query = ""
            }
            headers = HTTPHeaders()
            var fields: [(String, String)] = []
            for line in lines where !line.isEmpty {
                if line.first == " " || line.first == "\t" {
                    fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: " \t")
                } else if let colon = line.firstIndex(of: ":") {
                    fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            headers = HTTPHeaders(fields)
            body = Array(bodyText.utf8)
        }

        var payloadHash: String { Digest.hex(Digest.sha256(body)) }
    }

    func expected(_ folder: String, _ file: String) -> String {
        String(decoding: readFile("\(folder)/\(file)")!, as: UTF8.self).trimmingCharacters(in: " \n\r")
    }

    static let missing =
        "no SigV4 test suite at SIGV4_SUITE (\(processEnvironment()["SIGV4_SUITE"] ?? "../shared/sigv4-test-suite")): "
        + "it must sit beside the repository"

    /// The cases below are one per folder: with no folder there would be no case and no failure.
    @Test("the official SigV4 suite is there, with its cases")
    func suiteIsThere() {
        guard TestPrecondition.met(Self.suite != nil, Self.missing) else { return }
        #expect(Self.cases.count >= 20, "only \(Self.cases.count) cases in \(Self.suite!)")
    }

    @Test("official SigV4 suite", arguments: cases)
    func officialCase(_ name: String) throws {
        let folder = "\(Self.suite!)/\(name)"
        var c = try Case(folder: folder)
        let ctx = c.context
        let date = AmzDate(iso8601: ctx["timestamp"]!.string!)!
        if ctx["sign_body"]?.bool == true { c.headers.add("x-amz-content-sha256", c.payloadHash) }
        c.headers.add("X-Amz-Date", date.timestamp)
        if let token = ctx["credentials"]?["token"]?.string, ctx["omit_session_token"]?.bool != true {
            c.headers.add("X-Amz-Security-Token", token)
        }
        let canonical = CanonicalRequest(
            method: c.method, path: c.path, query: c.query, headers: c.headers,
            payloadHash: c.payloadHash, s3: false,
            normalizePath: ctx["normalize"]?.bool ?? true)
        #expect(canonical.text == expected(folder, "header-canonical-request.txt"))
        let toSign = StringToSign(
            canonicalRequest: canonical, date: date, region: ctx["region"]!.string!, service: ctx["service"]!.string!)
        #expect(toSign.text == expected(folder, "header-string-to-sign.txt"))
        let key = SigningKey(
            secretAccessKey: ctx["credentials"]!["secret_access_key"]!.string!, dateStamp: date.dateStamp,
            region: ctx["region"]!.string!, service: ctx["service"]!.string!)
        #expect(key.signature(of: toSign) == expected(folder, "header-signature.txt"))
    }

    @Test("the whole signer reproduces get-vanilla's Authorization header")
    func wholeSigner() throws {
        guard TestPrecondition.met(Self.suite != nil, Self.missing) else { return }
        var request = try HTTPRequest(method: "GET", url: "https://example.amazonaws.com/")
        let creds = Credentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "test")
        try Signer(credentials: creds, region: "us-east-1", service: "service").sign(
            &request, at: AmzDate(iso8601: "20150830T123600Z")!)
        let signed = expected("\(Self.suite!)/get-vanilla", "header-signed-request.txt")
        #expect(signed.contains("Authorization:" + request.headers["Authorization"]!))
    }
}
