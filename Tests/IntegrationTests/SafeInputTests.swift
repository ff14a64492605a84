import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

extension Integration {
    /// Inputs that crashed a tool or reached the wire: each ends in its contract exit with one
    /// stderr line, before any request.
    @Suite struct SafeInputTests {
        let ec2 =
            #""service":"ec2","headers":{"Content-Type":"application/x-www-form-urlencoded"},"body":"Action=DescribeRegions&Version=2016-11-15""#

        func oneLine(_ r: ToolResult, exit: Int32, _ what: String) {
            #expect(
                r.status == exit && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1,
                "\(what): \(r.status) \(r.stderr)")
        }

        /// Starts a tool, signals it after a moment, and returns its exit status and stderr.
        func signalled(_ tool: String, _ args: [String], stdin: String?, env: [String: String], signal: Int32) throws
            -> (Int32, String)
        {
            let started = try StartedTool(tool, args, stdin: stdin, env: env, holdStdin: stdin == nil)
            sleep(2)  // the tool is blocked on stdin, or in the endless filter
            started.signal(signal)
            let r = started.finish()
            return (r.status, r.stderr)
        }

        @Test func numbersTooLargeExit2() throws {
            let before = try Emulator.requestCount()
            for size in ["1e19", "1e400"] {
                let entry = #"{"Kind":"ami","Id":"ami-1","AssetId":"x","Region":"eu-west-1","Size":\#(size)}"#
                oneLine(try run("purge-assets", ["--yes", "--asset-id", "x"], stdin: entry), exit: 2, "size \(size)")
            }
            let query = try run("aws-sign-request", stdin: #"{"service":"ec2","path":"/","query":{"a":1e400}}"#)
            oneLine(query, exit: 2, "query 1e400")
            #expect(try Emulator.requestCount() == before)
        }

        @Test func requestsThatWouldChangeTheHostOrAddHeadersExit2() throws {
            let before = try Emulator.requestCount()
            for request in [
                #"{"service":"evil.example/x?","body":"Action=X"}"#,
                #"{\#(ec2.replacingOccurrences(of: "\"Content-Type\":\"application/x-www-form-urlencoded\"", with: "\"X-A\":\"1\\r\\nX-Evil: 1\""))}"#,
                #"{"service":"ec2","headers":{"X-A\nB":"1"},"body":"Action=X"}"#,
            ] {
                oneLine(try run("aws-sign-request", stdin: request), exit: 2, request)
            }
            #expect(try Emulator.requestCount() == before)
        }

        @Test func containerCredentialsOnlyFromAllowedHosts() throws {
            let before = try Emulator.requestCount()
            let noKeys: [String: String?] = [
                "AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil, "AWS_SESSION_TOKEN": nil,
            ]
            for (name, value) in [
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://198.51.100.7/creds"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.2.evil.example/creds"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/creds"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "//evil.example/creds"),
            ] {
                var env = noKeys
                env[name] = value
                oneLine(try run("aws-sign-request", stdin: "{\(ec2)}", env: Emulator.environment(env)), exit: 2, value)
            }
            #expect(try Emulator.requestCount() == before)
        }

        @Test func plainHTTPToAnotherHostIsWarnedAbout() throws {
            // 0.0.0.0 reaches the local emulator but is no loopback name: the warning's case.
            let other = Emulator.endpoint.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0")
            let r = try run(
                "aws-sign-request", stdin: "{\(ec2)}", env: Emulator.environment(["AWS_ENDPOINT_URL": other]))
            #expect(
                r.status == 0 && r.stderr.contains("warning: signed requests go to 0.0.0.0 over plain http"),
                "\(r.stderr)")
            #expect(try run("aws-sign-request", stdin: "{\(ec2)}").stderr.isEmpty)
        }

        /// libjq's `input`, `inputs`, `include`, `import` and `halt_error` behave as in jq.
        @Test func filtersThatCrashedLibjq() throws {
            let dry = ["--dry-run", "--time", "20150830T123600Z"]
            let input = try run("aws-sign-request", dry + ["--filter", "input"], stdin: "{\(ec2)}")
            oneLine(input, exit: 5, "input")
            let inputs = try run("aws-sign-request", dry + ["-c", "--filter", "[inputs]"], stdin: "{\(ec2)}")
            #expect(inputs.status == 0 && inputs.stdout == "[]\n", "\(inputs.stderr)")
            for filter in [#"include "x"; ."#, #"import "x" as x; ."#, "# note\n  import \"x\" as $x; ."] {
                oneLine(try run("aws-sign-request", dry + ["--filter", filter], stdin: "{\(ec2)}"), exit: 2, filter)
            }
            // halt_error: the message as it is on stderr, the exit code given (jq's behaviour).
            let halted = try run(
                "aws-sign-request", dry + ["--filter", #"1, ("bye\n" | halt_error(3)), 2"#], stdin: "{\(ec2)}")
            #expect(
                halted.status == 3 && halted.stdout == "1\n" && halted.stderr == "bye\n",
                "\(halted.status) \(halted.stderr)")
            let object = try run("aws-sign-request", dry + ["--filter", #"{"a":1} | halt_error"#], stdin: "{\(ec2)}")
            #expect(object.status == 5 && object.stderr == "{\"a\":1}\n", "\(object.stderr)")
            // -r prints a string whole, NUL included.
            let nul = try run("aws-sign-request", dry + ["-r", "--filter", #""a\u0000b""#], stdin: "{\(ec2)}")
            #expect(nul.status == 0 && Array(nul.stdout.utf8) == [0x61, 0, 0x62, 0x0A])
        }

        @Test func endlessFiltersEndWithExit5() throws {
            let env = Emulator.environment(["SANDBOX_FILTER_SECONDS": "3", "SANDBOX_FILTER_MEMORY_MB": "256"])
            for filter in ["def f: f; f", "repeat(.)", "[repeat(.)]"] {
                let r = try run("aws-sign-request", ["--dry-run", "--filter", filter], stdin: "{\(ec2)}", env: env)
                #expect(
                    r.status == 5 && r.stderr.contains("--filter") && r.stderr.contains("stopped"),
                    "\(filter): \(r.stderr)")
            }
        }

        @Test func signalsStopAFilterAndAReadOfStdin() throws {
            let (term, termErr) = try signalled(
                "aws-sign-request", ["--dry-run", "--filter", "def f: f; f"], stdin: "{\(ec2)}",
                env: Emulator.environment(), signal: SIGTERM)
            #expect(term == 143, "\(termErr)")
            let (int, intErr) = try signalled(
                "purge-assets", ["--asset-id", "x"], stdin: nil, env: Emulator.environment(), signal: SIGINT)
            #expect(int == 130 && intErr.split(separator: "\n").count == 1, "\(intErr)")
        }
    }
}
