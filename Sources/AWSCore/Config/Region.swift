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

    /// A region AWS has opened: one that botocore's partitions list (`RegionNames`, generated
    /// from botocore's data/partitions.json). A typo such as `eu-wset-1`, or `eu-west-99`, which
    /// follows the rule of region names but is none, would otherwise end as a host name that
    /// does not resolve. The refusal names the regions nearest to what was given.
    static func validate(_ region: String) throws -> String {
        if partition(of: region) != nil { return region }
        // eu-west-99 follows partition aws's rule: the eu-west-N regions are the nearest.
        let ruled = RegionNames.partitions.first { (try? Regex($0.rule).wholeMatch(in: region)) != nil }
        let family = region.split(separator: "-").dropLast().joined(separator: "-")
        let near = (ruled?.regions ?? []).filter { !family.isEmpty && $0.hasPrefix(family + "-") }
        let why =
            ruled.map { "partition \($0.id) has no such region" }
            ?? "no partition's region names look like that"
        let hint =
            near.isEmpty
            ? "check the spelling of the region, e.g. eu-west-1 or us-gov-west-1"
            : "the \(family) regions are \(near.joined(separator: ", ")), e.g. \(near[0])"
        throw ToolError.usage("unknown region '\(region)': \(why) (botocore \(RegionNames.botocore)); \(hint)")
    }

    /// The partition that lists the region.
    static func partition(of region: String) -> RegionNames.Partition? {
        RegionNames.partitions.first { $0.regions.contains(region) }
    }

    /// The DNS suffix of the region's endpoints: `amazonaws.com`, `amazonaws.com.cn`, `amazonaws.eu`, ….
    static func dnsSuffix(_ region: String) -> String { partition(of: region)?.dnsSuffix ?? "amazonaws.com" }
}
