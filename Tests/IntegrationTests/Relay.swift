import Foundation
@testable import AWSCore

/// `Tests/network/relay.py` in front of the emulator, one per test: an HTTPS endpoint with a
/// certificate made for the test, or a plain one that holds back the answer of one chosen
/// request, so that a test can signal the tool while it waits for it.
final class Relay {
    let dir: String
    let process = Process()
    let url: String

    /// `hold`: text of the request whose answer never comes (after one containing `after`);
    /// `lose`: the same, but its connection is closed once the emulator has done the work;
    /// `tls`: the certificate and key the relay presents.
    /// `listen`: a Unix socket path instead of a port (`url` is then empty).
    init(
        hold: String? = nil, lose: String? = nil, after: String? = nil, tls: (cert: String, key: String)? = nil,
        listen: String? = nil
    ) throws {
        dir = NSTemporaryDirectory() + "relay-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = Emulator.endpoint.replacingOccurrences(of: "http://", with: "")
        var args = [Seed.root + "/Tests/network/relay.py", "--to", target, "--state", dir]
        if let hold { args += ["--hold", hold] }
        if let lose { args += ["--lose", lose] }
        if let after { args += ["--after", after] }
        if let tls { args += ["--tls", tls.cert, tls.key] }
        if let listen { args += ["--listen", "unix:" + listen] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + args
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let process = process, portFile = dir + "/port"
        guard Wait.until({ FileManager.default.fileExists(atPath: portFile) || !process.isRunning }),
            let port = try? String(contentsOfFile: portFile, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
        else {
            process.terminate()
            throw ToolError.remote(
                "Tests/network/relay.py did not start (exit \(process.isRunning ? -1 : process.terminationStatus))")
        }
        // By name over TLS: the certificate names localhost, and no_proxy can name it.
        url = listen != nil ? "" : tls == nil ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)"
    }

    /// Whether the request to hold has arrived (and was passed on to the emulator).
    var held: Bool { FileManager.default.fileExists(atPath: dir + "/held") }

    /// Everything the clients sent so far (TLS relays: the decrypted requests).
    var requests: String { (try? String(contentsOfFile: dir + "/requests", encoding: .utf8)) ?? "" }

    /// SIGKILL: Foundation starts children with SIGTERM blocked, and the relay keeps nothing worth saving.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { stop() }
}
