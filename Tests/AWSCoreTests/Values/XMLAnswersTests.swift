import Testing
import TestSupport
@testable import AWSCore

/// The emulator's recorded answers to the operations the tools call and hand-written edge cases
/// (Tests/xml/answers), parsed by botocore (`Tests/xml/botocore_answers.py`, run by the Makefile
/// into XML_ANSWERS) and by `XMLToJSON`: the JSON must be the same, types included. Only the
/// root's `requestId` (EC2) and `ResponseMetadata` (query), which botocore moves out of the
/// answer, are ours alone.
struct XMLAnswersTests {
    static let answers = VectorFile("XML_ANSWERS", what: "botocore answer file")

    @Test("XML answers decode as botocore parses them")
    func agreeWithBotocore() throws {
        guard let cases = Self.answers.load() else { return }
        #expect(cases.count >= 50)
        var mismatches: [String] = []
        for c in cases {
            let service = c["service"]!.string!
            // S3 answers do not name their operation: its request does (AWSClient.s3Operation).
            let operation = service == "s3" ? c["operation"]!.string! : nil
            var ours = try XMLToJSON.convert(Array(c["xml"]!.string!.utf8), service: service, operation: operation)
            ours = .object((ours.object ?? []).filter { $0.0 != "requestId" && $0.0 != "ResponseMetadata" })
            if let difference = Self.difference(ours, c["expected"]!) {
                mismatches.append("\(c["file"]!.string!): \(difference)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    /// Where two values differ (objects compared as sets of keys), or nil.
    static func difference(_ ours: JSON, _ botocore: JSON, at path: String = "") -> String? {
        switch (ours, botocore) {
        case let (.object(a), .object(b)):
            let keys = Set(a.map(\.0)).union(b.map(\.0)).sorted()
            for key in keys {
                guard let x = ours[key], let y = botocore[key] else {
                    return
                        "\(path).\(key): ours \(ours[key]?.serialized() ?? "absent"), botocore \(botocore[key]?.serialized() ?? "absent")"
                }
                if let d = difference(x, y, at: "\(path).\(key)") { return d }
            }
            return nil
        case let (.array(a), .array(b)) where a.count == b.count:
            for (i, (x, y)) in zip(a, b).enumerated() {
                if let d = difference(x, y, at: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return ours == botocore ? nil : "\(path): ours \(ours.serialized()), botocore \(botocore.serialized())"
        }
    }
}
