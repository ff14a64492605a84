import ArgumentParser
import AWSCore
import SandboxRelease

/// `--tag-key`, with its environment default.
public struct AssetOptions: ParsableArguments {
    @Option(name: .long, help: "Tag key that carries the asset-id (default: $ASSET_TAG_KEY or asset-id).")
    public var tagKey: String?

    public init() {}

    public func resolvedTagKey(_ env: [String: String]) -> String { AssetOptions.tagKey(tagKey, env) }

    /// A `--tag-key` value, else $ASSET_TAG_KEY, else the default; for tools without the images prefix.
    public static func tagKey(_ flag: String?, _ env: [String: String]) -> String {
        flag ?? env["ASSET_TAG_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? AssetConventions.defaultTagKey
    }
}
