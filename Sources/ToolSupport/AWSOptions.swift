import ArgumentParser
import AWSCore

/// `--region`, `--profile`, `--endpoint-url` and `--debug`, which every tool that calls AWS
/// accepts, as the aws CLI does.
public struct AWSOptions: ParsableArguments {
    @Option(name: .long, help: "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's).")
    public var region: String?

    @Option(name: .long, help: "Shared config profile (default: $AWS_PROFILE).")
    public var profile: String?

    @Option(
        name: .long,
        help: "Send the tool's requests to this URL (beats $AWS_ENDPOINT_URL and its per-service forms).")
    public var endpointUrl: String?

    @Flag(name: .long, help: "One stderr line per request and retry (as $SANDBOX_DEBUG=1).")
    public var debug = false

    public init() {}

    public func validate() throws {
        if let url = endpointUrl, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ToolError.usage(
                "invalid --endpoint-url '\(url)': give a URL such as https://ec2.eu-west-1.amazonaws.com")
        }
    }

    /// The process's environment with `--debug` applied: every client a tool makes, those of
    /// its credential sources too, reads its settings from it.
    public func environment() -> [String: String] {
        var env = processEnvironment()
        if debug { env["SANDBOX_DEBUG"] = "1" }
        return env
    }

    /// A client with these settings (for `region`, else `--region` and the usual chain); region
    /// and retry settings are checked now, before any request.
    public func client(region: String? = nil) throws -> AWSClient {
        let client = try AWSClient(region: region ?? self.region, environment: environment(), profile: profile)
        client.endpointURL = endpointUrl
        return client
    }
}
