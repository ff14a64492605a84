import Foundation
import Testing
@testable import AWSCore

/// What the credential source tests share: a role allowed everything, a scratch directory, the
/// emulator's environment without keys, and a tool run that outlasts short-lived keys.
struct CredentialSetup {
    let aws: AWSClient
    let unique = "cred\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
    /// With a space in it: paths in profiles must survive quoting.
    let dir: String
    static let callerIdentity = #"{"service":"sts","body":"Action=GetCallerIdentity&Version=2011-06-15"}"#

    init() throws {
        aws = try AWSClient(environment: Emulator.environment())
        dir = NSTemporaryDirectory() + "credential tests \(getpid())/\(unique)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// Writes a file in `dir` (folders made on the way) and returns its path.
    @discardableResult
    func file(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { chmod(path, 0o755) }
        return path
    }

    /// The emulator's environment without its keys: the route under test must find them.
    func keyless(_ overrides: [String: String?]) -> [String: String] {
        Emulator.environment(["AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil].merging(overrides) { $1 })
    }

    /// A role allowed everything, trusted as `trust` says; removed by the returned closure.
    func makeRole(_ name: String, trust: String) throws -> (arn: String, remove: () -> Void) {
        let created = try aws.query("iam", "CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trust)])
        let arn = created["CreateRoleResult"]?["Role"]?["Arn"]?.string
        let all = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try aws.query(
            "iam", "PutRolePolicy", [("RoleName", name), ("PolicyName", "all"), ("PolicyDocument", all)])
        return (
            try #require(arn),
            { [aws] in
                _ = try? aws.query("iam", "DeleteRolePolicy", [("RoleName", name), ("PolicyName", "all")])
                _ = try? aws.query("iam", "DeleteRole", [("RoleName", name)])
            }
        )
    }

    func arn(_ r: ToolResult) -> String { r.json?["json"]?["GetCallerIdentityResult"]?["Arn"]?.string ?? "" }

    /// `cfn-deploy` of a one-resource stack while the emulator holds back its first answer
    /// (ValidateTemplate) `hold` seconds: keys fetched for that first request and lasting
    /// `credentialSeconds` = 3 are due (half their life) for every later one, before they expire.
    /// The stack is removed afterwards with the emulator's own keys.
    func outlastingRun(_ env: [String: String], hold: Double = 2) throws -> StartedTool {
        try Emulator.configure(["delay": ["action": "ValidateTemplate", "seconds": .number(hold)]])
        let template = try file("stack.yaml", "Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n")
        return try StartedTool(
            "cfn-deploy", ["--stack", "Credentials-\(unique)", "--template", template],
            env: env.merging(["SANDBOX_DEBUG": "1"]) { $1 })
    }

    /// After `outlastingRun`: the emulator's settings back, the stack gone.
    func cleanUpRun() {
        try? Emulator.configure(["delay": nil, "credentialSeconds": 3600])
        _ = try? run("cfn-deploy", ["--delete", "--stack", "Credentials-\(unique)"])
    }

    /// The run renewed its keys before their Expiration, not on an expired-token answer.
    func expectRenewedAhead(_ r: ToolResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 0, "\(r.stderr.suffix(3000))", sourceLocation: sourceLocation)
        #expect(r.stderr.contains("credentials renewed"), "\(r.stderr.suffix(3000))", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains(": renewing"), "renewed only when AWS refused them", sourceLocation: sourceLocation)
    }

    /// The AWS actions the emulator received during `body`.
    func actions(during body: () throws -> Void) throws -> [String] {
        let before = try Emulator.actions().count
        try body()
        return Array(try Emulator.actions().dropFirst(before))
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
