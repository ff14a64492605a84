import AWSCore
import SandboxRelease
import ToolSupport
import ArgumentParser

struct AwsSignRequest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws-sign-request",
        abstract: "Sign an AWS request with SigV4 and send it (or print it with --dry-run).",
        discussion: """
            Reads one JSON object on stdin:
              {"service":"ec2","region":"eu-west-1","method":"POST","url":"https://...","headers":{...},"body":"..."}
            Instead of "url": "path" (raw) and "query" (object of raw values) on the service's endpoint.
            "bodyFile" streams a file as the body; "outputFile" streams the response body into a file.
            Prints {"status","headers","body","json"}; with --dry-run {"method","url","headers","body"}: \
            an HTTP message, in the lowercase keys of the request it reads; "json" holds AWS's answer \
            in the service's own names. --region beats the JSON's "region".
            """,
        version: ToolVersion.text)

    @Flag(name: .long, help: "Sign and print the request; send nothing.")
    var dryRun = false

    @Flag(name: .long, help: "With --dry-run: print the session token as it is, not <redacted> (says so on stderr).")
    var showSecrets = false

    @Option(name: .long, help: "Signing time, basic ISO 8601 in UTC (20150830T123600Z).")
    var time: AmzDate?

    @Option(name: .long, help: "Service signing name, e.g. ec2, s3 (overrides the JSON).")
    var service: String?

    @OptionGroup var aws: AWSOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        guard let input = try Input.json(required: true, what: "a request object") else { return }
        let env = aws.environment()
        var client: AWSClient?
        let raw = try RawRequest.parse(input, serviceFlag: service, regionFlag: aws.region, environment: env) {
            service, region in
            client = try aws.client(region: region)
            return client!.endpoint(service)
        }
        let sender = try client ?? aws.client(region: raw.region)
        sender.signingTime = time
        if let warning = raw.regionWarning(sender) { log("aws-sign-request: \(warning)") }
        if dryRun && showSecrets {
            log("aws-sign-request: --show-secrets: this output holds the session token; do not keep or share it")
        }
        try printer.emit(dryRun ? raw.signed(by: sender, showSecrets: showSecrets) : raw.send(sender))
    }
}

ToolMain.run(AwsSignRequest.self)
