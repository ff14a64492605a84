import ArgumentParser
import AWSCore
import SandboxRelease

/// `--images-prefix`, with its environment default: only for the tools that read or write the
/// images in the VM bucket (list-assets, ami-export export).
public struct ImagesPrefixOption: ParsableArguments {
    @Option(name: .long, help: "Key prefix of the images in the VM bucket (default: $IMAGES_PREFIX or images).")
    public var imagesPrefix: String?

    public init() {}

    public func resolved(_ env: [String: String]) -> String {
        imagesPrefix ?? env["IMAGES_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? AssetConventions.defaultImagesPrefix
    }

    /// `--prefix`'s default: `<images-prefix>/<asset-id>/`.
    public func keyPrefix(assetId: String, _ env: [String: String]) -> String {
        AssetConventions.imagesKeyPrefix(imagesPrefix: resolved(env), assetId: assetId)
    }
}
