/// A profile's `credential_process` (aws-vault, granted, 1Password, …), run as botocore runs it
/// (credentials.py, ProcessProvider): the command split into words (`ShellWords`, no shell), its
/// stdout one JSON object `{"Version":1,"AccessKeyId","SecretAccessKey","SessionToken"?,
/// "Expiration"?}` (the AWS CLI user guide, "Sourcing credentials with an external process").
/// With an `Expiration` the keys are refreshed like every temporary key (`CredentialRefresh`), by
/// running the command again. Its stderr passes through; its output holds secrets, so no message
/// repeats it. Every failure is a local one before any request: exit 2.
struct CredentialProcess {
    let command: String
    let profile: String

    func credentials(environment: [String: String]) throws -> Credentials {
        guard let words = ShellWords.split(command), !words.isEmpty else {
            throw failure("is empty, has an unclosed quotation mark or ends in a backslash")
        }
        let outcome: ChildProcess.Outcome
        do { outcome = try ChildProcess.run(words, environment: environment) } catch let e as ToolError {
            throw failure("\(e)")
        }
        guard outcome.status == 0 else {
            throw failure("'\(words[0])' exited with status \(outcome.status); its own messages, if any, are above")
        }
        return try decode(outcome.output)
    }

    /// The credentials in the command's output.
    func decode(_ output: [UInt8]) throws -> Credentials {
        guard let json = try? JSON.parse(output), json.object != nil else {
            throw failure(#"printed no JSON object; expected {"Version": 1, "AccessKeyId": …, "SecretAccessKey": …}"#)
        }
        guard json["Version"]?.number == 1 else {
            throw failure("answered without \"Version\": 1, the only version there is")
        }
        for key in ["AccessKeyId", "SecretAccessKey"] where json[key]?.string?.isEmpty ?? true {
            throw failure("answered no \(key)")
        }
        var expiration: Int?
        if let value = json["Expiration"], value != .null {
            guard let seconds = value.string.flatMap(RFC3339.seconds) else {
                throw failure("answered an Expiration that is not an RFC 3339 time such as 2026-11-28T18:00:00Z")
            }
            expiration = seconds
        }
        return Credentials(
            accessKeyId: json["AccessKeyId"]?.string ?? "", secretAccessKey: json["SecretAccessKey"]?.string ?? "",
            sessionToken: json["SessionToken"]?.string, source: "profile \(profile) (credential_process)",
            expiration: expiration)
    }

    private func failure(_ what: String) -> ToolError {
        .usage("profile '\(profile)': credential_process \(what)")
    }
}
