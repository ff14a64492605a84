/// Whether a call may be sent again after a server error or a dropped connection without
/// creating anything twice: it only reads, or it carries a token the service deduplicates by.
/// The one rule for every protocol (query, JSON, and the raw requests of aws-sign-request).
public enum Idempotency {
    static let readOnlyPrefixes = ["Describe", "List", "Get", "Validate", "Search", "Estimate"]
    /// The parameter names of client tokens across the APIs (EC2, CloudFormation, CodeBuild…).
    static let tokenNames: Set<String> = ["ClientToken", "ClientRequestToken", "idempotencyToken"]

    public static func isReadOnly(_ action: String) -> Bool {
        readOnlyPrefixes.contains { action.hasPrefix($0) }
    }

    /// `parameterNames`: the top-level names of the call's parameters (form fields or JSON keys).
    public static func isSafeToRepeat(action: String, parameterNames: [String]) -> Bool {
        isReadOnly(action) || parameterNames.contains { tokenNames.contains($0) }
    }
}
