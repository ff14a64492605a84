import CBuildInfo

/// What `--version` prints: the package's version and the commit the tools were built from.
public enum ToolVersion {
    /// Raised by hand at a release of the toolkit.
    public static let package = "0.1.0"

    /// `0.1.0 (commit 1a2b3c4d5e6f)`.
    public static var text: String { "\(package) (commit \(String(cString: sandbox_build_commit())))" }
}
