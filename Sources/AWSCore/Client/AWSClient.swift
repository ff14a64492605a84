/// The one way every tool talks to AWS: credentials from the process's shared provider (renewed
/// before they expire), sign each attempt, send over this thread's HTTP connection, retry what is
/// safe, and decode errors.
public final class AWSClient {
    public let environment: [String: String]
    public let config: SharedConfig
    public let region: String
    public let http: HTTPClient
    public let retry: RetryPolicy
    let quota = RetryQuota()
    /// Shared with the siblings, so that every thread signs with the credentials renewed last.
    public let credentialProvider: CredentialProvider
    /// Adaptive retry mode only; shared with the siblings, since they send to the same services.
    let rateLimiter: ClientRateLimiter?
    private var warnedPlainHTTP = false
    /// Fixed signing time, for `--dry-run --time`.
    public var signingTime: AmzDate?
    /// `--endpoint-url`: every request of this client and its siblings goes there, whatever is
    /// configured; credential sources (STS, IAM Identity Center) keep their own, as with the aws CLI.
    public var endpointURL: String?
    let debug: Bool

    /// Resolves region and retry settings now (usage errors, before any request); credentials
    /// are resolved at the first request.
    public init(
        region flag: String? = nil, environment: [String: String] = processEnvironment(), profile: String? = nil
    ) throws {
        self.environment = environment
        config = SharedConfig(environment: environment, profile: profile)
        region = try Region.resolve(flag: flag, environment: environment, config: config)
        retry = try RetryPolicy(environment: environment, config: config)
        http = HTTPClient(environment: environment)
        debug = environment["SANDBOX_DEBUG"].map { !$0.isEmpty && $0 != "0" } ?? false
        credentialProvider = CredentialProvider(
            chain: CredentialChain(environment: environment, config: config),
            debug: debug)
        rateLimiter = retry.mode == "adaptive" ? ClientRateLimiter() : nil
    }

    /// A client for another thread (HTTPClient is not thread-safe): the same settings and the same
    /// credential provider, with a connection of its own.
    public init(sibling other: AWSClient) throws {
        environment = other.environment
        config = other.config
        region = other.region
        retry = other.retry
        http = HTTPClient(environment: environment)
        debug = other.debug
        signingTime = other.signingTime
        endpointURL = other.endpointURL
        credentialProvider = other.credentialProvider
        rateLimiter = other.rateLimiter
        _ = try credentials()
    }

    public func credentials() throws -> Credentials { try credentialProvider.credentials(http: http) }

    public func endpoint(_ service: String) -> Endpoint {
        if let url = endpointURL {
            return Endpoint(url: Endpoint.trimSlash(url), signingRegion: region, signingName: service, isCustom: true)
        }
        return Endpoint.resolve(service: service, region: region, environment: environment, config: config)
    }

    public func signer(for service: String) throws -> Signer {
        let e = endpoint(service)
        return Signer(credentials: try credentials(), region: e.signingRegion, service: e.signingName)
    }

    /// Signs and sends one request, retrying what is safe to retry. A non-2xx answer throws
    /// `ToolError.aws` with the decoded error. Credentials that AWS calls expired are renewed and the request is sent once more: it was
    /// refused unread, so even a creating call may be repeated. `signed: false` sends it as it is:
    /// the calls that fetch credentials with a token instead (web identity, the SSO portal).
    public func send(
        _ request: HTTPRequest, service: String, idempotent: Bool, responseFile: String? = nil, signed: Bool = true
    ) throws -> HTTPResponse {
        warnIfPlainHTTP(request.url)
        var attempt = 0
        var renewed = false
        while true {
            attempt += 1
            try Interrupt.check()
            let signer = signed ? try self.signer(for: service) : nil
            if let delay = rateLimiter?.delayBeforeSending(now: monotonic()), delay > 0 {
                if debug { log("adaptive retry mode: waiting \(Int(delay * 1000)) ms for a send token") }
                try Interrupt.sleep(delay)
            }
            var outgoing = request
            try signer?.sign(&outgoing, at: signingTime ?? .now())
            let started = monotonic()
            let outcome: RetryPolicy.Outcome
            let failure: ToolError
            do {
                let response = try http.send(outgoing, responseFile: responseFile)
                trace(outgoing, service, "\(response.status)", started)
                if (200..<300).contains(response.status) {
                    rateLimiter?.record(throttled: false, now: monotonic())
                    quota.release(nil)
                    return response
                }
                var error = ErrorDecoding.decode(responseFile == nil ? response : withFileBody(response))
                if error.code.isEmpty { error.code = ErrorDecoding.fallbackCode(response.status) }
                if !renewed, let signer, CredentialRefresh.expiredCodes.contains(error.code) {
                    if debug { log("\(error.code): renewing \(signer.credentials) and sending again") }
                    credentialProvider.expire(signer.credentials)
                    renewed = true
                    attempt -= 1
                    continue
                }
                outcome = .response(status: response.status, code: error.code)
                failure = .aws(signer.map { Redaction($0.credentials).apply(error) } ?? error)
                rateLimiter?.record(throttled: retry.isThrottling(outcome), now: monotonic())
            } catch let e as TransportError {
                trace(outgoing, service, "transport error \(e.code)", started)
                outcome = .transport(notSent: e.notSent, timedOut: e.code == 28)
                failure = .connection("\(service): \(e.message)")
            }
            guard attempt < retry.maxAttempts, retry.isRetryable(outcome, idempotent: idempotent) else { throw failure }
            var timedOut = false
            if case let .transport(_, t) = outcome { timedOut = t }
            // Throttling costs no quota: it is the service asking us to slow down, not failing.
            if !retry.isThrottling(outcome), quota.acquire(timedOut: timedOut) == nil { throw failure }
            let delay = retry.backoff(attempt: attempt, random: Double.random(in: 0..<1))
            if debug { log("retry \(attempt)/\(retry.maxAttempts - 1) after \(failure) in \(Int(delay * 1000)) ms") }
            try Interrupt.sleep(delay)
        }
    }

    /// Signed requests over plain HTTP to a host that is not loopback can be read (and replayed)
    /// on the way: said once per client.
    private func warnIfPlainHTTP(_ url: String) {
        guard !warnedPlainHTTP, let u = try? URLParts(url), u.scheme == "http", !CredentialHosts.isLoopback(u.host)
        else { return }
        warnedPlainHTTP = true
        log("warning: signed requests go to \(u.host) over plain http (no TLS); use an https endpoint")
    }

    private func withFileBody(_ r: HTTPResponse) -> HTTPResponse {
        var copy = r
        if let f = r.bodyFile { copy.body = readFile(f) ?? [] }
        return copy
    }

    /// `ec2:DescribeImages POST https://… → 200 in 3 ms` (S3: `s3 GET …`).
    private func trace(_ r: HTTPRequest, _ service: String, _ result: String, _ started: Double) {
        guard debug else { return }
        let call = r.action.map { "\(service):\($0)" } ?? service
        log("\(call) \(r.method) \(r.url) → \(result) in \(Int((monotonic() - started) * 1000)) ms")
    }
}
