import ArgumentParser
import AWSCore
import SandboxRelease

/// `--format vmdk`, in any case; a wrong one is answered with the list of formats.
extension DiskFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
