import ArgumentParser
import AWSCore

/// Runs a tool's command with the exit-code convention: 0 done, 1 AWS or remote failure,
/// 2 bad input or usage (argument-parser's own 64 included), 5 filter failure, 130/143 when
/// interrupted. Errors go to stderr as one line that names the tool.
public enum ToolMain {
    public static func run<C: ParsableCommand>(_ type: C.Type) -> Never {
        Interrupt.install()
        let name = C.configuration.commandName ?? "tool"
        do {
            var command = try type.parseAsRoot()
            let subcommands = C.configuration.subcommands.map { $0._commandName }
            if Swift.type(of: command) == C.self, !subcommands.isEmpty {
                throw ToolError.usage("give a subcommand: \(subcommands.joined(separator: ", ")) (see --help)")
            }
            try command.run()
            exit(0)
        } catch let e as ToolError {
            // One line, whatever the message echoes (a header name, a filter, an AWS message).
            log("\(name): \(e)".replacing("\r", with: "\\r").replacing("\n", with: "\\n"))
            exit(e.exitCode)
        } catch let e as JSONParseError {
            log("\(name): malformed JSON: \(e)")
            exit(2)
        } catch {
            let code = type.exitCode(for: error)
            if code == .success {
                print(type.fullMessage(for: error))
                exit(0)
            }
            if let e = error as? ExitCode { exit(e.rawValue) }
            let message = type.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            var text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            // argument-parser names a missing flag before an unknown one; a misspelt flag is the cause.
            if let unknown = unknownOption(type, Array(CommandLine.arguments.dropFirst())) {
                text = "Unknown option '\(unknown)'"
            }
            log("\(name): \(text) (see --help)")
            exit(2)
        }
    }

    /// The first `--name` among the arguments that the (sub)command's help, hidden flags
    /// included, does not list.
    static func unknownOption<C: ParsableCommand>(_ root: C.Type, _ args: [String]) -> String? {
        var command: ParsableCommand.Type = root
        for arg in args where !arg.hasPrefix("-") {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == arg }) else { break }
            command = sub
        }
        let help = root.helpMessage(for: command, includeHidden: true, columns: 10_000)
        let known = Set(help.split { !($0.isLetter || $0.isNumber || $0 == "-") }.filter { $0.hasPrefix("--") })
        let given = args.prefix { $0 != "--" }.filter { $0.hasPrefix("--") }
        return given.map { String($0.split(separator: "=", maxSplits: 1)[0]) }.first { !known.contains(Substring($0)) }
    }
}
