/// The region, in the SDKs' order: a flag, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile.
public enum Region {
    public static func resolve(flag: String?, environment env: [String: String], config: SharedConfig) throws -> String
    {
        for candidate in [flag, env["AWS_REGION"], env["AWS_DEFAULT_REGION"], config.value("region")] {
            if let r = candidate, !r.isEmpty { return try validate(r) }
        }
        throw ToolError.usage(
            "no AWS region: pass --region, or set AWS_REGION, AWS_DEFAULT_REGION, or region in profile '\(config.profileName)' of \(config.configPath)"
        )
    }

    /// The partitions' area prefixes and the directions every region name is made of
    /// (`eu-west-1`, `us-gov-east-1`, `ap-southeast-5`): a typo such as `eu-wset-1` would
    /// otherwise end as a host name that does not resolve.
    static let areas: Set<String> = [
        "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn", "us-gov",
        "us-iso", "us-isob", "us-isof", "eu-isoe",
    ]
    static let directions: Set<String> = [
        "north", "south", "east", "west", "central",
        "northeast", "northwest", "southeast", "southwest",
    ]

    static func validate(_ region: String) throws -> String {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let known =
            parts.count >= 3 && areas.contains(parts.dropLast(2).joined(separator: "-"))
            && directions.contains(parts[parts.count - 2])
            && !parts[parts.count - 1].isEmpty && parts[parts.count - 1].allSatisfy { $0.isASCII && $0.isNumber }
        guard known else {
            throw ToolError.usage(
                "unknown region '\(region)': expected a name like eu-west-1 or us-gov-west-1 (check the spelling)")
        }
        return region
    }
}
