import ArgumentParser
import AWSCore
import SandboxRelease

/// `--tag-key` and `--images-prefix`, with their environment defaults.
public struct AssetOptions: ParsableArguments {
    @Option(name: .long, help: "Tag key that carries the asset-id (default: $ASSET_TAG_KEY or asset-id).")
    public var tagKey: String?

    @Option(name: .long, help: "Key prefix of the images in the VM bucket (default: $IMAGES_PREFIX or images).")
    public var imagesPrefix: String?

    public init() {}

    public func resolvedTagKey(_ env: [String: String]) -> String { AssetOptions.tagKey(tagKey, env) }

    /// A `--tag-key` value, else $ASSET_TAG_KEY, else the default; for tools without the images prefix.
    public static func tagKey(_ flag: String?, _ env: [String: String]) -> String {
        flag ?? env["ASSET_TAG_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? AssetConventions.defaultTagKey
    }

    public func resolvedImagesPrefix(_ env: [String: String]) -> String {
        imagesPrefix ?? env["IMAGES_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? AssetConventions.defaultImagesPrefix
    }

    /// `--prefix`'s default: `<images-prefix>/<asset-id>/`.
    public func imagesKeyPrefix(assetId: String, _ env: [String: String]) -> String {
        AssetConventions.imagesKeyPrefix(imagesPrefix: resolvedImagesPrefix(env), assetId: assetId)
    }
}
