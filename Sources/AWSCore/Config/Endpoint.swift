/// Where a service's requests go and how they are signed: `https://{service}.{region}.amazonaws.com`
/// with AWS's real exceptions, overridden by `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`
/// or the profile's `endpoint_url`, as the AWS CLI reads them.
public struct Endpoint: Sendable, Equatable {
    public var url: String
    public var signingRegion: String
    public var signingName: String
    /// A custom endpoint (an emulator, a proxy): S3 then goes path-style.
    public var isCustom: Bool

    /// The suffix of `AWS_ENDPOINT_URL_<SERVICE>`: the service id upper-cased, spaces as underscores.
    static let serviceIds: [String: String] = [
        "ec2": "EC2", "s3": "S3", "cloudformation": "CLOUDFORMATION", "iam": "IAM", "sts": "STS",
        "codebuild": "CODEBUILD", "wafv2": "WAFV2", "cloudfront": "CLOUDFRONT",
        "secretsmanager": "SECRETS_MANAGER", "ssm": "SSM", "logs": "CLOUDWATCH_LOGS", "sso": "SSO",
        "sso-oidc": "SSO_OIDC", "servicequotas": "SERVICE_QUOTAS",
    ]

    public static func resolve(
        service: String, region: String, environment env: [String: String],
        config: SharedConfig? = nil
    ) -> Endpoint {
        let envName = "AWS_ENDPOINT_URL_" + (serviceIds[service] ?? service.uppercased().replacingDashes())
        let ignoreConfigured = env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        if !ignoreConfigured {
            for candidate in [env[envName], env["AWS_ENDPOINT_URL"], config?.value("endpoint_url")] {
                if let url = candidate, !url.isEmpty {
                    return Endpoint(url: trimSlash(url), signingRegion: region, signingName: service, isCustom: true)
                }
            }
        }
        let suffix = Region.dnsSuffix(region)
        switch service {
        case "iam", "cloudfront":
            // Global services: one endpoint, signed for the partition's first region.
            let signing =
                region.hasPrefix("cn-") ? "cn-north-1" : region.hasPrefix("us-gov-") ? "us-gov-west-1" : "us-east-1"
            return Endpoint(
                url: "https://\(service).\(suffix)", signingRegion: signing, signingName: service, isCustom: false)
        case "sso", "sso-oidc":
            // IAM Identity Center's portal and OIDC service (botocore's models: endpointPrefix
            // "portal.sso", "oidc"); both are called unsigned.
            let host = service == "sso" ? "portal.sso" : "oidc"
            return Endpoint(
                url: "https://\(host).\(region).\(suffix)", signingRegion: region, signingName: service, isCustom: false
            )
        default:
            return Endpoint(
                url: "https://\(service).\(region).\(suffix)", signingRegion: region, signingName: service,
                isCustom: false)
        }
    }

    static func trimSlash(_ url: String) -> String {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        return u
    }

    /// The URL of an S3 object: virtual-hosted where a bucket name allows it on AWS's own
    /// endpoint, path-style otherwise (dots break TLS; custom endpoints rarely resolve bucket hosts).
    public func s3URL(bucket: String, key: String = "", query: String = "") -> String {
        let encodedKey = PercentEncoding.encode(key, keepSlash: true)
        let virtual = !isCustom && S3Names.isDNSCompatible(bucket) && !bucket.contains(".")
        var u: String
        if virtual, let r = url.firstRange(of: "://") {
            u = url[..<r.upperBound] + bucket + "." + url[r.upperBound...] + "/" + encodedKey
        } else {
            u = url + "/" + bucket + (key.isEmpty ? "" : "/" + encodedKey)
        }
        if !query.isEmpty { u += "?" + query }
        return u
    }
}

enum S3Names {
    static func isDNSCompatible(_ bucket: String) -> Bool {
        (3...63).contains(bucket.count)
            && bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
            && (bucket.first?.isLetter == true || bucket.first?.isNumber == true)
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" || $0 == " " ? "_" : $0 }) }
}
