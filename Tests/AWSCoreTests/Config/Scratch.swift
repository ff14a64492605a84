import Foundation
@testable import AWSCore

/// A directory of its own for one test (a HOME, config files, scripts), removed at the end.
final class Scratch {
    let path: String

    init() {
        var template = Array("/tmp/sandbox-test-XXXXXX".utf8CString)
        path = String(cString: mkdtemp(&template))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` under the directory (making the folders on the way) and returns its path.
    @discardableResult
    func file(_ name: String, _ text: String, mode: mode_t = 0o600) -> String {
        let full = path + "/" + name
        if let slash = full.lastIndex(of: "/") {
            try? FileManager.default.createDirectory(
                atPath: String(full[..<slash]), withIntermediateDirectories: true)
        }
        try? writeFileAtomically(full, Array(text.utf8), mode: mode)
        return full
    }

    /// An environment that reads only this directory's files: HOME, config and credentials here,
    /// no instance metadata.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "HOME": path, "AWS_CONFIG_FILE": path + "/config", "AWS_SHARED_CREDENTIALS_FILE": path + "/credentials",
            "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin",
        ].merging(extra) { $1 }
    }

    /// The chain's answer for `environment` (nil profile: the environment's).
    func resolve(_ environment: [String: String], profile: String? = nil) throws -> Credentials {
        try CredentialChain(environment: environment, config: SharedConfig(environment: environment, profile: profile))
            .resolve(http: HTTPClient(environment: environment))
    }
}
