import Testing
import TestSupport
@testable import AWSCore

/// A few hundred generated requests (odd paths, repeated and empty query keys, unicode, session
/// tokens, S3 and not) signed by botocore (`Tests/signing/botocore_vectors.py`, run by the
/// Makefile into BOTOCORE_VECTORS) and by our signer: the headers must be identical.
struct BotocoreComparisonTests {
    static let vectors = VectorFile("BOTOCORE_VECTORS", what: "botocore vector file")

    @Test("our signer agrees with botocore")
    func agreesWithBotocore() throws {
        guard let vectors = Self.vectors.load() else { return }
        #expect(vectors.count >= 200)
        var mismatches: [String] = []
        for v in vectors {
            let headers = HTTPHeaders(v["headers"]!.array!.map { ($0.array![0].string!, $0.array![1].string!) })
            let body = v["body"]!.string!
            var request = try HTTPRequest(
                method: v["method"]!.string!, url: v["url"]!.string!, headers: headers,
                body: body.isEmpty ? .empty : .bytes(Array(body.utf8)))
            let creds = Credentials(
                accessKeyId: v["accessKeyId"]!.string!, secretAccessKey: v["secretAccessKey"]!.string!,
                sessionToken: v["sessionToken"]?.string, source: "test")
            try Signer(credentials: creds, region: v["region"]!.string!, service: v["service"]!.string!)
                .sign(&request, at: AmzDate(iso8601: v["time"]!.string!)!)
            for (name, value) in v["expected"]!.object! where request.headers[name] != value.string {
                mismatches.append(
                    "\(v["method"]!.string!) \(v["url"]!.string!) [\(v["service"]!.string!)] \(name):\n  ours     \(request.headers[name] ?? "-")\n  botocore \(value.string!)"
                )
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.first ?? "")")
    }
}
