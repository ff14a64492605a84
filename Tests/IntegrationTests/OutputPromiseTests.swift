import Foundation
import Testing
@testable import AWSCore

/// What the README promises about the tools' stderr and terminal output.
extension Integration {
    @Suite struct OutputPromiseTests {
        static let describeRegions = #"{"service":"ec2","body":"Action=DescribeRegions&Version=2016-11-15"}"#

        /// SANDBOX_DEBUG=1: one line per request, and no secret in any of them, also when AWS refuses.
        @Test func debugLinesCarryNoSecret() throws {
            let secret = try #require(Emulator.settings["AWS_SECRET_ACCESS_KEY"])
            let ok = try run(
                "aws-sign-request", stdin: Self.describeRegions, env: Emulator.environment(["SANDBOX_DEBUG": "1"]))
            #expect(ok.status == 0 && ok.stderr.contains("POST"), "no debug line: \(ok.stderr)")
            let token = "session-token-\(getpid())-FwoGZXIvYXdzEJr"
            let refused = try run(
                "aws-sign-request", stdin: Self.describeRegions,
                env: Emulator.environment(["SANDBOX_DEBUG": "1", "AWS_SESSION_TOKEN": token]))
            #expect(refused.status == 1, "\(refused.stderr)")
            for r in [ok, refused] {
                #expect(!r.stderr.isEmpty)
                #expect(
                    !r.stderr.contains(secret) && !r.stderr.contains(token) && !r.stdout.contains(secret), "\(r.stderr)"
                )
            }
        }

        /// On a terminal the table is coloured, unless NO_COLOR is set (util-linux's script gives the terminal).
        @Test func theTableOnATerminalHasColourUnlessNoColor() throws {
            let id = "color\(getpid())"
            _ = try Seed.run([
                "--asset-id", id, "--bucket", "color-\(getpid())", "--objects", "0", "--amis", "1",
                "--exports", "0", "--key-pairs", "0", "--stacks", "0",
            ])
            let listed = try run("list-assets", ["--asset-id", id])
            defer { _ = try? run("purge-assets", ["--yes", "--asset-id", id], stdin: listed.stdout) }
            let command = "'\(Emulator.bin)/list-assets' --asset-id \(id) --kinds ami --format table"
            let coloured = try run("/usr/bin/script", ["-qec", command, "/dev/null"])
            let plain = try run(
                "/usr/bin/script", ["-qec", command, "/dev/null"], env: Emulator.environment(["NO_COLOR": "1"]))
            #expect(
                coloured.status == 0 && coloured.stdout.contains("\u{1B}["),
                "no colour on a terminal: \(coloured.stdout)")
            #expect(
                plain.status == 0 && !plain.stdout.contains("\u{1B}[") && plain.stdout.contains("ami"),
                "\(plain.stdout)")
        }
    }
}
