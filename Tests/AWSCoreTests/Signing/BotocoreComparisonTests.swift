import Testing
import TestSupport
@testable import AWSCore

/// A few hundred generated requests (odd paths, repeated and empty query keys, unicode, session
/// tokens, S3 and not) signed by botocore (`Tests/signing/botocore_vectors.py`, run by the
/// Makefile into BOTOCORE_VECTORS) and by our signer: the headers must be identical.
struct BotocoreComparisonTests {
    /// The vectors, or why there are none. Only a missing file may become a skip: a file
    /// that is there but unreadable or malformed is a failure, named as such.
    static let vectors: Result<[JSON], VectorFileError> = {
        guard let path = processEnvironment()["BOTOCORE_VECTORS"] else {
            return .failure(.missing("BOTOCORE_VECTORS is not set (make test-swift generates the file and sets it)"))
        }
        guard access(path, F_OK) == 0 else {
            return .failure(.missing("no botocore vector file at \(path) (make test-swift generates it)"))
        }
        guard let bytes = readFile(path) else {
            return .failure(.broken("cannot read the botocore vector file \(path)"))
        }
        do {
            guard let list = try JSON.parse(bytes).array else {
                return .failure(.broken("\(path) is not a JSON array of vectors"))
            }
            return .success(list)
        } catch {
            return .failure(
                .broken("the botocore vector file \(path) is malformed: \(error); delete it and run make test-swift"))
        }
    }()

    enum VectorFileError: Error {
        case missing(String)
        case broken(String)
    }

    @Test("our signer agrees with botocore")
    func agreesWithBotocore() throws {
        let vectors: [JSON]
        switch Self.vectors {
        case let .success(list): vectors = list
        case let .failure(.missing(reason)):
            _ = TestPrecondition.met(false, reason)
            return
        case let .failure(.broken(reason)):
            Issue.record(Comment(rawValue: reason))
            return
        }
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
