import Foundation
import Testing

/// Runs a tool with its stdout on a terminal, as in a person's shell (util-linux's script gives
/// the terminal; stderr is dropped, the terminal's carriage returns too).
func runOnTerminal(_ tool: String, _ args: [String]) throws -> ToolResult {
    let words = ([Emulator.bin + "/" + tool] + args).map {
        "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
    let r = try run("/usr/bin/script", ["-qec", words.joined(separator: " ") + " 2>/dev/null", "/dev/null"])
    return ToolResult(status: r.status, stdout: r.stdout.replacingOccurrences(of: "\r\n", with: "\n"), stderr: r.stderr)
}

extension Integration {
    /// Issue 22, point 5: on a terminal list-assets prints a table, but `--filter`, `-r` and `-c`
    /// ask for JSON; a combination that cannot apply is refused.
    @Suite struct TerminalOutputTests {
        let id = "to\(getpid())"

        @Test func filterRawAndCompactSwitchToJSONOnATerminal() throws {
            let table = try runOnTerminal("list-assets", ["--asset-id", id, "--kinds", "key-pair"])
            #expect(table.status == 0 && table.stdout.contains("No assets."), "\(table.stdout) \(table.stderr)")
            let filtered = try runOnTerminal(
                "list-assets", ["--asset-id", id, "--kinds", "key-pair", "--filter", "length"])
            #expect(filtered.status == 0 && filtered.stdout == "0\n", "\(filtered.stdout) \(filtered.stderr)")
            let compact = try runOnTerminal("list-assets", ["--asset-id", id, "--kinds", "key-pair", "-c"])
            #expect(compact.status == 0 && compact.stdout == "[]\n", "\(compact.stdout) \(compact.stderr)")
            let raw = try runOnTerminal(
                "list-assets", ["--asset-id", id, "--kinds", "key-pair", "-r", "--filter", #""n=\(length)""#])
            #expect(raw.status == 0 && raw.stdout == "n=0\n", "\(raw.stdout) \(raw.stderr)")
        }

        @Test(arguments: [
            ["--format", "markdown", "-c"], ["--format", "table", "-r"], ["--format", "table", "--filter", "."],
            ["--format", "markdown", "--filter", "."],
        ])
        func aCombinationThatCannotApplyIsRefused(_ args: [String]) throws {
            let before = try Emulator.requestCount()
            let r = try run("list-assets", ["--asset-id", id] + args)
            #expect(
                r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains("--format json"), "\(args): \(r.stderr)")
            #expect(try Emulator.requestCount() == before)
        }
    }
}
