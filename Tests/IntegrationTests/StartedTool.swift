import Foundation
import Testing

/// One of the built tools (or the program at an absolute path) running as a process, for a test
/// that waits for it, or watches and signals it while it runs. Both pipes are read as the tool
/// writes, so a chatty tool cannot block on a full pipe.
final class StartedTool {
    let process = Process()
    private let input = Pipe()
    private let group = DispatchGroup()
    private final class Sink: @unchecked Sendable { var data = Data() }
    private let out = Sink(), err = Sink()

    /// `stdin`: written, then closed; nil with `holdStdin` leaves it open, for a tool that waits on it.
    init(
        _ tool: String, _ args: [String] = [], stdin: String? = nil, env: [String: String] = Emulator.environment(),
        holdStdin: Bool = false
    ) throws {
        process.executableURL = URL(fileURLWithPath: tool.hasPrefix("/") ? tool : Emulator.bin + "/" + tool)
        process.arguments = args
        process.environment = env
        let outPipe = Pipe(), errPipe = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (input, outPipe, errPipe)
        try process.run()
        for (pipe, sink) in [(outPipe, out), (errPipe, err)] {
            group.enter()
            DispatchQueue.global().async { [group] in
                sink.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        if !holdStdin { try input.fileHandleForWriting.close() }
    }

    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits until `condition` holds while the tool still runs, then sends `signal`; a tool that
    /// ended first, or a condition that never came (then SIGKILL), is recorded as a failure.
    func signal(_ signal: Int32, when what: String, _ condition: () throws -> Bool) rethrows {
        let reached = try Wait.until { try condition() || !isRunning }
        let running = isRunning
        #expect(reached && running, "\(what) did not happen while the tool ran")
        if running { kill(process.processIdentifier, reached ? signal : SIGKILL) }
    }

    /// Waits for the end: the exit status and everything the tool wrote.
    func finish() -> ToolResult {
        try? input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return ToolResult(
            status: process.terminationStatus, stdout: String(decoding: out.data, as: UTF8.self),
            stderr: String(decoding: err.data, as: UTF8.self))
    }
}
