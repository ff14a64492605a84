import ArgumentParser
import AWSCore

/// `--region` and `--profile`, which every tool that calls AWS accepts.
public struct AWSOptions: ParsableArguments {
    @Option(name: .long, help: "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's).")
    public var region: String?

    @Option(name: .long, help: "Shared config profile (default: $AWS_PROFILE).")
    public var profile: String?

    public init() {}

    /// The client; region and retry settings are checked now, before any request.
    public func client() throws -> AWSClient {
        try AWSClient(region: region, environment: processEnvironment(), profile: profile)
    }
}
