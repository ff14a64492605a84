import ArgumentParser
import AWSCore
import SandboxRelease

/// An `--asset-id` flag: parsed only when it is a valid asset-id (`AssetConventions.validate`),
/// so a bad one exits 2, with the rule, before the command runs. Declare it with
/// `transform: AssetId.parse`.
public struct AssetId: Sendable {
    public let value: String

    @Sendable public static func parse(_ argument: String) throws -> AssetId {
        guard let valid = try? AssetConventions.validate(assetId: argument) else {
            throw ValidationError(AssetConventions.assetIdRule)
        }
        return AssetId(value: valid)
    }
}
