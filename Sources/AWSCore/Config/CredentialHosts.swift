/// Which hosts may receive credentials over plain HTTP, as the AWS SDKs decide it: loopback, and
/// the link-local hosts where ECS and EKS serve container credentials. Anything else needs TLS,
/// since the container's authorization token (or the signed request) would cross a network in
/// the clear.
public enum CredentialHosts {
    /// ECS (169.254.170.2) and EKS Pod Identity (169.254.170.23, fd00:ec2::23).
    static let containerHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]

    /// 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        let h = bare(host)
        if h == "localhost" || h == "::1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// `[::1]` → `::1`: URLParts keeps an IPv6 host in brackets.
    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The container credentials URL of the environment, or nil when none is set. A relative URI
    /// must be a path (it is appended to the ECS host, so `@host` or `//host` would change the
    /// host); a full URI over plain HTTP must name loopback or a container host.
    static func containerURL(_ environment: [String: String]) throws -> String? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            guard relative.hasPrefix("/"), !relative.hasPrefix("//"), !relative.contains("@"),
                !relative.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " })
            else {
                throw ToolError.usage(
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI '\(relative)' is not a path: it must start with a single '/' and hold no '@'"
                )
            }
            return "http://169.254.170.2" + relative
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty else { return nil }
        let url = try URLParts(full)
        guard url.scheme == "https" || isLoopback(url.host) || containerHosts.contains(bare(url.host)) else {
            throw ToolError.usage(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(full)': plain http only to loopback or the ECS/EKS hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23); use https for any other host"
            )
        }
        return full
    }
}
