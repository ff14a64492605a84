import ArgumentParser
import AWSCore
import SandboxRelease

/// An `--asset-id` flag: parsed only when it is a valid asset-id (`AssetConventions.validate`),
/// so a bad one exits 2 before the command runs.
public struct AssetId: ExpressibleByArgument, Sendable {
    public let value: String

    public init?(argument: String) {
        guard let valid = try? AssetConventions.validate(assetId: argument) else { return nil }
        value = valid
    }
}
