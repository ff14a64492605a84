import AWSCore

/// The disk formats an export of an AMI writes, by their file extension.
public enum DiskFormat: String, CaseIterable {
    case vmdk, vhd, raw

    /// The API's spelling (`DiskImageFormat`).
    public var apiName: String { rawValue.uppercased() }
}
