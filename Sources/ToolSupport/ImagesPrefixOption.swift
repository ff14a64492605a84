import ArgumentParser
import AWSCore
import SandboxRelease

/// `--images-prefix` and `--staging-prefix`, with their environment defaults: only for the tools
/// that read or write the images in the VM bucket (list-assets, purge-assets, ami-export export).
public struct ImagesPrefixOption: ParsableArguments {
    @Option(name: .long, help: "Key prefix of the images in the VM bucket (default: $IMAGES_PREFIX or images).")
    public var imagesPrefix: String?

    @Option(
        name: .long,
        help:
            "Key prefix ExportImage writes under, before the images are verified (default: $STAGING_PREFIX or staging)."
    )
    public var stagingPrefix: String?

    public init() {}

    public func resolved(_ env: [String: String]) -> String {
        imagesPrefix ?? env["IMAGES_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? AssetConventions.defaultImagesPrefix
    }

    public func resolvedStaging(_ env: [String: String]) -> String {
        stagingPrefix ?? env["STAGING_PREFIX"].flatMap { $0.isEmpty ? nil : $0 }
            ?? AssetConventions.defaultStagingPrefix
    }

    /// Where a published image goes: `<images-prefix>/<asset-id>/`.
    public func keyPrefix(assetId: String, _ env: [String: String]) -> String {
        AssetConventions.imagesKeyPrefix(imagesPrefix: resolved(env), assetId: assetId)
    }

    /// `--prefix`'s default, where ExportImage writes: `<staging-prefix>/<asset-id>/`.
    public func stagingKeyPrefix(assetId: String, _ env: [String: String]) -> String {
        AssetConventions.imagesKeyPrefix(imagesPrefix: resolvedStaging(env), assetId: assetId)
    }
}
