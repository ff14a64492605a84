/// The region, in the SDKs' order: a flag, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile.
public enum Region {
    public static func resolve(flag: String?, environment env: [String: String], config: SharedConfig) throws -> String {
        for candidate in [flag, env["AWS_REGION"], env["AWS_DEFAULT_REGION"], config.value("region")] {
            if let r = candidate, !r.isEmpty { return try validate(r) }
        }
        throw ToolError.usage("no AWS region: pass --region, or set AWS_REGION, AWS_DEFAULT_REGION, or region in profile '\(config.profileName)' of \(config.configPath)")
    }

    static func validate(_ region: String) throws -> String {
        let ok = region.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        guard ok, !region.hasPrefix("-") else { throw ToolError.usage("invalid region '\(region)': expected a name like eu-west-1") }
        return region
    }
}
