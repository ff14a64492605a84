import Foundation
import Testing
@testable import AWSCore

/// `credential_process` as botocore runs it (credentials.py, ProcessProvider): the command split
/// into words, no shell; stdout one JSON object with `Version` 1; a non-zero exit fails.
struct CredentialProcessTests {
    let scratch = Scratch()

    /// A script that prints `json` (within double quotes of sh) and exits with `status`.
    func script(_ json: String, exit status: Int = 0) -> String {
        scratch.file("bin/creds", "#!/bin/sh\nprintf '%s' \"\(json)\"\nexit \(status)\n", mode: 0o755)
    }

    func profile(_ process: String) -> [String: String] {
        scratch.file("config", "[profile dev]\ncredential_process = \(process)\nregion = eu-west-1\n")
        return scratch.environment(["AWS_PROFILE": "dev"])
    }

    @Test func theCommandRunsWithoutAShellAndItsJSONAreTheCredentials() throws {
        let path = scratch.file(
            "bin/my creds",
            """
            #!/bin/sh
            printf '{"Version":1,"AccessKeyId":"AK%s","SecretAccessKey":"SK","SessionToken":"TK","Expiration":"2030-01-02T03:04:05Z"}' "$#-$1"

            """, mode: 0o755)
        let c = try scratch.resolve(profile(#""\#(path)" 'one $HOME' two"#))
        #expect(c.accessKeyId == "AK2-one $HOME")
        #expect(c.secretAccessKey == "SK" && c.sessionToken == "TK")
        #expect(c.expiration == AmzDate(iso8601: "2030-01-02T03:04:05Z")?.seconds)
        #expect(c.source.contains("dev") && c.source.contains("credential_process"))
    }

    @Test func withoutExpirationTheyAreLongTermKeys() throws {
        let c = try scratch.resolve(
            profile(script(#"{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"S\"}"#)))
        #expect(c.accessKeyId == "AK" && c.sessionToken == nil && c.expiration == nil)
    }

    func failure(_ environment: [String: String]) -> String {
        do {
            _ = try scratch.resolve(environment)
            return "no error"
        } catch let e as ToolError {
            #expect(e.exitCode == 2, "a credential_process failure is a local one, before any request: \(e)")
            return e.description
        } catch { return "\(error)" }
    }

    @Test func aFailingProcessNamesItsStatusAndTheProfile() {
        let message = failure(profile(script("", exit: 3)))
        #expect(message.contains("profile 'dev'") && message.contains("exited with status 3"), "\(message)")
    }

    @Test func aCommandThatCannotRunIsNamed() {
        let message = failure(profile("/nonexistent/aws-vault export dev"))
        #expect(message.contains("/nonexistent/aws-vault"), "\(message)")
    }

    @Test func anUnclosedQuoteIsRefused() {
        let message = failure(profile(#""/usr/bin/aws-vault export"#))
        #expect(message.contains("credential_process") && message.contains("quot"), "\(message)")
    }

    /// The output holds secrets: a message never repeats it.
    @Test func whatTheProcessPrintsIsCheckedAndNeverEchoed() {
        for (json, problem) in [
            (#"not json SECRETVALUE"#, "JSON"),
            (#"{\"Version\":2,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SECRETVALUE\"}"#, "Version"),
            (#"{\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SECRETVALUE\"}"#, "Version"),
            (#"{\"Version\":1,\"AccessKeyId\":\"AK\",\"SessionToken\":\"SECRETVALUE\"}"#, "SecretAccessKey"),
            (#"{\"Version\":1,\"SecretAccessKey\":\"SECRETVALUE\"}"#, "AccessKeyId"),
            (
                #"{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SECRETVALUE\",\"Expiration\":\"soon\"}"#,
                "Expiration"
            ),
        ] {
            let message = failure(profile(script(json)))
            #expect(message.contains(problem) && message.contains("profile 'dev'"), "\(json): \(message)")
            #expect(!message.contains("SECRETVALUE"), "\(message)")
        }
    }

    /// A process started while another one runs gets none of the other's descriptors: a child
    /// holding a copy of another's pipe would keep that one's reader waiting until it ends.
    @Test func aProcessInheritsNoDescriptorOfAnother() throws {
        let started = scratch.path + "/started"
        let other = Thread {  // it names its stdout, the pipe its parent reads, then waits
            let name = "p=$(readlink /proc/$$/fd/1); echo \"$p\" >'\(started).tmp' && mv '\(started).tmp' '\(started)'"
            _ = try? ChildProcess.run(["/bin/sh", "-c", name + "; sleep 3"], environment: [:])
        }
        other.start()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: started) { usleep(50_000) }
        let pipe = try String(contentsOfFile: started, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pipe.hasPrefix("pipe:"), "the other process names its stdout \(pipe)")
        let beside = try ChildProcess.run(
            ["/bin/sh", "-c", "for fd in /proc/$$/fd/*; do readlink \"$fd\"; done"], environment: [:]
        ).output
        #expect(!String(decoding: beside, as: UTF8.self).split(separator: "\n").contains(Substring(pipe)))
    }

    /// A program still open for writing for a moment (a script just written, whose descriptor a
    /// child forked by another thread holds until its exec) runs once it is closed.
    @Test func aProgramBusyForAMomentRunsWhenItIsClosed() throws {
        let path = script(#"{\"Version\":1}"#)
        let writer = open(path, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        let closer = Thread {
            usleep(30_000)
            close(writer)
        }
        closer.start()
        let outcome = try ChildProcess.run([path], environment: [:])
        #expect(outcome.status == 0 && String(decoding: outcome.output, as: UTF8.self) == #"{"Version":1}"#)
    }

    /// RFC 3339 as the AWS CLI documents `Expiration`: UTC, an offset, fractions of a second.
    @Test(arguments: [
        ("2030-01-02T03:04:05Z", "20300102T030405Z"), ("2030-01-02T03:04:05.123Z", "20300102T030405Z"),
        ("2030-01-02T05:04:05+02:00", "20300102T030405Z"), ("2030-01-01T22:04:05-05:00", "20300102T030405Z"),
        ("2030-01-02T03:04:05+00:00", "20300102T030405Z"),
    ])
    func expirationInAnyRFC3339Form(text: String, utc: String) {
        let seconds = AmzDate(iso8601: utc)?.seconds
        #expect(CredentialChain.expirationSeconds(.string(text)) == seconds)
        #expect(seconds.map(RFC3339.string).flatMap(RFC3339.seconds) == seconds, "written as it is read")
    }
}
