import Foundation
import Testing
@testable import AWSCore
@testable import SandboxRelease

/// Every integration test runs the built executables as processes against the emulator, as a
/// user's shell would. They share one emulator, so they run one at a time (see `Integration`).
@Suite(.serialized, .emulatorRequired)
enum Integration {}

enum Emulator {
    /// A bucket in the emulator's region, made for a test's setup (not what the test is about).
    static func makeBucket(_ name: String, with aws: AWSClient? = nil) throws {
        let aws = try aws ?? AWSClient(environment: environment())
        let location =
            "<CreateBucketConfiguration><LocationConstraint>\(aws.region)</LocationConstraint></CreateBucketConfiguration>"
        _ = try aws.s3("PUT", bucket: name, body: .bytes(Array(location.utf8)))
    }

    static let envFile = ProcessInfo.processInfo.environment["EMULATOR_ENV"] ?? "build/emulator/env"
    static let bin = ProcessInfo.processInfo.environment["SANDBOX_BIN"] ?? ".build/release"

    /// The emulator's exports (endpoint, region, credentials), read from its env file.
    static let settings: [String: String] = {
        guard let text = try? String(contentsOfFile: envFile, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            var l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("export ") { l = String(l.dropFirst(7)) }
            guard let eq = l.firstIndex(of: "=") else { continue }
            var v = String(l[l.index(after: eq)...])
            if v.hasPrefix("'") && v.hasSuffix("'") || v.hasPrefix("\"") && v.hasSuffix("\"") {
                v = String(v.dropFirst().dropLast())
            }
            out[String(l[..<eq])] = v
        }
        return out
    }()

    /// Looked at once per run: whether the tools are built and the emulator answers.
    static let available = unavailableReason.isEmpty

    static let unavailableReason: String = {
        guard FileManager.default.isExecutableFile(atPath: bin + "/aws-sign-request") else {
            return "the tools are not built in \(bin) (make build)"
        }
        guard let url = settings["AWS_ENDPOINT_URL"] else {
            return "no emulator: \(envFile) is missing or names no AWS_ENDPOINT_URL (make emulator)"
        }
        return (try? control("GET", url + "/_emulator/config")) != nil
            ? "" : "the emulator at \(url) does not answer (make emulator)"
    }()

    static var endpoint: String { settings["AWS_ENDPOINT_URL"]! }

    /// A clean environment: the emulator's settings, an empty HOME (no ~/.aws of the machine),
    /// and no instance metadata look-up.
    static func environment(_ overrides: [String: String?] = [:]) -> [String: String] {
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": emptyHome, "AWS_EC2_METADATA_DISABLED": "true",
        ]
        env.merge(settings) { $1 }
        for (k, v) in overrides { env[k] = v }
        return env
    }

    static let emptyHome: String = {
        let dir = NSTemporaryDirectory() + "sandbox-home-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    @discardableResult
    static func control(_ method: String, _ url: String, _ body: JSON? = nil) throws -> JSON {
        let http = HTTPClient(environment: [:])
        let r = try http.send(
            HTTPRequest(
                method: method, url: url, headers: HTTPHeaders([("Content-Type", "application/json")]),
                body: body.map { .bytes(Array($0.serialized().utf8)) } ?? .empty))
        guard r.status == 200 else { throw ToolError.remote("emulator control \(url): HTTP \(r.status)") }
        return try JSON.parse(r.body)
    }

    /// How many AWS requests the emulator has received so far.
    static func requestCount() throws -> Int {
        Int(try control("GET", endpoint + "/_emulator/requests")["count"]!.number!)
    }

    /// The AWS actions received so far (`ec2:DescribeImages`, …), in order of arrival.
    static func actions() throws -> [String] {
        try control("GET", endpoint + "/_emulator/requests")["actions"]?.list.compactMap(\.string) ?? []
    }

    static func configure(_ settings: JSON) throws { try control("POST", endpoint + "/_emulator/config", settings) }
}

struct ToolResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var json: JSON? { try? JSON.parse(stdout) }
}

/// Runs one of the built tools (or the program at an absolute path) with JSON on stdin, to its end.
func run(_ tool: String, _ args: [String] = [], stdin: String? = nil, env: [String: String] = Emulator.environment())
    throws -> ToolResult
{
    try StartedTool(tool, args, stdin: stdin, env: env).finish()
}
