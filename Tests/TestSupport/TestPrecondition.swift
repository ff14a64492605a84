import Foundation
import Testing

/// What a test needs but a machine may lack: the emulator, the SigV4 suite beside the
/// repository, a vector file. A missing one fails the test, so a run cannot pass while testing
/// nothing. Only `ALLOW_SKIPS=1` makes it a skip, and then every skip is counted, one line in
/// `SKIP_LOG`, for `make test` to report.
public enum TestPrecondition {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// True when `ok`. Otherwise records an issue that names `reason`, or with ALLOW_SKIPS=1
    /// counts a skip, and returns false: the caller returns without testing.
    public static func met(
        _ ok: Bool, _ reason: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        if ok { return true }
        guard environment["ALLOW_SKIPS"] == "1" else {
            Issue.record("\(reason()); ALLOW_SKIPS=1 would skip this test instead", sourceLocation: sourceLocation)
            return false
        }
        count("\(sourceLocation.fileID):\(sourceLocation.line): \(reason())")
        return false
    }

    /// One line per skip; appends are atomic, so tests running side by side each add theirs.
    static func count(_ line: String) {
        print("skipped (ALLOW_SKIPS=1): \(line)")
        guard let path = environment["SKIP_LOG"], let file = fopen(path, "a") else { return }
        fputs(line.replacingOccurrences(of: "\n", with: " ") + "\n", file)
        fclose(file)
    }
}
