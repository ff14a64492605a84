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
            try command.run()
            exit(0)
        } catch let e as ToolError {
            log("\(name): \(e)")
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
            let text = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            log("\(name): \(text) (see --help)")
            exit(2)
        }
    }
}
