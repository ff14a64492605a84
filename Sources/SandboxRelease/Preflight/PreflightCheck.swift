import AWSCore

/// One check of a preflight, as it prints: `{"Check","How","Ok","Detail"}`, or the line
/// `ok    <check> (<how>): <detail>` / `FAIL  …`.
public struct PreflightCheck: Equatable {
    public var check: String
    /// `read` (a setting read as it is), `dry run` (the request itself with DryRun=true) or
    /// `simulated` (iam:SimulatePrincipalPolicy, for what exists only during a release).
    public var how: String
    public var ok: Bool
    public var detail: String

    public var json: JSON {
        ["Check": .string(check), "How": .string(how), "Ok": .bool(ok), "Detail": .string(detail)]
    }

    public var line: String { "\(ok ? "ok  " : "FAIL")  \(check) (\(how))" + (detail.isEmpty ? "" : ": \(detail)") }
}
