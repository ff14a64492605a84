import ArgumentParser
import AWSCore
import SandboxRelease

/// How the server-side rename copies: flags, so tests can make the multipart path run on small
/// objects. Out-of-range values are usage errors, found before any request.
public struct CopyOptions: ParsableArguments {
    @Option(name: .long, help: "Copy in parts above this size (CopyObject's limit at most), bytes or with K/M/G/MiB….")
    public var copyThreshold = ByteSize(argument: "5GiB")!

    @Option(name: .long, help: "Part size of a multipart copy, 5MiB to 5GiB.")
    public var partSize = ByteSize(argument: "512MiB")!

    @Option(name: .long, help: "Parts copied at once.")
    public var copyParallelism = 8

    public init() {}

    public func validate() throws {
        let maxCopy = S3Rename.maxSinglePartCopy
        guard (0...maxCopy).contains(copyThreshold.bytes) else {
            throw ToolError.usage("--copy-threshold must be between 0 and \(maxCopy) bytes (CopyObject's limit)")
        }
        guard (S3Rename.minPartSize...maxCopy).contains(partSize.bytes) else {
            throw ToolError.usage(
                "--part-size must be between \(S3Rename.minPartSize) (5 MiB) and \(maxCopy) (5 GiB) bytes")
        }
        guard copyParallelism >= 1 else { throw ToolError.usage("--copy-parallelism must be 1 or more") }
    }

    public var renamer: S3Rename {
        S3Rename(threshold: copyThreshold.bytes, partSize: partSize.bytes, parallelism: copyParallelism)
    }
}
