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
        Prints {"status","headers","body","json"}; with --dry-run {"method","url","headers","body"}.
        """)

    @Flag(name: .long, help: "Sign and print the request; send nothing.")
    var dryRun = false

    @Option(name: .long, help: "Signing time, basic ISO 8601 in UTC (20150830T123600Z).")
    var time: String?

    @Option(name: .long, help: "Region (overrides the JSON and the environment).")
    var region: String?

    @Option(name: .long, help: "Service signing name, e.g. ec2, s3 (overrides the JSON).")
    var service: String?

    @Option(name: .long, help: "Shared config profile (overrides AWS_PROFILE).")
    var profile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let printer = try output.printer()
        let signingTime = try time.map { t -> AmzDate in
            guard let d = AmzDate(iso8601: t) else { throw ToolError.usage("invalid --time '\(t)': expected 20150830T123600Z") }
            return d
        }
        guard let input = try Input.json(required: true, what: "a request object") else { return }
        let env = processEnvironment()
        var client: AWSClient?
        let raw = try RawRequest.parse(input, serviceFlag: service, regionFlag: region, environment: env) { service, region in
            client = try AWSClient(region: region, environment: env, profile: profile)
            return client!.endpoint(service)
        }
        let aws = try client ?? AWSClient(region: raw.region, environment: env, profile: profile)
        aws.signingTime = signingTime

        if dryRun {
            var request = raw.request
            let endpoint = aws.endpoint(raw.service)
            try Signer(credentials: aws.credentials(), region: endpoint.signingRegion, service: endpoint.signingName)
                .sign(&request, at: signingTime ?? .now())
            var body: JSON = .null
            if case let .bytes(b) = request.body { body = .string(String(decoding: b, as: UTF8.self)) }
            try printer.emit([
                "method": .string(request.method),
                "url": .string(request.url),
                "headers": .object(request.headers.fields.map { ($0.name, .string($0.value)) }),
                "body": body,
            ])
            return
        }

        let response = try aws.send(raw.request, service: raw.service, idempotent: raw.isIdempotent, responseFile: raw.outputFile)
        var headers: [(String, JSON)] = []
        for field in response.headers {
            if let i = headers.firstIndex(where: { $0.0 == field.name }) {
                headers[i].1 = .string((headers[i].1.string ?? "") + ", " + field.value)
            } else {
                headers.append((field.name, .string(field.value)))
            }
        }
        var result: JSON = ["status": JSON(response.status), "headers": .object(headers)]
        if let file = response.bodyFile {
            result.set("bodyFile", .string(file))
            result.set("json", .null)
        } else {
            result.set("body", .string(String(decoding: response.body, as: UTF8.self)))
            result.set("json", try ErrorDecoding.body(response))
        }
        try printer.emit(result)
    }
}

ToolMain.run(AwsSignRequest.self)
