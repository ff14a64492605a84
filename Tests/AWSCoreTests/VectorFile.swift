import Testing
import TestSupport
@testable import AWSCore

/// A JSON array of cases that make writes before the tests run (`BOTOCORE_VECTORS`,
/// `XML_ANSWERS`), named by an environment variable. Only a missing file may become a skip: one
/// that is there but unreadable or malformed is a failure, named as such.
struct VectorFile {
    let cases: Result<[JSON], Failure>

    enum Failure: Error {
        case missing(String)
        case broken(String)
    }

    init(_ variable: String, what: String) { cases = VectorFile.load(variable, what: what) }

    static func load(_ variable: String, what: String) -> Result<[JSON], Failure> {
        guard let path = processEnvironment()[variable] else {
            return .failure(.missing("\(variable) is not set (make test-swift generates the file and sets it)"))
        }
        guard access(path, F_OK) == 0 else {
            return .failure(.missing("no \(what) at \(path) (make test-swift generates it)"))
        }
        guard let bytes = readFile(path) else { return .failure(.broken("cannot read the \(what) \(path)")) }
        do {
            guard let list = try JSON.parse(bytes).array else {
                return .failure(.broken("\(path) is not a JSON array of cases"))
            }
            return .success(list)
        } catch {
            return .failure(.broken("the \(what) \(path) is malformed: \(error); delete it and run make test-swift"))
        }
    }

    /// The cases; nil when there are none, after counting the skip or recording the failure.
    func load(sourceLocation: SourceLocation = #_sourceLocation) -> [JSON]? {
        switch cases {
        case let .success(list): return list
        case let .failure(.missing(reason)):
            _ = TestPrecondition.met(false, reason, sourceLocation: sourceLocation)
            return nil
        case let .failure(.broken(reason)):
            Issue.record(Comment(rawValue: reason), sourceLocation: sourceLocation)
            return nil
        }
    }
}
